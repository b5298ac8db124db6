package winhost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The file-server services a manual failover stops and starts, with the dependencies
// of a Windows Server install: Netlogon, Browser and Dfs depend on
// LanmanServer, so stopping "Server" stops them first (net stop /y), and
// starting one of them starts Server first. The table is in start order
// (the order of the manual procedure: Server, Net Logon, Computer Browser,
// DFS); EnumDependentServices lists dependents in the reverse of it, the
// order to stop them.
var serviceDefs = []struct {
	name, display string
	dependsOn     []string
}{
	{"LanmanServer", "Server", nil},
	{"Netlogon", "Net Logon", []string{"LanmanServer"}},
	{"Browser", "Computer Browser", []string{"LanmanServer"}},
	{"Dfs", "Distributed File System", []string{"LanmanServer"}},
}

type service struct {
	name, display string
	dependsOn     []string
	running       bool
	order         int    // position in serviceDefs: the start order
	startType     string // agent.StartAutomatic, ...
}

func newServices() map[string]*service {
	out := map[string]*service{}
	for i, d := range serviceDefs {
		out[fold(d.name)] = &service{name: d.name, display: d.display, dependsOn: d.dependsOn, running: true, order: i, startType: agent.StartAutomatic}
	}
	return out
}

// dependentsLocked lists the services that depend on s, directly or not,
// in the order to stop them (the reverse of their start order), as
// EnumDependentServices does.
func (h *Host) dependentsLocked(s *service) []*service {
	seen := map[*service]bool{}
	var walk func(*service)
	walk = func(x *service) {
		for _, o := range h.services {
			for _, d := range o.dependsOn {
				if strings.EqualFold(d, x.name) && !seen[o] {
					seen[o] = true
					walk(o)
				}
			}
		}
	}
	walk(s)
	out := make([]*service, 0, len(seen))
	for o := range seen {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order > out[j].order })
	return out
}

func (h *Host) serviceLocked(name string) *service {
	if s := h.services[fold(name)]; s != nil {
		return s
	}
	for _, s := range h.services {
		if strings.EqualFold(s.display, name) {
			return s
		}
	}
	return nil
}

func (h *Host) serviceRunningLocked(name string) bool {
	s := h.serviceLocked(name)
	return s != nil && s.running
}

// ServiceRunning reports whether a service (by name or display name) runs.
func (h *Host) ServiceRunning(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.serviceRunningLocked(name)
}

// StopService stops a service and, first, every running service that
// depends on it, as net stop "Server" /y does. Stopping the Server service
// ends every SMB session.
func (h *Host) StopService(name string) error { return h.withService(name, h.stopLocked) }

// withService runs fn on the service name, holding the host's lock.
func (h *Host) withService(name string, fn func(*service)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.serviceLocked(name)
	if s == nil {
		return fmt.Errorf("no service %q on %s", name, h.name)
	}
	fn(s)
	return nil
}

func (h *Host) stopLocked(s *service) {
	if !s.running {
		return
	}
	for _, d := range h.dependentsLocked(s) {
		h.stopLocked(d)
	}
	s.running = false
	detail := s.name + " (" + s.display + ")"
	if strings.EqualFold(s.name, "LanmanServer") {
		if n := h.st.smb.dropAll(); n > 0 {
			detail += fmt.Sprintf("; %d SMB session(s) ended", n)
		}
	}
	h.record("service.stop", detail)
}

// StartService starts a service after the services it depends on.
func (h *Host) StartService(name string) error { return h.withService(name, h.startLocked) }

func (h *Host) startLocked(s *service) {
	if s.running {
		return
	}
	for _, d := range s.dependsOn {
		if dep := h.serviceLocked(d); dep != nil {
			h.startLocked(dep)
		}
	}
	s.running = true
	h.readSettingsLocked(s.name, false)
	h.record("service.start", s.name+" ("+s.display+")")
	if strings.EqualFold(s.name, "LanmanServer") {
		h.recreateSharesLocked()
	}
}
