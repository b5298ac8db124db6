// Package agent is the contract between the provider and a Windows host:
// operation names, request and response shapes, and error codes. The
// PowerShell agent (agent.ps1) and the lab's Go emulation both implement it;
// the provider side (internal/windows) speaks it. It is the one source of
// truth: nothing else defines an operation name or a JSON field.
package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// ProtocolVersion is bumped when a request or response shape changes
// incompatibly. The hello exchange carries it.
const ProtocolVersion = 1

// Error codes. They are stable strings so that the provider can branch on
// them without parsing messages.
const (
	CodeInvalidParams  = "invalid_params"    // the request is malformed
	CodeUnknownOp      = "unknown_op"        // the agent does not implement op
	CodeKeyNotFound    = "key_not_found"     // a registry key is missing (and create_key was false)
	CodeAccessDenied   = "access_denied"     // Windows refused the operation
	CodeScriptMismatch = "script_mismatch"   // hello: the host runs another agent script
	CodeProtocol       = "protocol_mismatch" // hello: protocol versions differ
	CodeInternal       = "internal"          // anything else; Message has the detail
	CodeDNSUnavailable = "dns_unavailable"   // the host does not run the DNS Server role
	CodeZoneNotFound   = "zone_not_found"    // the DNS server does not host the zone
	CodeDNSConflict    = "dns_conflict"      // a CNAME cannot coexist with the other data at the name
	CodeRecordExists   = "record_exists"     // create_only found an alias pointing elsewhere

	CodeVolumeNotMounted = "volume_not_mounted" // a share path's volume is not mounted on the host
	CodePathNotFound     = "path_not_found"     // a share path's folder does not exist
	CodeUnknownAccount   = "unknown_account"    // an account name does not resolve to a SID
	CodeShareConflict    = "share_conflict"     // a share of that name exists outside the caller's scope
)

