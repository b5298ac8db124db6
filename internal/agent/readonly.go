package agent

// readOnly are the operations that change nothing on the host. The client
// may send them again when a session breaks under them (anything else is a
// write, never repeated blindly), and the lab keeps them off its timeline
// of state changes.
var readOnly = map[string]bool{
	OpHello:         true,
	OpRegistryGet:   true,
	OpRegistryList:  true,
	OpDNSCNAMEGet:   true,
	OpShareList:     true,
	OpSharePathsGet: true,
	OpDiskList:      true,
	OpMountPointGet: true,
	OpServerStatus:  true,
}

// ReadOnly says whether op only reads.
func ReadOnly(op string) bool { return readOnly[op] }
