package agent

import "reflect"

// Op is one agent operation: its wire name, whether it only reads, and (as
// type parameters) its request and response shapes. The client's methods
// and the lab's handlers are typed by it, so a shape can only change here.
//
// ReadOnly operations change nothing on the host. The client may send them
// again when a session breaks under them (anything else is a write, never
// repeated blindly), and the lab keeps them off its timeline of changes.
type Op[P, R any] struct {
	Name     string
	ReadOnly bool
}

// Operation is an Op with its types erased, for the table of all of them.
type Operation interface {
	Describe() OpInfo
}

// OpInfo describes an operation without its types.
type OpInfo struct {
	Name     string
	ReadOnly bool
	Params   reflect.Type
	Result   reflect.Type
}

// Describe implements Operation.
func (o Op[P, R]) Describe() OpInfo {
	return OpInfo{Name: o.Name, ReadOnly: o.ReadOnly, Params: reflect.TypeFor[P](), Result: reflect.TypeFor[R]()}
}

// The operations, by area. Wire names never change once released.
var (
	Hello = Op[HelloParams, HelloResult]{Name: "hello", ReadOnly: true}

	RegistryGet    = Op[RegistryGetParams, RegistryGetResult]{Name: "registry.get", ReadOnly: true}
	RegistrySet    = Op[RegistrySetParams, Empty]{Name: "registry.set"}
	RegistryDelete = Op[RegistryDeleteParams, RegistryDeleteResult]{Name: "registry.delete"}
	RegistryList   = Op[RegistryListParams, RegistryListResult]{Name: "registry.list", ReadOnly: true}

	DNSCNAMEGet    = Op[DNSCNAMEGetParams, DNSCNAMEGetResult]{Name: "dns.cname.get", ReadOnly: true}
	DNSCNAMESet    = Op[DNSCNAMESetParams, DNSCNAMESetResult]{Name: "dns.cname.set"}
	DNSCNAMEDelete = Op[DNSCNAMEDeleteParams, DNSCNAMEDeleteResult]{Name: "dns.cname.delete"}

	ShareList     = Op[ShareListParams, ShareListResult]{Name: "share.list", ReadOnly: true}
	SharePathsGet = Op[SharePathsGetParams, SharePathsGetResult]{Name: "share.paths.get", ReadOnly: true}
	ShareSet      = Op[ShareSetParams, ShareSetResult]{Name: "share.set"}
	ShareRemove   = Op[ShareRemoveParams, ShareRemoveResult]{Name: "share.remove"}

	StorageRescan       = Op[StorageRescanParams, Empty]{Name: "storage.rescan"}
	DiskList            = Op[DiskListParams, DiskListResult]{Name: "disk.list", ReadOnly: true}
	DiskSet             = Op[DiskSetParams, DiskSetResult]{Name: "disk.set"}
	MountPointGet       = Op[MountPointGetParams, MountPointGetResult]{Name: "mountpoint.get", ReadOnly: true}
	VolumeMount         = Op[VolumeMountParams, VolumeMountResult]{Name: "volume.mount"}
	VolumeDismount      = Op[VolumeDismountParams, VolumeDismountResult]{Name: "volume.dismount"}
	VolumeFlush         = Op[VolumeParams, Empty]{Name: "volume.flush"}
	VolumeRepair        = Op[VolumeParams, VolumeRepairResult]{Name: "volume.repair"}
	VolumeCloseSessions = Op[VolumeParams, VolumeCloseSessionsResult]{Name: "volume.close_sessions"}

	ADSPNList          = Op[ADSPNListParams, ADSPNListResult]{Name: "ad.spn.list", ReadOnly: true}
	ADSPNMove          = Op[ADSPNMoveParams, ADSPNMoveResult]{Name: "ad.spn.move"}
	ServiceGet         = Op[ServiceGetParams, ServiceGetResult]{Name: "service.get", ReadOnly: true}
	ServiceSet         = Op[ServiceSetParams, ServiceSetResult]{Name: "service.set"}
	ServiceRestart     = Op[ServiceRestartParams, ServiceRestartResult]{Name: "service.restart"}
	DFSNamespaceGet    = Op[DFSNamespaceGetParams, DFSNamespaceGetResult]{Name: "dfs.namespace.get", ReadOnly: true}
	DFSNamespaceSet    = Op[DFSNamespaceSetParams, DFSNamespaceSetResult]{Name: "dfs.namespace.set"}
	DFSNamespaceRemove = Op[DFSNamespaceRemoveParams, DFSNamespaceRemoveResult]{Name: "dfs.namespace.remove"}
	DFSFolderGet       = Op[DFSFolderGetParams, DFSFolderGetResult]{Name: "dfs.folder.get", ReadOnly: true}
	DFSFolderSet       = Op[DFSFolderSetParams, DFSFolderSetResult]{Name: "dfs.folder.set"}
	DFSFolderRemove    = Op[DFSFolderRemoveParams, DFSFolderRemoveResult]{Name: "dfs.folder.remove"}

	DFSRGroupGet    = Op[DFSRGroupGetParams, DFSRGroupGetResult]{Name: "dfsr.group.get", ReadOnly: true}
	DFSRGroupSet    = Op[DFSRGroupSetParams, DFSRGroupSetResult]{Name: "dfsr.group.set"}
	DFSRGroupRemove = Op[DFSRGroupRemoveParams, DFSRGroupRemoveResult]{Name: "dfsr.group.remove"}
	DFSRBacklogGet  = Op[DFSRBacklogGetParams, DFSRBacklogGetResult]{Name: "dfsr.backlog.get", ReadOnly: true}

	AddressGet    = Op[AddressGetParams, AddressGetResult]{Name: "address.get", ReadOnly: true}
	AddressAdd    = Op[AddressAddParams, AddressAddResult]{Name: "address.add"}
	AddressRemove = Op[AddressRemoveParams, AddressRemoveResult]{Name: "address.remove"}

	// ServerStatus reports services, mounted data volumes and shares at once.
	ServerStatus = Op[ServerStatusParams, ServerStatusResult]{Name: "server.status", ReadOnly: true}
)

