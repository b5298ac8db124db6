// Package winhost models one emulated Windows server of the lab: its state
// (the registry and the SMB shares stored in it, disks and volumes, SMB
// sessions, services, the DNS Server role, each in its own files) and the
// agent operations that act on it. Execute answers
// exactly what agent.ps1 answers on real Windows.
package winhost

import (
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/lab/addir"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnszone"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// Host is one emulated Windows server. All state is guarded by mu, so the
// agent, the lab's fault injection and tests may use it concurrently.
type Host struct {
	name   string
	tl     *timeline.Timeline
	locale string // display language (secdesc.Locales); "" is English

	mu       sync.Mutex
	reg      *registry
	dnsZones map[string]*dnszone.Zone // by canonical origin; the DNS Server role
	st       *storage                 // disks, volumes, mount points, SMB sessions
	services map[string]*service      // by folded service name
	down     bool                     // crashed (powered off) until Boot
	// lostShares are the registry shares (by folded name) the Server
	// service skipped at its last start because their folder was missing.
	lostShares map[string]bool
	dir        *addir.Directory // the domain, when the ActiveDirectory module is installed
	// inEffect holds, by index of agent.WatchedSettings, the value its
	// service read when it last started (settings.go); nil: absent.
	inEffect map[int]*agent.RegistryValue
	dfs      dfsRole // DFS Namespaces: the stores this host reaches
	net      network // network adapters and their IPv4 addresses (address.go)
}

// New returns a host named name (e.g. "server1") in the state of a freshly
// installed Windows Server 2022 as far as the provider touches it. Every change
// is recorded on tl (which may be nil in tests that do not care).
func New(name string, tl *timeline.Timeline) *Host {
	h := &Host{name: name, tl: tl, reg: newRegistry(), st: newStorage(), services: newServices(), lostShares: map[string]bool{}}
	h.seedRegistry()
	h.SettingsReadNow()
	return h
}

// Name is the lab's name for the host, as used on the timeline.
func (h *Host) Name() string { return h.name }

// ComputerName is the NetBIOS name Windows reports: the host name in upper case.
func (h *Host) ComputerName() string { return strings.ToUpper(h.name) }

// record appends a state change to the timeline.
func (h *Host) record(kind, detail string) {
	if h.tl != nil {
		h.tl.Record(h.name, kind, detail)
	}
}
