package winhost

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// handler implements one agent operation against the host.
type handler func(h *Host, params json.RawMessage) (any, *agent.Error)

// handle types a handler by its operation: params are decoded strictly into
// the operation's request type, and fn must answer with its result type.
func handle[P, R any](op agent.Op[P, R], fn func(*Host, P) (R, *agent.Error)) implementation {
	return implementation{op.Name, func(h *Host, params json.RawMessage) (any, *agent.Error) {
		var p P
		if err := decodeParams(params, &p); err != nil {
			return nil, err
		}
		res, err := fn(h, p)
		if err != nil {
			return nil, err
		}
		return res, nil
	}}
}

// underLock runs find, then fn on what it found, holding the host's lock;
// find's error ends it.
func underLock[T, R any](h *Host, find func() (T, *agent.Error), fn func(T) (R, *agent.Error)) (R, *agent.Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, err := find()
	if err != nil {
		var none R
		return none, err
	}
	return fn(t)
}

// lockedOn runs fn on a request's parsed argument holding the host's lock,
// or returns the parse error err.
func lockedOn[T, R any](h *Host, arg T, err *agent.Error, fn func(T) (R, *agent.Error)) (R, *agent.Error) {
	return underLock(h, func() (T, *agent.Error) { return arg, err }, fn)
}

// onService runs fn on the service name names (service_not_found when
// there is none), holding the host's lock.
func onService[R any](h *Host, name string, fn func(*service) (R, *agent.Error)) (R, *agent.Error) {
	return underLock(h, func() (*service, *agent.Error) { return h.findServiceLocked(name) }, fn)
}

// implementation is one entry of handlers.
type implementation struct {
	op string
	fn handler
}

func table(impls ...implementation) map[string]handler {
	m := make(map[string]handler, len(impls))
	for _, i := range impls {
		if _, dup := m[i.op]; dup {
			panic("winhost: operation implemented twice: " + i.op)
		}
		m[i.op] = i.fn
	}
	return m
}

// handlers is the host's side of the contract, one entry per operation of
// agent.Ops but hello (the PowerShell emulation answers it). The contract
// test fails when an operation has no entry here.
var handlers = table(
	handle(agent.RegistryGet, (*Host).registryGet),
	handle(agent.RegistrySet, (*Host).registrySet),
	handle(agent.RegistryDelete, (*Host).registryDelete),
	handle(agent.RegistryList, (*Host).registryList),

	handle(agent.DNSCNAMEGet, (*Host).dnsCNAMEGet),
	handle(agent.DNSCNAMESet, (*Host).dnsCNAMESet),
	handle(agent.DNSCNAMEDelete, (*Host).dnsCNAMEDelete),

	handle(agent.ADSPNList, (*Host).adSPNList),
	handle(agent.ADSPNMove, (*Host).adSPNMove),

	handle(agent.ShareList, (*Host).shareList),
	handle(agent.SharePathsGet, (*Host).sharePathsGet),
	handle(agent.ShareSet, (*Host).shareSet),
	handle(agent.ShareRemove, (*Host).shareRemove),

	handle(agent.StorageRescan, (*Host).storageRescan),
	handle(agent.DiskList, (*Host).diskList),
	handle(agent.DiskSet, (*Host).diskSet),
	handle(agent.MountPointGet, (*Host).mountPointGet),
	handle(agent.VolumeMount, (*Host).volumeMount),
	handle(agent.VolumeDismount, (*Host).volumeDismount),
	handle(agent.VolumeFlush, (*Host).volumeFlush),
	handle(agent.VolumeRepair, (*Host).volumeRepair),
	handle(agent.VolumeScan, (*Host).volumeScan),
	handle(agent.VolumeSpotFix, (*Host).volumeSpotFix),
	handle(agent.VolumeCloseSessions, (*Host).volumeCloseSessions),

	handle(agent.ServiceGet, (*Host).serviceGet),
	handle(agent.ServiceSet, (*Host).serviceSet),
	handle(agent.ServiceRestart, (*Host).serviceRestart),

	handle(agent.ServerStatus, (*Host).serverStatus),

	handle(agent.DFSNamespaceGet, (*Host).dfsNamespaceGet),
	handle(agent.DFSNamespaceSet, (*Host).dfsNamespaceSet),
	handle(agent.DFSNamespaceRemove, (*Host).dfsNamespaceRemove),
	handle(agent.DFSFolderGet, (*Host).dfsFolderGet),
	handle(agent.DFSFolderSet, (*Host).dfsFolderSet),
	handle(agent.DFSFolderRemove, (*Host).dfsFolderRemove),

	handle(agent.DFSRGroupGet, (*Host).dfsrGroupGet),
	handle(agent.DFSRGroupSet, (*Host).dfsrGroupSet),
	handle(agent.DFSRGroupRemove, (*Host).dfsrGroupRemove),
	handle(agent.DFSRBacklogGet, (*Host).dfsrBacklogGet),

	handle(agent.AddressGet, (*Host).addressGet),
	handle(agent.AddressAdd, (*Host).addressAdd),
	handle(agent.AddressRemove, (*Host).addressRemove),
)

// Implements says whether the host implements the operation named op.
func Implements(op string) bool {
	_, ok := handlers[op]
	return ok
}

// Execute runs one agent operation, as agent.ps1 would on real Windows. The
// hello exchange is not a host operation: the PowerShell emulation answers it.
func (h *Host) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	fn, ok := handlers[op]
	if !ok {
		return nil, agent.Errorf(agent.CodeUnknownOp, "unknown operation %q", op)
	}
	return fn(h, params)
}

// decodeParams decodes params strictly, like the agent: missing params,
// unknown fields, wrong JSON types and trailing data are invalid_params.
func decodeParams(params json.RawMessage, into any) *agent.Error {
	trimmed := bytes.TrimSpace(params)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return agent.Errorf(agent.CodeInvalidParams, "missing params")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return agent.Errorf(agent.CodeInvalidParams, "invalid params: %v", err)
	}
	if dec.More() {
		return agent.Errorf(agent.CodeInvalidParams, "invalid params: %v", fmt.Errorf("trailing data"))
	}
	return nil
}
