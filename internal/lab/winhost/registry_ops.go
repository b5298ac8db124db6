package winhost

import (
	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// systemOnly says whether a key is one only the SYSTEM account may open:
// HKLM\SECURITY and everything below it, and HKLM\SAM\SAM. Their DACLs give
// Administrators no read or write access, so RegistryKey.OpenSubKey and
// CreateSubKey throw SecurityException for the agent (the .NET reference
// for both methods), which agent.ps1 reports as access_denied. The lab
// refuses the whole subtree, existing keys or not.
func systemOnly(p keyPath) bool {
	if p.hive != "HKLM" || len(p.segments) == 0 {
		return false
	}
	first := fold(p.segments[0])
	return first == "SECURITY" || (first == "SAM" && len(p.segments) > 1 && fold(p.segments[1]) == "SAM")
}

// openKeyRef validates a key reference and refuses the keys the agent's
// account cannot open.
func openKeyRef(ref agent.RegistryKeyRef) (keyPath, *agent.Error) {
	path, err := parseKeyRef(ref)
	if err != nil {
		return keyPath{}, err
	}
	if systemOnly(path) {
		return keyPath{}, agent.Errorf(agent.CodeAccessDenied, "Requested registry access is not allowed. (%s)", path)
	}
	return path, nil
}

func (h *Host) registryGet(p agent.RegistryGetParams) (agent.RegistryGetResult, *agent.Error) {
	path, err := openKeyRef(p.RegistryKeyRef)
	return lockedOn(h, path, err, func(path keyPath) (agent.RegistryGetResult, *agent.Error) {
		v, keyExists := h.valueLocked(path, p.Name)
		if v == nil {
			return agent.RegistryGetResult{KeyExists: keyExists}, nil
		}
		w := v.wire()
		return agent.RegistryGetResult{KeyExists: true, Exists: true, Value: &w}, nil
	})
}

// valueLocked is the value name under path (nil when there is none) and
// whether the key exists.
func (h *Host) valueLocked(path keyPath, name string) (*regValue, bool) {
	k := h.reg.lookup(path)
	if k == nil {
		return nil, false
	}
	return k.values[fold(name)], true
}

func (h *Host) registrySet(p agent.RegistrySetParams) (agent.Empty, *agent.Error) {
	path, err := openKeyRef(p.RegistryKeyRef)
	return lockedOn(h, path, err, func(path keyPath) (agent.Empty, *agent.Error) {
		v, err := valueFromWire(p.Name, p.Value)
		if err != nil {
			return agent.Empty{}, err
		}
		return agent.Empty{}, h.setValueLocked(path, v, p.CreateKey)
	})
}

// setValueLocked stores v under path. Like agent.ps1, a type change deletes
// the old value first (and the timeline shows both steps). An existing
// value keeps the case of its name, as RegSetValueEx does.
func (h *Host) setValueLocked(path keyPath, v *regValue, createKey bool) *agent.Error {
	k := h.reg.lookup(path)
	if k == nil {
		if !createKey {
			return agent.Errorf(agent.CodeKeyNotFound, "registry key '%s' does not exist", path)
		}
		k = h.reg.create(path)
	}
	if old := k.values[fold(v.name)]; old != nil {
		if old.kind != v.kind {
			delete(k.values, fold(v.name))
			h.record("registry.delete", valuePath(path, old.name))
		} else {
			v.name = old.name
		}
	}
	k.values[fold(v.name)] = v
	h.record("registry.set", v.describe(path))
	return nil
}

func (h *Host) registryDelete(p agent.RegistryDeleteParams) (agent.RegistryDeleteResult, *agent.Error) {
	path, err := openKeyRef(p.RegistryKeyRef)
	return lockedOn(h, path, err, func(path keyPath) (agent.RegistryDeleteResult, *agent.Error) {
		return agent.RegistryDeleteResult{Existed: h.deleteValueLocked(path, p.Name)}, nil
	})
}

func (h *Host) deleteValueLocked(path keyPath, name string) bool {
	k := h.reg.lookup(path)
	if k == nil {
		return false
	}
	old := k.values[fold(name)]
	if old == nil {
		return false
	}
	delete(k.values, fold(name))
	h.record("registry.delete", valuePath(path, old.name))
	return true
}

func (h *Host) registryList(p agent.RegistryListParams) (agent.RegistryListResult, *agent.Error) {
	path, err := openKeyRef(p.RegistryKeyRef)
	return lockedOn(h, path, err, func(path keyPath) (agent.RegistryListResult, *agent.Error) {
		out := agent.RegistryListResult{Values: map[string]agent.RegistryValue{}}
		k := h.reg.lookup(path)
		if k == nil {
			return out, nil
		}
		out.KeyExists = true
		for _, v := range k.values {
			out.Values[v.name] = v.wire()
		}
		return out, nil
	})
}

// RegistryValue reads a value directly (for tests, the invariant checker and
// other parts of the lab): hive "HKLM", key "SYSTEM\CurrentControlSet\...".
func (h *Host) RegistryValue(hive, key, name string) (agent.RegistryValue, bool) {
	path, err := parseKeyRef(agent.RegistryKeyRef{Hive: hive, Key: key})
	if err != nil {
		return agent.RegistryValue{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, _ := h.valueLocked(path, name); v != nil {
		return v.wire(), true
	}
	return agent.RegistryValue{}, false
}

// SetRegistryValue writes a value directly, creating the key, as an
// administrator on the console would (drift in tests). It is recorded on
// the timeline like any other change.
func (h *Host) SetRegistryValue(hive, key, name string, value agent.RegistryValue) error {
	path, err := parseKeyRef(agent.RegistryKeyRef{Hive: hive, Key: key})
	if err != nil {
		return err
	}
	v, err := valueFromWire(name, value)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.setValueLocked(path, v, true); err != nil {
		return err
	}
	return nil
}

// DeleteRegistryValue deletes a value directly and reports whether it existed.
func (h *Host) DeleteRegistryValue(hive, key, name string) (bool, error) {
	path, err := parseKeyRef(agent.RegistryKeyRef{Hive: hive, Key: key})
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deleteValueLocked(path, name), nil
}
