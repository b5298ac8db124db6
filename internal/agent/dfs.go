package agent

import "strings"

// Error codes of the dfs area.
const (
	CodeDFSUnavailable    = "dfs_unavailable"     // the DFS Namespaces service (Dfs) is not running
	CodeNamespaceNotFound = "namespace_not_found" // the folder's namespace root does not exist
	CodeDFSConflict       = "dfs_conflict"        // the root exists with another type, or a target is given twice
)

// Namespace types as the contract spells them; the agent maps them to
// New-DfsnRoot -Type (DomainV2, Standalone) and back from Get-DfsnRoot's
// Type ("Domain V2", "Standalone").
const (
	DFSTypeDomainV2   = "domain_v2"
	DFSTypeStandalone = "standalone"
)

// DFSTypes are the namespace types the contract accepts.
var DFSTypes = []string{DFSTypeDomainV2, DFSTypeStandalone}

// Target states, as MSFT_DfsNamespaceFolderTarget's State (ONLINE 4,
// OFFLINE 3): an offline target is left out of referrals.
const (
	DFSStateOnline  = "online"
	DFSStateOffline = "offline"
)

// DFSStates are the target states the contract accepts.
var DFSStates = []string{DFSStateOnline, DFSStateOffline}

// DFSPriorityClass is one referral priority class in its three spellings:
// the contract's, the cmdlets' -ReferralPriorityClass argument and what
// Get-DfsnFolderTarget prints back (the MSFT_DfsNamespaceFolderTarget
// value names), so nothing compares one spelling with another.
type DFSPriorityClass struct {
	Name, Cmdlet, ReadBack string
}

// DFSPriorityClasses in the order of DFS_TARGET_PRIORITY_CLASS in
// [MS-DFSNM] 2.2.2.8 (sitecost-normal 0, global-high 1, sitecost-high 2,
// sitecost-low 3, global-low 4).
var DFSPriorityClasses = []DFSPriorityClass{
	{"site_cost_normal", "SiteCostNormal", "sitecost-normal"},
	{"global_high", "GlobalHigh", "global-high"},
	{"site_cost_high", "SiteCostHigh", "sitecost-high"},
	{"site_cost_low", "SiteCostLow", "sitecost-low"},
	{"global_low", "GlobalLow", "global-low"},
}

// DFSPriorityClassNames are the contract's names of DFSPriorityClasses.
func DFSPriorityClassNames() []string {
	out := make([]string, len(DFSPriorityClasses))
	for i, c := range DFSPriorityClasses {
		out[i] = c.Name
	}
	return out
}

// MaxDFSPriorityRank is the largest referral priority rank: the rank is a
// 5-bit field ([MS-DFSNM] 2.2.2.7 DFS_TARGET_PRIORITY), 0 the highest.
const MaxDFSPriorityRank = 31

// MaxDFSTTL is the largest referral cache duration the contract takes.
// TimeToLiveSec is a uint32; the contract keeps to 2^31-1 seconds like
// MaxDNSTTL, so a value never wraps in a signed reader.
const MaxDFSTTL = 2147483647

// DFSTarget is one folder target: its UNC path as the namespace holds it,
// its state and its referral priority.
type DFSTarget struct {
	Path          string `json:"path"`
	State         string `json:"state"`
	PriorityClass string `json:"priority_class"`
	PriorityRank  int64  `json:"priority_rank"`
}

// DFSNamespaceGetParams reads a namespace root by its path
// (\\corp.example.com\files or \\server1\files).
type DFSNamespaceGetParams struct {
	Path string `json:"path"`
}

// DFSNamespaceSettings are the settings of a root the provider manages:
// its type, its root targets (\\server\share of each namespace server),
// the referral cache duration of the root and the flags Get-DfsnRoot
// reports in Flags ("Target Failback", "Site Costing", "Insite Referrals").
type DFSNamespaceSettings struct {
	Type            string   `json:"type"`
	RootTargets     []string `json:"root_targets"`
	TTL             int64    `json:"ttl"`
	TargetFailback  bool     `json:"target_failback"`
	SiteCosting     bool     `json:"site_costing"`
	InsiteReferrals bool     `json:"insite_referrals"`
}

// DFSNamespaceGetResult: Exists says whether the root exists; the settings
// are its current ones (RootTargets never null).
type DFSNamespaceGetResult struct {
	Exists bool `json:"exists"`
	DFSNamespaceSettings
}

// DFSNamespaceSetParams creates the root (New-DfsnRoot with the first root
// target, New-DfsnRootTarget for the others) or brings an existing one to
// the settings: root targets added, then flags and TTL set, then root
// targets not listed removed. A root of another type is CodeDFSConflict
// (the type of a root cannot change).
type DFSNamespaceSetParams struct {
	Path string `json:"path"`
	DFSNamespaceSettings
}

// DFSNamespaceSetResult says whether the root was created.
type DFSNamespaceSetResult struct {
	Created bool `json:"created"`
}

// DFSNamespaceRemoveParams removes a root and its folders (Remove-DfsnRoot
// -Force); a missing root succeeds with Existed false.
type DFSNamespaceRemoveParams struct {
	Path string `json:"path"`
}

// DFSNamespaceRemoveResult says whether there was a root.
type DFSNamespaceRemoveResult struct {
	Existed bool `json:"existed"`
}

// DFSFolderGetParams reads a folder by its full path
// (\\corp.example.com\files\Finance).
type DFSFolderGetParams struct {
	Path string `json:"path"`
}

// DFSFolderSettings are a folder's referral cache duration, target
// failback and its exact list of targets.
type DFSFolderSettings struct {
	TTL            int64       `json:"ttl"`
	TargetFailback bool        `json:"target_failback"`
	Targets        []DFSTarget `json:"targets"`
}

// DFSFolderGetResult: Exists says whether the folder exists; Targets
// never null.
type DFSFolderGetResult struct {
	Exists bool `json:"exists"`
	DFSFolderSettings
}

// DFSFolderSetParams creates the folder (New-DfsnFolder with the first
// target) or brings it to the settings, in the order that never leaves it
// without an online target: new targets added, existing ones set (state,
// class, rank), the folder's TTL and failback set, then targets not listed
// removed. A target that names an existing one with another spelling of
// its host (short name, FQDN, case) is that target, not a new one.
type DFSFolderSetParams struct {
	Path string `json:"path"`
	DFSFolderSettings
}

// DFSFolderSetResult says whether the folder was created.
type DFSFolderSetResult struct {
	Created bool `json:"created"`
}

// DFSFolderRemoveParams removes a folder and its targets; a missing one
// succeeds with Existed false.
type DFSFolderRemoveParams struct {
	Path string `json:"path"`
}

// DFSFolderRemoveResult says whether there was a folder.
type DFSFolderRemoveResult struct {
	Existed bool `json:"existed"`
}

// DFSTargetKey is the key under which two spellings of one folder target
// are the same: \\host\share\rest with the host cut to its first label and
// everything folded to upper case. Windows compares share and server names
// without regard to case, and one server is reached by its short name and
// its FQDN alike.
func DFSTargetKey(unc string) string {
	rest, ok := strings.CutPrefix(unc, `\\`)
	if !ok {
		return strings.ToUpper(unc)
	}
	host, tail, _ := strings.Cut(rest, `\`)
	host, _, _ = strings.Cut(host, ".")
	return strings.ToUpper(`\\` + host + `\` + strings.TrimRight(tail, `\`))
}
