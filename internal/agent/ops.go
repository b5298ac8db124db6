package agent

import (
	"reflect"
	"strings"
)

// Op is one agent operation: its wire name, whether it only reads, and (as
// type parameters) its request and response shapes. The client's methods
// and the lab's handlers are typed by it, so a shape can only change here.
//
// ReadOnly operations change nothing on the host. The client may send them
// again when a session breaks under them (anything else is a write, never
// repeated blindly), and the lab keeps them off its timeline of changes.
//
// Serial says which other requests a write must not overlap in the agent
// (reads overlap anything); agent.ps1 and the lab's agent both follow it.
//
// Long operations (the NTFS checks, which on a large volume run for hours)
// are bounded by the caller's own deadline, not by the client's per-call
// timeout.
type Op[P, R any] struct {
	Name     string
	ReadOnly bool
	Serial   Serial
	Long     bool
}

// Serial is what an agent operation is serialized with on one host. The
// agent runs requests concurrently (long repairs and rescans must not hold
// the others up), except that requests of the same serial key run one
// after the other, in the order they arrived.
type Serial int

const (
	// SerialHost (the default for a write): one at a time with every other
	// SerialHost write of the host, as the agent ran everything before it
	// ran requests concurrently.
	SerialHost Serial = iota
	// SerialStorage: one at a time with the other changes of the host's
	// storage topology (rescans, disks online or offline, access paths):
	// a mount must not race a rescan that re-enumerates its partition.
	SerialStorage
	// SerialVolume: one at a time per volume (the volume_guid parameter):
	// the checks and repairs of one volume; different volumes overlap.
	SerialVolume
	// SerialNone: overlaps anything (every read).
	SerialNone
)

// PoolSize is how many requests the agent runs at once (agent.ps1's
// $WinfsPoolSize runspaces); more wait for a free one.
const PoolSize = 8

// SerialNames are the serial classes as agent.ps1's $WinfsSerial table
// names them.
var SerialNames = map[Serial]string{SerialHost: "host", SerialStorage: "storage", SerialVolume: "volume", SerialNone: "none"}

// SerialKey is the key an operation's requests are serialized on: ""
// (none) for SerialNone, otherwise the class, with the volume GUID (lower
// case) for SerialVolume.
func SerialKey(s Serial, volumeGUID string) string {
	switch s {
	case SerialNone:
		return ""
	case SerialVolume:
		return "volume:" + strings.ToLower(volumeGUID)
	}
	return SerialNames[s]
}

// Operation is an Op with its types erased, for the table of all of them.
type Operation interface {
	Describe() OpInfo
}

// OpInfo describes an operation without its types.
type OpInfo struct {
	Name     string
	ReadOnly bool
	Serial   Serial // SerialNone for every read
	Long     bool
	Params   reflect.Type
	Result   reflect.Type
}

// Describe implements Operation.
func (o Op[P, R]) Describe() OpInfo {
	s := o.Serial
	if o.ReadOnly {
		s = SerialNone
	}
	return OpInfo{Name: o.Name, ReadOnly: o.ReadOnly, Serial: s, Long: o.Long, Params: reflect.TypeFor[P](), Result: reflect.TypeFor[R]()}
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

	StorageRescan       = Op[StorageRescanParams, Empty]{Name: "storage.rescan", Serial: SerialStorage}
	DiskList            = Op[DiskListParams, DiskListResult]{Name: "disk.list", ReadOnly: true}
	DiskSet             = Op[DiskSetParams, DiskSetResult]{Name: "disk.set", Serial: SerialStorage}
	MountPointGet       = Op[MountPointGetParams, MountPointGetResult]{Name: "mountpoint.get", ReadOnly: true}
	VolumeMount         = Op[VolumeMountParams, VolumeMountResult]{Name: "volume.mount", Serial: SerialStorage}
	VolumeDismount      = Op[VolumeDismountParams, VolumeDismountResult]{Name: "volume.dismount", Serial: SerialStorage}
	VolumeFlush         = Op[VolumeParams, Empty]{Name: "volume.flush", Serial: SerialVolume}
	VolumeRepair        = Op[VolumeParams, VolumeRepairResult]{Name: "volume.repair", Serial: SerialVolume, Long: true}
	VolumeScan          = Op[VolumeParams, VolumeCheckResult]{Name: "volume.scan", Serial: SerialVolume, Long: true}
	VolumeSpotFix       = Op[VolumeParams, VolumeCheckResult]{Name: "volume.spotfix", Serial: SerialVolume, Long: true}
	VolumeCloseSessions = Op[VolumeParams, VolumeCloseSessionsResult]{Name: "volume.close_sessions", Serial: SerialVolume}

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
	StorageRescan, DiskList, DiskSet, MountPointGet, VolumeMount, VolumeDismount, VolumeFlush, VolumeRepair, VolumeScan, VolumeSpotFix, VolumeCloseSessions,
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

// SerialOf is the serial class of the operation named op: an unknown
// operation is answered at once with an error, so it takes no key.
func SerialOf(op string) Serial {
	d, ok := opsByName[op]
	if !ok {
		return SerialNone
	}
	return d.Serial
}

// Long says whether the operation named op may run past the client's
// per-call timeout, within its caller's deadline.
func Long(op string) bool { return opsByName[op].Long }

// ReadOnly says whether the operation named op only reads. An unknown
// operation is not: it would never be repeated.
func ReadOnly(op string) bool { return opsByName[op].ReadOnly }
