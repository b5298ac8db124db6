package agent

// The registry area: typed values of keys below the hives.

// Registry value types, as Windows names them.
const (
	RegSZ       = "REG_SZ"
	RegExpandSZ = "REG_EXPAND_SZ"
	RegMultiSZ  = "REG_MULTI_SZ"
	RegDWord    = "REG_DWORD"
	RegQWord    = "REG_QWORD"
	RegBinary   = "REG_BINARY"
	RegNone     = "REG_NONE"
)

// Hives the agent accepts, by their short names.
var Hives = []string{"HKLM", "HKCU", "HKCR", "HKU", "HKCC"}

// RegistryValue is a typed registry value in its wire form:
//   - REG_SZ, REG_EXPAND_SZ: Data is the text (REG_EXPAND_SZ unexpanded);
//   - REG_MULTI_SZ: Strings, in order, possibly empty;
//   - REG_DWORD, REG_QWORD: Data is the unsigned value in decimal;
//   - REG_BINARY, REG_NONE: Data is lowercase hex, possibly empty.
type RegistryValue struct {
	Type    string   `json:"type"`
	Data    string   `json:"data,omitempty"`
	Strings []string `json:"strings,omitempty"`
}

// RegistryKeyRef names a key: the hive's short name and the subkey path
// below it (backslash separated, no leading or trailing backslash).
type RegistryKeyRef struct {
	Hive string `json:"hive"`
	Key  string `json:"key"`
}

// RegistryGetParams reads one value. Name "" is the key's default value.
type RegistryGetParams struct {
	RegistryKeyRef
	Name string `json:"name"`
}

// RegistryGetResult: KeyExists false means the key is missing; Exists false
// means the key is there but the value is not.
type RegistryGetResult struct {
	KeyExists bool           `json:"key_exists"`
	Exists    bool           `json:"exists"`
	Value     *RegistryValue `json:"value,omitempty"`
}

// RegistrySetParams writes one value, replacing its type if it differs.
// CreateKey creates missing keys along the path; without it a missing key
// is CodeKeyNotFound.
type RegistrySetParams struct {
	RegistryKeyRef
	Name      string        `json:"name"`
	Value     RegistryValue `json:"value"`
	CreateKey bool          `json:"create_key"`
}

// RegistryDeleteParams deletes one value. Deleting a missing value (or a
// value of a missing key) succeeds with Existed false: deletes are idempotent.
type RegistryDeleteParams struct {
	RegistryKeyRef
	Name string `json:"name"`
}

// RegistryDeleteResult says whether there was something to delete.
type RegistryDeleteResult struct {
	Existed bool `json:"existed"`
}

// RegistryListParams reads every value of one key at once, so that many
// resources on the same key cost one round trip.
type RegistryListParams struct {
	RegistryKeyRef
}

// RegistryListResult maps value names ("" for the default value) to values.
type RegistryListResult struct {
	KeyExists bool                     `json:"key_exists"`
	Values    map[string]RegistryValue `json:"values"`
}
