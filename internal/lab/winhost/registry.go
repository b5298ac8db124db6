package winhost

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// registry is the host's registry: one tree per hive. Names of keys and
// values compare case-insensitively but keep the case they were created with,
// as on Windows.
type registry struct {
	hives map[string]*regKey // by short hive name, e.g. "HKLM"
}

type regKey struct {
	name    string
	subkeys map[string]*regKey   // by folded name
	values  map[string]*regValue // by folded name; "" is the default value
}

// regValue is a typed value; which field holds the data depends on kind.
type regValue struct {
	name string
	kind string   // agent.RegSZ, ...
	text string   // REG_SZ, REG_EXPAND_SZ
	strs []string // REG_MULTI_SZ
	num  uint64   // REG_DWORD, REG_QWORD
	raw  []byte   // REG_BINARY, REG_NONE
}

func newRegistry() *registry {
	r := &registry{hives: map[string]*regKey{}}
	for _, h := range agent.Hives {
		r.hives[h] = newKey(h)
	}
	return r
}

func newKey(name string) *regKey {
	return &regKey{name: name, subkeys: map[string]*regKey{}, values: map[string]*regValue{}}
}

// fold is the comparison form of a key or value name. Windows compares
// registry names by upper-casing them.
func fold(name string) string { return strings.ToUpper(name) }

// keyPath is a validated key reference.
type keyPath struct {
	hive     string
	segments []string
}

func (p keyPath) String() string {
	if len(p.segments) == 0 {
		return p.hive
	}
	return p.hive + `\` + strings.Join(p.segments, `\`)
}

// parseKeyRef validates a key reference the way agent.ps1 does: a known hive
// spelled as in agent.Hives, and a key path without leading, trailing or
// doubled backslashes ("" is the hive's root).
func parseKeyRef(ref agent.RegistryKeyRef) (keyPath, *agent.Error) {
	if !slices.Contains(agent.Hives, ref.Hive) {
		return keyPath{}, agent.Errorf(agent.CodeInvalidParams, "unknown hive %q (expected one of %s)", ref.Hive, strings.Join(agent.Hives, ", "))
	}
	p := keyPath{hive: ref.Hive}
	if ref.Key == "" {
		return p, nil
	}
	p.segments = strings.Split(ref.Key, `\`)
	for _, s := range p.segments {
		if s == "" {
			return keyPath{}, agent.Errorf(agent.CodeInvalidParams, "invalid key path %q: empty path segment", ref.Key)
		}
	}
	return p, nil
}

// lookup returns the key at p, or nil when it (or a parent) is missing.
func (r *registry) lookup(p keyPath) *regKey {
	k := r.hives[p.hive]
	for _, s := range p.segments {
		if k = k.subkeys[fold(s)]; k == nil {
			return nil
		}
	}
	return k
}

// create returns the key at p, creating missing keys along the path.
func (r *registry) create(p keyPath) *regKey {
	k := r.hives[p.hive]
	for _, s := range p.segments {
		next := k.subkeys[fold(s)]
		if next == nil {
			next = newKey(s)
			k.subkeys[fold(s)] = next
		}
		k = next
	}
	return k
}

// valueFromWire validates a wire value and converts it to its stored form.
// The rules mirror agent.ps1: decimal without sign for DWORD/QWORD, even
// length hex for BINARY/NONE, strings only for MULTI_SZ.
func valueFromWire(name string, v agent.RegistryValue) (*regValue, *agent.Error) {
	out := &regValue{name: name, kind: v.Type}
	if v.Type != agent.RegMultiSZ && len(v.Strings) > 0 {
		return nil, agent.Errorf(agent.CodeInvalidParams, "strings is only valid for %s, not %s", agent.RegMultiSZ, v.Type)
	}
	switch v.Type {
	case agent.RegSZ, agent.RegExpandSZ:
		out.text = v.Data
	case agent.RegMultiSZ:
		if v.Data != "" {
			return nil, agent.Errorf(agent.CodeInvalidParams, "%s takes strings, not data", agent.RegMultiSZ)
		}
		out.strs = slices.Clone(v.Strings)
	case agent.RegDWord, agent.RegQWord:
		bits := 32
		if v.Type == agent.RegQWord {
			bits = 64
		}
		n, err := strconv.ParseUint(v.Data, 10, bits)
		if err != nil {
			return nil, agent.Errorf(agent.CodeInvalidParams, "%s data %q is not an unsigned %d-bit decimal number", v.Type, v.Data, bits)
		}
		out.num = n
	case agent.RegBinary, agent.RegNone:
		raw, err := hex.DecodeString(v.Data)
		if err != nil {
			return nil, agent.Errorf(agent.CodeInvalidParams, "%s data %q is not hex (two digits per byte)", v.Type, v.Data)
		}
		out.raw = raw
	default:
		return nil, agent.Errorf(agent.CodeInvalidParams, "unknown registry value type %q", v.Type)
	}
	return out, nil
}

// wire is the value in its wire form (see agent.RegistryValue).
func (v *regValue) wire() agent.RegistryValue {
	out := agent.RegistryValue{Type: v.kind}
	switch v.kind {
	case agent.RegSZ, agent.RegExpandSZ:
		out.Data = v.text
	case agent.RegMultiSZ:
		out.Strings = slices.Clone(v.strs)
	case agent.RegDWord, agent.RegQWord:
		out.Data = strconv.FormatUint(v.num, 10)
	case agent.RegBinary, agent.RegNone:
		out.Data = hex.EncodeToString(v.raw)
	}
	return out
}

// describe is the timeline form: "<key>\<name> = <TYPE> <data>".
func (v *regValue) describe(p keyPath) string {
	w := v.wire()
	data := w.Data
	if v.kind == agent.RegMultiSZ {
		data = strings.Join(w.Strings, `\0`) // as reg query prints it
	}
	return valuePath(p, v.name) + " = " + v.kind + " " + data
}

func valuePath(p keyPath, name string) string {
	if name == "" {
		name = "(Default)"
	}
	return p.String() + `\` + name
}
