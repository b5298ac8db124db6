package winhost

import (
	"sort"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// opServerStatus is server.status: reads only, so nothing goes on the
// timeline.
func (h *Host) serverStatus(p agent.ServerStatusParams) (agent.ServerStatusResult, *agent.Error) {
	if len(p.Services) > agent.MaxStatusServices {
		return agent.ServerStatusResult{}, agent.Errorf(agent.CodeInvalidParams, "at most %d services may be asked for, got %d", agent.MaxStatusServices, len(p.Services))
	}
	for _, name := range p.Services {
		if !agent.ServiceNamePattern.MatchString(name) {
			return agent.ServerStatusResult{}, agent.Errorf(agent.CodeInvalidParams, "service name %q must be 1-256 letters, digits, '_', '.' or '-'", name)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := agent.ServerStatusResult{ComputerName: h.ComputerName(), Services: []agent.ServiceStatus{},
		Volumes: h.volumeStatusLocked(), Shares: []agent.ShareStatus{}, Settings: h.settingsStatusLocked()}
	for _, name := range p.Services {
		st := agent.ServiceStatus{Name: name, State: agent.ServiceNotFound}
		// By service name only, as Get-Service -Name: a display name is not a service name.
		if s := h.services[fold(name)]; s != nil {
			st = agent.ServiceStatus{Name: s.name, DisplayName: s.display, State: agent.ServiceStopped}
			if s.running {
				st.State = agent.ServiceRunning
			}
		}
		out.Services = append(out.Services, st)
	}
	if h.serviceRunningLocked(agent.ServerServiceName) {
		for _, s := range h.sharesLocked() {
			out.Shares = append(out.Shares, agent.ShareStatus{Name: s.Name, Path: s.Path, Available: s.Available})
		}
	}
	return out, nil
}

// volumeStatusLocked lists the access paths as Get-Partition (present
// volumes) and MountedDevices (drive letters of absent ones) show them.
// Folder mount points of an absent volume are not listed: Windows keeps them
// only as reparse points on the folder, which the agent does not search.
func (h *Host) volumeStatusLocked() []agent.VolumeStatus {
	out := []agent.VolumeStatus{}
	for _, ap := range h.st.paths {
		d, k, _ := h.volumeLocked(ap.guid)
		present := d != nil && !d.offline
		drive := len(ap.path) == 2
		if !present && !drive {
			continue
		}
		v := agent.VolumeStatus{MountPoint: ap.path, VolumeGUID: ap.guid, Online: present}
		if d != nil {
			v.DiskSerial, v.ReadOnly = d.serial, d.readOnly
		}
		if present {
			v.Dirty = h.st.data.Dirty(k.serial, k.part)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return lessPath(out[i].MountPoint, out[j].MountPoint) })
	return out
}
