package agent

// Error codes of the directory area.
const (
	CodeADUnavailable    = "ad_unavailable"     // the host has no ActiveDirectory module (RSAT-AD-PowerShell)
	CodeComputerNotFound = "computer_not_found" // no computer account of that name in the domain
	CodeSPNDuplicate     = "spn_duplicate"      // the domain refused an SPN that another account holds
)

// ADSPNListParams reads the service principal names of computer accounts
// (Get-ADComputer -Identity <name> -Properties servicePrincipalName). A
// computer is its sAMAccountName without the trailing $ ("SERVER1").
type ADSPNListParams struct {
	Computers []string `json:"computers"`
}

// ADSPNListResult lists each computer's SPNs in the order asked, each
// account's sorted case-insensitively (never null).
type ADSPNListResult struct {
	Accounts []ADComputerSPNs `json:"accounts"`
}

// ADComputerSPNs is one computer account and its SPNs.
type ADComputerSPNs struct {
	Computer string   `json:"computer"`
	SPNs     []string `json:"spns"`
}

// ADSPNMoveParams puts SPNs on the account Computer and takes them off
// every account in Release that holds any of them. Removals come first
// (Set-ADComputer -ServicePrincipalNames @{Remove=...}, one call per
// account), then one @{Add=...} on Computer: at no moment does an SPN sit
// on two accounts (a duplicate SPN breaks Kerberos for that name, and
// domain controllers since Windows Server 2012 R2 refuse to create one:
// CodeSPNDuplicate). An empty Computer only removes (the resource's
// delete). SPNs are compared case-insensitively, as the directory does.
type ADSPNMoveParams struct {
	SPNs     []string `json:"spns"`
	Computer string   `json:"computer"`
	Release  []string `json:"release"`
}

// ADSPNMoveResult says what changed: Removed by account (only accounts
// that lost SPNs), Added on Computer (empty when it held them all).
type ADSPNMoveResult struct {
	Removed []ADComputerSPNs `json:"removed"`
	Added   []string         `json:"added"`
}
