package agent

import "strings"

// Error codes of the share area.
const (
	CodeVolumeNotMounted = "volume_not_mounted" // a share path's volume is not mounted on the host
	CodePathNotFound     = "path_not_found"     // a share path's folder does not exist
	CodeUnknownAccount   = "unknown_account"    // an account name does not resolve to a SID
	CodeShareConflict    = "share_conflict"     // a share of that name exists outside the caller's scope
)

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
// (in lower case on the wire). RightCustom is only ever reported: an entry
// whose mask is none of the three rights.
const (
	RightFull   = "full"
	RightChange = "change"
	RightRead   = "read"
	RightCustom = "custom"
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

// WellKnownAccount is a built-in account whose name Windows localizes
// ("Everyone" is "Jeder" on a German server, "Tout le monde" on a French
// one) while its SID is the same in every language.
type WellKnownAccount struct {
	Name string // the English name, as an English Windows reports it
	SID  string
}

// WellKnownAccounts are the built-in accounts the agent maps by their
// English name (with or without the domain part) or SID string to the SID
// before asking Windows, and reports by their English name, so that
// configurations and plans read the same on every display language. The
// agent script holds the same table ($WinfsWellKnownAccounts).
var WellKnownAccounts = []WellKnownAccount{
	{`Everyone`, "S-1-1-0"},
	{`CREATOR OWNER`, "S-1-3-0"},
	{`NT AUTHORITY\NETWORK`, "S-1-5-2"},
	{`NT AUTHORITY\INTERACTIVE`, "S-1-5-4"},
	{`NT AUTHORITY\Authenticated Users`, "S-1-5-11"},
	{`NT AUTHORITY\SYSTEM`, "S-1-5-18"},
	{`BUILTIN\Administrators`, "S-1-5-32-544"},
	{`BUILTIN\Users`, "S-1-5-32-545"},
	{`BUILTIN\Guests`, "S-1-5-32-546"},
	{`BUILTIN\Backup Operators`, "S-1-5-32-551"},
}

// WellKnownSID maps an account of WellKnownAccounts, named in English with
// or without its domain ("Administrators", "BUILTIN\Administrators") or by
// its SID string, to the SID string, case-insensitively.
func WellKnownSID(account string) (string, bool) {
	for _, w := range WellKnownAccounts {
		_, short, _ := strings.Cut(w.Name, `\`)
		if strings.EqualFold(account, w.Name) || strings.EqualFold(account, w.SID) || (short != "" && strings.EqualFold(account, short)) {
			return w.SID, true
		}
	}
	return "", false
}

// WellKnownName is the English name of a SID of WellKnownAccounts.
func WellKnownName(sid string) (string, bool) {
	for _, w := range WellKnownAccounts {
		if strings.EqualFold(sid, w.SID) {
			return w.Name, true
		}
	}
	return "", false
}