// Ops is every operation of the contract. agent.ps1 dispatches each of
// them and the lab implements each of them (the contract tests check both).
var Ops = []Operation{
	Hello,
	RegistryGet, RegistrySet, RegistryDelete, RegistryList,
	DNSCNAMEGet, DNSCNAMESet, DNSCNAMEDelete,
	ShareList, SharePathsGet, ShareSet, ShareRemove,
	StorageRescan, DiskList, DiskSet, MountPointGet, VolumeMount, VolumeDismount, VolumeFlush, VolumeRepair, VolumeCloseSessions,
	ADSPNList, ADSPNMove,
	ServiceGet, ServiceSet, ServiceRestart,
	DFSNamespaceGet, DFSNamespaceSet, DFSNamespaceRemove, DFSFolderGet, DFSFolderSet, DFSFolderRemove,
	DFSRGroupGet, DFSRGroupSet, DFSRGroupRemove, DFSRBacklogGet,
	AddressGet, AddressAdd, AddressRemove,
	ServerStatus,
}

var opsByName = func() map[string]OpInfo {
	m := make(map[string]OpInfo, len(Ops))
	for _, o := range Ops {
		d := o.Describe()
		if _, dup := m[d.Name]; dup {
			panic("agent: operation declared twice: " + d.Name)
		}
		m[d.Name] = d
	}
	return m
}()

// Lookup finds an operation by its wire name.
func Lookup(name string) (OpInfo, bool) {
	d, ok := opsByName[name]
	return d, ok
}

// ReadOnly says whether the operation named op only reads. An unknown
// operation is not: it would never be repeated.
func ReadOnly(op string) bool { return opsByName[op].ReadOnly }