// Request is one line on the agent's stdin.
type Request struct {
	ID     uint64          `json:"id"`
	Op     string          `json:"op"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Response is one line on the agent's stdout. Exactly one of Result and
// Error is set.
type Response struct {
	ID     uint64          `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is a structured failure reported by the agent.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// HelloParams opens a session: the client says which script it sent.
type HelloParams struct {
	Protocol     int    `json:"protocol"`
	ScriptSHA256 string `json:"script_sha256"`
}

// HelloResult is what the agent reports about itself.
type HelloResult struct {
	Protocol          int    `json:"protocol"`
	ScriptSHA256      string `json:"script_sha256"` // hash of the script text the agent actually received
	ComputerName      string `json:"computer_name"`
	PowerShellVersion string `json:"powershell_version"`
}

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

// DNSNameRef names a node of a zone hosted by the Windows DNS Server role:
// Zone as Get-DnsServerZone names it ("corp.example.com", no trailing dot)
// and Name relative to it ("files"), as -ZoneName and -Name take them.
type DNSNameRef struct {
	Zone string `json:"zone"`
	Name string `json:"name"`
}

// DNSCNAMEGetParams reads what the zone holds at one name.
type DNSCNAMEGetParams struct {
	DNSNameRef
}

// DNSCNAMEGetResult: Exists says there is a CNAME; Target is its
// HostNameAlias as the server holds it (an FQDN, normally with the trailing
// dot) and TTL its TimeToLive in seconds. OtherTypes lists the other record
// types at the name (sorted, never null), which a CNAME cannot coexist with.
type DNSCNAMEGetResult struct {
	Exists     bool     `json:"exists"`
	Target     string   `json:"target,omitempty"`
	TTL        int64    `json:"ttl,omitempty"`
	OtherTypes []string `json:"other_types"`
}

// DNSCNAMESetParams points Name at Target (an FQDN) with TTL seconds. An
// existing CNAME is replaced in one step (Set-DnsServerResourceRecord with a
// cloned record), so the name is never without its alias; otherwise one is
// added. A name holding other data is CodeDNSConflict. With CreateOnly, an
// existing CNAME pointing at another target is CodeRecordExists (one with
// the same target only gets the TTL).
type DNSCNAMESetParams struct {
	DNSNameRef
	Target     string `json:"target"`
	TTL        int64  `json:"ttl"`
	CreateOnly bool   `json:"create_only"`
}

// DNSCNAMESetResult says whether an alias was replaced (rather than added).
type DNSCNAMESetResult struct {
	Replaced bool `json:"replaced"`
}

// DNSCNAMEDeleteParams removes the CNAME at a name; a missing one succeeds
// with Existed false.
type DNSCNAMEDeleteParams struct {
	DNSNameRef
}

// DNSCNAMEDeleteResult says whether there was an alias to delete.
type DNSCNAMEDeleteResult struct {
	Existed bool `json:"existed"`
}

// MaxDNSTTL is the largest TTL (RFC 2181: 2^31 - 1 seconds).
const MaxDNSTTL = 2147483647

// Share caching modes (MSFT_SmbShare.CachingMode), in wire form.
const (
	CachingNone        = "none"
	CachingManual      = "manual" // what New-SmbShare uses when none is given
	CachingDocuments   = "documents"
	CachingPrograms    = "programs"
	CachingBranchCache = "branch_cache"
)

// CachingModes lists the caching modes in the order docs list them.
var CachingModes = []string{CachingNone, CachingManual, CachingDocuments, CachingPrograms, CachingBranchCache}

// Share access rights and entry types, as Get-SmbShareAccess reports them
// (in lower case on the wire).
const (
	RightFull   = "full"
	RightChange = "change"
	RightRead   = "read"
	AccessAllow = "allow"
	AccessDeny  = "deny"
)

// ShareAccess is one entry of a share's access list. Account is spelled
// as Windows reports it (BUILTIN\Administrators, Everyone, CORP\Finance), or
// as a SID string when it does not resolve.
type ShareAccess struct {
	Account string `json:"account"`
	Right   string `json:"right"`
	Type    string `json:"type"`
}

// Share is one SMB share in wire form: everything this provider manages.
// ConcurrentUserLimit 0 means unlimited. Access is the exact access list.
type Share struct {
	Name                   string        `json:"name"`
	Path                   string        `json:"path"`
	Description            string        `json:"description"`
	CachingMode            string        `json:"caching_mode"`
	AccessBasedEnumeration bool          `json:"access_based_enumeration"`
	ConcurrentUserLimit    uint32        `json:"concurrent_user_limit"`
	EncryptData            bool          `json:"encrypt_data"`
	Access                 []ShareAccess `json:"access"`
}

// ShareListParams lists shares. Scope holds path roots such as `X:\` or
// `X:\Data`: only shares whose path is under one of them are returned, and
// never a special (administrative) share. An empty scope lists every share,
// special ones included.
type ShareListParams struct {
	Scope []string `json:"scope"`
}

// ShareInfo is a listed share. Special marks administrative shares (C$,
// ADMIN$, IPC$). Available is false when the share is defined but not served
// (its path's volume is not mounted).
type ShareInfo struct {
	Share
	Special   bool `json:"special"`
	Available bool `json:"available"`
}

// ShareListResult lists shares sorted by name (case-insensitively).
type ShareListResult struct {
	Shares []ShareInfo `json:"shares"`
}

// SharePathsGetParams asks about folders a share would point at, so that a
// caller can check every path before it changes anything.
type SharePathsGetParams struct {
	Paths []string `json:"paths"`
}

// SharePathStatus says whether a path's volume is mounted and whether the
// folder exists (it cannot exist on a volume that is not mounted).
type SharePathStatus struct {
	Path          string `json:"path"`
	VolumeMounted bool   `json:"volume_mounted"`
	Exists        bool   `json:"exists"`
}

// SharePathsGetResult answers in the order of the request.
type SharePathsGetResult struct {
	Paths []SharePathStatus `json:"paths"`
}

// ShareSetParams creates the share or updates it to be exactly Share,
// access list included: entries not listed are removed, and no implicit
// Everyone:Read is left. A share of that name whose path is outside Scope,
// or a special share, is never touched (CodeShareConflict). A path change
// removes and recreates the share.
type ShareSetParams struct {
	Share Share    `json:"share"`
	Scope []string `json:"scope"`
}

// ShareSetResult says what was done: "created", "updated" or "unchanged".
type ShareSetResult struct {
	Action string `json:"action"`
}

// Share set actions.
const (
	ShareCreated   = "created"
	ShareUpdated   = "updated"
	ShareUnchanged = "unchanged"
)

// ShareRemoveParams removes one share if it exists under Scope. Removing a
// missing share succeeds with Existed false; a share outside Scope (or a
// special share) is CodeShareConflict.
type ShareRemoveParams struct {
	Name  string   `json:"name"`
	Scope []string `json:"scope"`
}

// ShareRemoveResult says whether there was something to remove.
type ShareRemoveResult struct {
	Existed bool `json:"existed"`
}

// EncodeLine marshals v as one JSON line, escaping every non-ASCII rune as
// \uXXXX so that the bytes on the wire do not depend on the console code page
// of the Windows side.
func EncodeLine(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 16)
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		switch {
		case r < utf8.RuneSelf:
			out.WriteByte(raw[0])
		case r > 0xFFFF:
			r1, r2 := surrogates(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		raw = raw[size:]
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// DecodeRequest parses one request line strictly: unknown fields are
// rejected so that a client and agent out of step fail loudly.
func DecodeRequest(line []byte) (Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Request{}, fmt.Errorf("decoding agent request: %w", err)
	}
	if req.Op == "" {
		return Request{}, fmt.Errorf("decoding agent request: missing op")
	}
	return req, nil
}

// DecodeResponse parses one response line.
func DecodeResponse(line []byte) (Response, error) {
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("decoding agent response: %w", err)
	}
	if (resp.Error == nil) == (resp.Result == nil) {
		return Response{}, fmt.Errorf("decoding agent response %d: exactly one of result and error must be set", resp.ID)
	}
	return resp, nil
}
