// Package regvalue converts between the registry value forms a Terraform
// user writes (type names like "dword", numbers in decimal or 0x hex, binary
// as hex) and the agent's wire form, and decides when two forms mean the same
// data, so that 0xea60 and 60000 never show as a diff.
package regvalue

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Type names as the provider exposes them, in the order docs list them.
var Types = []string{"string", "expand_string", "multi_string", "dword", "qword", "binary"}

var toWire = map[string]string{
	"string":        agent.RegSZ,
	"expand_string": agent.RegExpandSZ,
	"multi_string":  agent.RegMultiSZ,
	"dword":         agent.RegDWord,
	"qword":         agent.RegQWord,
	"binary":        agent.RegBinary,
}

// MaxValueNameLength is Windows' limit on a value name, in characters.
const MaxValueNameLength = 16383

// WireType returns the REG_* name of a provider type name.
func WireType(typ string) (string, bool) {
	w, ok := toWire[typ]
	return w, ok
}

// TypeName returns the provider type name of a REG_* type ("none" for
// REG_NONE and anything this provider does not manage).
func TypeName(wire string) string {
	for name, w := range toWire {
		if w == wire {
			return name
		}
	}
	return "none"
}

// IsMulti says whether typ takes `values` (a list) instead of `value`.
func IsMulti(typ string) bool { return typ == "multi_string" }

// IsNumber says whether typ's `value` is a number, which has no empty form.
func IsNumber(typ string) bool { return typ == "dword" || typ == "qword" }

// Build validates what the user wrote for typ and returns the wire value.
// value is nil when the attribute is null; values is nil when the list is null.
func Build(typ string, value *string, values []string) (agent.RegistryValue, error) {
	wire, ok := toWire[typ]
	if !ok {
		return agent.RegistryValue{}, fmt.Errorf("type %q is not supported; use one of %s", typ, strings.Join(Types, ", "))
	}
	if IsMulti(typ) {
		if value != nil {
			return agent.RegistryValue{}, fmt.Errorf("type multi_string takes `values` (a list of strings), not `value`")
		}
		if values == nil {
			return agent.RegistryValue{}, fmt.Errorf("type multi_string needs `values` (a list of strings, which may be empty)")
		}
		for i, s := range values {
			if strings.ContainsRune(s, 0) {
				return agent.RegistryValue{}, fmt.Errorf("values[%d] contains a NUL character, which REG_MULTI_SZ uses as its separator", i)
			}
		}
		return agent.RegistryValue{Type: wire, Strings: append([]string{}, values...)}, nil
	}
	if values != nil {
		return agent.RegistryValue{}, fmt.Errorf("type %s takes `value` (a string), not `values`; only multi_string takes a list", typ)
	}
	if value == nil && !IsNumber(typ) {
		// Empty data written as no value: Terraform's and OpenTofu's
		// generated configuration writes an empty optional string as null.
		value = new(string)
	}
	if value == nil {
		return agent.RegistryValue{}, fmt.Errorf("type %s needs `value`", typ)
	}
	switch typ {
	case "dword":
		n, err := ParseNumber(*value, 32)
		if err != nil {
			return agent.RegistryValue{}, err
		}
		return agent.RegistryValue{Type: wire, Data: strconv.FormatUint(n, 10)}, nil
	case "qword":
		n, err := ParseNumber(*value, 64)
		if err != nil {
			return agent.RegistryValue{}, err
		}
		return agent.RegistryValue{Type: wire, Data: strconv.FormatUint(n, 10)}, nil
	case "binary":
		b, err := ParseHex(*value)
		if err != nil {
			return agent.RegistryValue{}, err
		}
		return agent.RegistryValue{Type: wire, Data: hex.EncodeToString(b)}, nil
	default:
		if strings.ContainsRune(*value, 0) {
			return agent.RegistryValue{}, fmt.Errorf("value contains a NUL character, which ends a registry string")
		}
		return agent.RegistryValue{Type: wire, Data: *value}, nil
	}
}

// ParseNumber reads an unsigned number in decimal or 0x hex that fits in
// bits (32 for dword, 64 for qword).
func ParseNumber(s string, bits int) (uint64, error) {
	kind := map[int]string{32: "dword", 64: "qword"}[bits]
	limit := uint64(1)<<bits - 1
	if bits == 64 {
		limit = ^uint64(0)
	}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("%s value %q is negative; registry numbers are unsigned (0 to %d, or 0x0 to 0x%x)", kind, s, limit, limit)
	}
	base := 10
	if len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") {
		base, t = 16, t[2:]
	}
	n, err := strconv.ParseUint(t, base, bits)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s value %q is out of range; allowed: 0 to %d (0x%x)", kind, s, limit, limit)
		}
		return 0, fmt.Errorf("%s value %q is not a number; write it in decimal (60000) or hex with 0x (0xea60)", kind, s)
	}
	return n, nil
}

// ParseHex reads binary data written as hex digits (either case, even
// count, "" for empty data).
func ParseHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("binary value %.40q is not valid hex: write pairs of hex digits such as \"00ff10\" (\"\" for empty data)", s)
	}
	return b, nil
}

// Same says whether the host's value is the data the user wrote: types
// must match exactly; numbers compare by value, binary case-insensitively,
// strings and lists exactly.
func Same(want, got agent.RegistryValue) bool {
	if want.Type != got.Type {
		return false
	}
	switch want.Type {
	case agent.RegMultiSZ:
		if len(want.Strings) != len(got.Strings) {
			return false
		}
		for i := range want.Strings {
			if want.Strings[i] != got.Strings[i] {
				return false
			}
		}
		return true
	case agent.RegBinary, agent.RegNone:
		return strings.EqualFold(want.Data, got.Data)
	default:
		return want.Data == got.Data
	}
}

// Display renders a wire value the way the user would write it for the
// `value` attribute (numbers in decimal); lists are returned separately.
func Display(v agent.RegistryValue) (value *string, values []string) {
	if v.Type == agent.RegMultiSZ {
		if v.Strings == nil {
			return nil, []string{}
		}
		return nil, v.Strings
	}
	d := v.Data
	return &d, nil
}

// Describe is a one-line, log-safe summary of a value for diagnostics.
func Describe(v agent.RegistryValue) string {
	if v.Type == agent.RegMultiSZ {
		return fmt.Sprintf("%s %q", v.Type, v.Strings)
	}
	return fmt.Sprintf("%s %q", v.Type, v.Data)
}
