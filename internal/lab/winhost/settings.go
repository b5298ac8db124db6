package winhost

import (
	"reflect"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Settings in effect. A service reads its registry parameters when it
// starts (agent.WatchedSettings): the Server service reads
// DisableStrictNameChecking and OptionalNames at its start (Microsoft's
// guidance for both says to restart the Server service or the computer),
// NetBT reads CacheTimeout at boot. What a service read is kept here; the
// registry may say something else until the service starts again.

// readSettingsLocked records what the service reads as it starts (boot:
// what boot-start drivers read).
func (h *Host) readSettingsLocked(service string, boot bool) {
	if h.inEffect == nil {
		h.inEffect = map[int]*agent.RegistryValue{}
	}
	for i, w := range agent.WatchedSettings {
		if w.AtBoot == boot && (boot || fold(w.Service) == fold(service)) {
			h.inEffect[i] = h.watchedValueLocked(w)
		}
	}
}

func (h *Host) watchedValueLocked(w agent.WatchedSetting) *agent.RegistryValue {
	k := h.reg.lookup(mustPath(w.Key))
	if k == nil {
		return nil
	}
	v := k.values[fold(w.Name)]
	if v == nil {
		return nil
	}
	wire := v.wire()
	return &wire
}

// SettingsReadNow makes the registry as it is the settings in effect, as
// after a reboot: for an estate whose hardening was applied long ago.
func (h *Host) SettingsReadNow() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.readSettingsLocked("", true)
	for _, w := range agent.WatchedSettings {
		if !w.AtBoot {
			h.readSettingsLocked(w.Service, false)
		}
	}
}

// settingsStatusLocked is server.status's settings, as the agent reports
// them: pending when the registry differs from what the service read, the
// value in effect known only when nothing is pending. (The agent sees a
// write after the start, the lab a different value: the same for the
// provider, which never writes a value that is already there.)
func (h *Host) settingsStatusLocked() []agent.SettingStatus {
	out := []agent.SettingStatus{}
	for i, w := range agent.WatchedSettings {
		st := agent.SettingStatus{Key: w.Key, Name: w.Name, Service: w.Service, Configured: h.watchedValueLocked(w)}
		// A stopped service holds nothing: it reads the value when it starts.
		running := w.AtBoot || h.serviceRunningLocked(w.Service)
		if running && reflect.DeepEqual(st.Configured, h.inEffect[i]) {
			st.InEffect = st.Configured
		} else {
			st.Pending = agent.PendingRestart
			if w.AtBoot {
				st.Pending = agent.PendingReboot
			}
		}
		out = append(out, st)
	}
	return out
}

// AcceptsOtherNames reports whether the running Server service answers to
// a name that is not the computer's (the alias): DisableStrictNameChecking
// = 1 as the service read it. Without it, Windows clients get "A duplicate
// name exists on the network" (Microsoft's article on connecting to a file
// server through a CNAME alias).
func (h *Host) AcceptsOtherNames() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, w := range agent.WatchedSettings {
		if w.Name == "DisableStrictNameChecking" {
			v := h.inEffect[i]
			return v != nil && v.Type == agent.RegDWord && v.Data != "0"
		}
	}
	return false
}

// NetBIOSNames are the names the host answers NetBIOS name queries for:
// its computer name and, while the Server service runs, the OptionalNames
// it read when it started (the Server service registers them over NetBT;
// Microsoft's article on connecting to a file server through an alias).
// A crashed host answers nothing.
func (h *Host) NetBIOSNames() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return nil
	}
	names := []string{strings.ToUpper(h.name)}
	if !h.serviceRunningLocked("LanmanServer") {
		return names
	}
	for i, w := range agent.WatchedSettings {
		if v := h.inEffect[i]; w.Name == "OptionalNames" && v != nil {
			for _, n := range v.Strings {
				names = append(names, strings.ToUpper(n))
			}
		}
	}
	return names
}
