// Package regpath parses the ways people write a registry key path
// (HKLM\..., HKEY_LOCAL_MACHINE\..., HKLM:\..., Registry::HKLM\...) into one
// normal form, so that equivalent spellings never show as a diff.
package regpath

import (
	"fmt"
	"strings"
)

// Limits Windows enforces on key names (learn.microsoft.com "Registry
// Element Size Limits").
const (
	MaxKeyNameLength = 255
	MaxDepth         = 512
)

// hiveAliases maps every accepted spelling of a hive (upper case) to its
// short name.
var hiveAliases = map[string]string{
	"HKLM": "HKLM", "HKEY_LOCAL_MACHINE": "HKLM",
	"HKCU": "HKCU", "HKEY_CURRENT_USER": "HKCU",
	"HKCR": "HKCR", "HKEY_CLASSES_ROOT": "HKCR",
	"HKU": "HKU", "HKEY_USERS": "HKU",
	"HKCC": "HKCC", "HKEY_CURRENT_CONFIG": "HKCC",
}

// AllowedHives is the list shown in errors.
const AllowedHives = "HKLM (HKEY_LOCAL_MACHINE), HKCU (HKEY_CURRENT_USER), HKCR (HKEY_CLASSES_ROOT), HKU (HKEY_USERS), HKCC (HKEY_CURRENT_CONFIG)"

// Path is a parsed key path.
type Path struct {
	Hive string // short name: HKLM, HKCU, HKCR, HKU, HKCC
	Key  string // subkey below the hive, backslash separated; "" is the hive root
}

// String is the normal form: short hive, single backslashes, no trailing
// backslash, subkey case as written.
func (p Path) String() string {
	if p.Key == "" {
		return p.Hive
	}
	return p.Hive + `\` + p.Key
}

// Equal compares two paths the way Windows does: case-insensitively.
func (p Path) Equal(o Path) bool {
	return p.Hive == o.Hive && strings.EqualFold(p.Key, o.Key)
}

// Parse accepts HKLM\A\B, HKEY_LOCAL_MACHINE\A\B, HKLM:\A\B, HKLM:A\B,
// Registry::HKLM\A\B, with / not accepted as a separator (it is a legal
// character in key names) and doubled or trailing backslashes tolerated.
func Parse(s string) (Path, error) {
	orig := s
	if len(s) >= 10 && strings.EqualFold(s[:10], "Registry::") {
		s = s[10:]
	}
	s = strings.TrimLeft(s, `\`)
	hivePart, rest, _ := strings.Cut(s, `\`)
	hivePart = strings.TrimSuffix(hivePart, ":")
	if strings.Contains(hivePart, ":") { // HKLM:Software\X
		var after string
		hivePart, after, _ = strings.Cut(hivePart, ":")
		rest = after + `\` + rest
	}
	hive, ok := hiveAliases[strings.ToUpper(hivePart)]
	if !ok {
		return Path{}, fmt.Errorf("registry path %q: unknown hive %q; allowed hives are %s", orig, hivePart, AllowedHives)
	}
	var parts []string
	for _, part := range strings.Split(rest, `\`) {
		if part == "" {
			continue
		}
		if len([]rune(part)) > MaxKeyNameLength {
			return Path{}, fmt.Errorf("registry path %q: key name %.20q... is %d characters long; Windows allows at most %d", orig, part, len([]rune(part)), MaxKeyNameLength)
		}
		for _, r := range part {
			if r < 0x20 {
				return Path{}, fmt.Errorf("registry path %q: key names cannot contain control characters", orig)
			}
		}
		parts = append(parts, part)
	}
	if len(parts) > MaxDepth {
		return Path{}, fmt.Errorf("registry path %q is %d levels deep; Windows allows at most %d", orig, len(parts), MaxDepth)
	}
	return Path{Hive: hive, Key: strings.Join(parts, `\`)}, nil
}
