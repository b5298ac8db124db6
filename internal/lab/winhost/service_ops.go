package winhost

import (
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The service operations, as Get-Service, Set-Service, Stop-Service -Force
// and Start-Service behave (Microsoft.PowerShell.Management reference):
// a service is found by its service name only, stopping one stops its
// dependents first, starting one starts what it depends on, and a disabled
// service does not start (ERROR_SERVICE_DISABLED, which Start-Service
// reports as an error).

func (h *Host) findServiceLocked(name string) (*service, *agent.Error) {
	if !agent.ServiceNamePattern.MatchString(name) {
		return nil, agent.Errorf(agent.CodeInvalidParams, "invalid params: service name %q must be 1-256 letters, digits, \"_\", \".\" or \"-\"", name)
	}
	s := h.services[fold(name)]
	if s == nil {
		return nil, agent.Errorf(agent.CodeServiceNotFound, "%s has no service named %q", h.ComputerName(), name)
	}
	return s, nil
}

func (h *Host) wireServiceLocked(s *service) agent.Service {
	out := agent.Service{Name: s.name, DisplayName: s.display, State: agent.ServiceStopped, StartType: s.startType, DependentServices: []string{}}
	if s.running {
		out.State = agent.ServiceRunning
	}
	for _, d := range h.dependentsLocked(s) {
		out.DependentServices = append(out.DependentServices, d.name)
	}
	return out
}

func (h *Host) serviceGet(p agent.ServiceGetParams) (agent.ServiceGetResult, *agent.Error) {
	return onService(h, p.Name, func(s *service) (agent.ServiceGetResult, *agent.Error) {
		return agent.ServiceGetResult{Service: h.wireServiceLocked(s)}, nil
	})
}

// startableLocked is Start-Service's refusal of a disabled service, or of
// one whose dependency is disabled.
func (h *Host) startableLocked(s *service) *agent.Error {
	if s.startType == agent.StartDisabled {
		return agent.Errorf(agent.CodeInternal, "Service '%s (%s)' cannot be started due to the following error: Cannot start service %s on computer '.'. The service cannot be started, either because it is disabled or because it has no enabled devices associated with it", s.display, s.name, s.name)
	}
	for _, d := range s.dependsOn {
		if dep := h.serviceLocked(d); dep != nil && !dep.running {
			if err := h.startableLocked(dep); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *Host) serviceSet(p agent.ServiceSetParams) (agent.ServiceSetResult, *agent.Error) {
	if p.State != "" && p.State != agent.ServiceRunning && p.State != agent.ServiceStopped {
		return agent.ServiceSetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid params: state %q must be \"running\" or \"stopped\"", p.State)
	}
	switch p.StartType {
	case "", agent.StartAutomatic, agent.StartManual, agent.StartDisabled:
	default:
		return agent.ServiceSetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid params: start_type %q must be \"automatic\", \"manual\" or \"disabled\"", p.StartType)
	}
	return onService(h, p.Name, func(s *service) (agent.ServiceSetResult, *agent.Error) {
		changed := false
		if p.StartType != "" && p.StartType != s.startType {
			h.record("service.config", s.name+" ("+s.display+"): start type "+s.startType+" -> "+p.StartType)
			s.startType = p.StartType
			changed = true
		}
		if p.State == agent.ServiceStopped && s.running {
			h.stopLocked(s)
			changed = true
		}
		if p.State == agent.ServiceRunning && !s.running {
			if err := h.startableLocked(s); err != nil {
				return agent.ServiceSetResult{}, err
			}
			h.startLocked(s)
			changed = true
		}
		return agent.ServiceSetResult{Service: h.wireServiceLocked(s), Changed: changed}, nil
	})
}

// serviceRestart stops the running dependents and the service (in stop
// order), starts the service, then the dependents that were running in the
// reverse order. The stops and starts are on the timeline; service.restart
// sums them up.
func (h *Host) serviceRestart(p agent.ServiceRestartParams) (agent.ServiceRestartResult, *agent.Error) {
	return onService(h, p.Name, func(s *service) (agent.ServiceRestartResult, *agent.Error) {
		if err := h.startableLocked(s); err != nil {
			return agent.ServiceRestartResult{}, err
		}
		out := agent.ServiceRestartResult{Stopped: []string{}, Started: []string{}}
		var running []*service
		if s.running {
			for _, d := range h.dependentsLocked(s) {
				if d.running {
					running = append(running, d)
					out.Stopped = append(out.Stopped, d.name)
				}
			}
			out.Stopped = append(out.Stopped, s.name)
			h.stopLocked(s)
		}
		h.startLocked(s)
		out.Started = append(out.Started, s.name)
		for i := len(running) - 1; i >= 0; i-- {
			h.startLocked(running[i])
			out.Started = append(out.Started, running[i].name)
		}
		h.record("service.restart", s.name+" ("+s.display+"): stopped "+strings.Join(out.Stopped, ", ")+"; started "+strings.Join(out.Started, ", "))
		out.Service = h.wireServiceLocked(s)
		return out, nil
	})
}
