package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// smbShareModel is one element of the `shares` map, in the resource and the
// data source alike, so that one can be assigned to the other.
type smbShareModel struct {
	Path                   types.String `tfsdk:"path"`
	Description            types.String `tfsdk:"description"`
	FullAccess             types.Set    `tfsdk:"full_access"`
	ChangeAccess           types.Set    `tfsdk:"change_access"`
	ReadAccess             types.Set    `tfsdk:"read_access"`
	NoAccess               types.Set    `tfsdk:"no_access"`
	CachingMode            types.String `tfsdk:"caching_mode"`
	AccessBasedEnumeration types.Bool   `tfsdk:"access_based_enumeration"`
	ConcurrentUserLimit    types.Int64  `tfsdk:"concurrent_user_limit"`
	EncryptData            types.Bool   `tfsdk:"encrypt_data"`
}

var shareAttrTypes = map[string]attr.Type{
	"path":                     types.StringType,
	"description":              types.StringType,
	"full_access":              types.SetType{ElemType: types.StringType},
	"change_access":            types.SetType{ElemType: types.StringType},
	"read_access":              types.SetType{ElemType: types.StringType},
	"no_access":                types.SetType{ElemType: types.StringType},
	"caching_mode":             types.StringType,
	"access_based_enumeration": types.BoolType,
	"concurrent_user_limit":    types.Int64Type,
	"encrypt_data":             types.BoolType,
}

var shareObjectType = types.ObjectType{AttrTypes: shareAttrTypes}

// Attribute descriptions shared by the resource and the data source.
var shareDocs = map[string]string{
	"shares": "The SMB shares under `scope`, keyed by share name. Share names compare case-insensitively, may contain spaces, " +
		"non-ASCII letters, `$`, `'` and backticks, are at most 80 characters, and may not contain " + "`" + `" \ / [ ] : | < > + = ; , * ?` + "`" +
		" or control characters (MS-FSCC 2.1.6). Administrative share names (`IPC$`, `ADMIN$`, `PRINT$`, `X$`) are refused.",
	"path": "Folder the share points at, such as `X:\\Finance`; it must be under one of the `scope` roots. Folder names may not contain " +
		"`< > : \" / | ? *`, end in a dot or space, or be `.`/`..`. Changing the path removes and recreates that share.",
	"description":              "Share description (Remark), shown to clients (default empty).",
	"full_access":              "Accounts granted Full access. " + accountDoc,
	"change_access":            "Accounts granted Change access. " + accountDoc,
	"read_access":              "Accounts granted Read access. " + accountDoc,
	"no_access":                "Accounts denied all access (a Deny Full entry, which wins over any grant). " + accountDoc,
	"caching_mode":             "Offline files caching: `none`, `manual` (the default, as New-SmbShare), `documents`, `programs` or `branch_cache`.",
	"access_based_enumeration": "Show users only the files and folders they can access (FolderEnumerationMode AccessBased; default `false`).",
	"concurrent_user_limit":    "Maximum number of simultaneous connections; `0` (the default) is unlimited.",
	"encrypt_data":             "Require SMB 3 encryption for this share (default `false`).",
	"scope": "Path roots whose shares this set manages, such as `X:\\` and `Y:\\` (a folder such as `X:\\Data` also works). " +
		"Shares outside them, C:\\ shares and administrative shares are never read, changed or removed. " +
		"A root on the system drive where Windows keeps its own shares (`C:\\`, `C:\\Windows` and below: NETLOGON, SYSVOL, print$) is refused; " +
		"a folder of its own such as `C:\\Shares` is allowed. Two sets of one server in one configuration must not overlap " +
		"(`X:\\` and `X:\\Finance` would delete each other's shares); a set in another state cannot be seen at plan time.",
}

const accountDoc = "Each account is `DOMAIN\\name` (`BUILTIN\\Administrators`, `NT AUTHORITY\\Authenticated Users`, `CORP\\Finance`), " +
	"a SID string, or `Everyone`, `CREATOR OWNER`, `CREATOR GROUP`, compared case-insensitively. The access list is exact: " +
	"entries not declared are removed, and no implicit `Everyone` Read is left (default: empty)."

// stringSet returns the elements of a set of strings (nil when null).
func stringSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

func setOf(values []string) types.Set {
	elems := make([]attr.Value, 0, len(values))
	sorted := slices.Clone(values)
	sort.Strings(sorted)
	for _, v := range sorted {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

// toWire converts a share of the configuration to the agent's form.
func (m smbShareModel) toWire(ctx context.Context, name string, diags *diag.Diagnostics) agent.Share {
	s := agent.Share{
		Name:                   name,
		Path:                   m.Path.ValueString(),
		Description:            m.Description.ValueString(),
		CachingMode:            m.CachingMode.ValueString(),
		AccessBasedEnumeration: m.AccessBasedEnumeration.ValueBool(),
		ConcurrentUserLimit:    uint32(m.ConcurrentUserLimit.ValueInt64()),
		EncryptData:            m.EncryptData.ValueBool(),
		Access:                 []agent.ShareAccess{},
	}
	if s.CachingMode == "" {
		s.CachingMode = agent.CachingManual
	}
	for _, l := range []struct {
		set         types.Set
		right, kind string
	}{
		{m.NoAccess, agent.RightFull, agent.AccessDeny},
		{m.FullAccess, agent.RightFull, agent.AccessAllow},
		{m.ChangeAccess, agent.RightChange, agent.AccessAllow},
		{m.ReadAccess, agent.RightRead, agent.AccessAllow},
	} {
		for _, a := range stringSet(ctx, l.set, diags) {
			s.Access = append(s.Access, agent.ShareAccess{Account: a, Right: l.right, Type: l.kind})
		}
	}
	return s
}

// customRightsSuffix marks an account whose share rights are custom.
const customRightsSuffix = " (custom rights)"

// shareFromWire converts a share the server reported. A deny entry is
// no_access whatever its right. An allow entry with custom rights (none of
// full, change, read) has no attribute of its own: it shows in read_access
// as "<account> (custom rights)", an account no configuration declares, so
// the plan shows it and the apply replaces it.
func shareFromWire(s agent.Share) smbShareModel {
	lists := map[string][]string{}
	for _, a := range s.Access {
		key := a.Right
		if a.Type == agent.AccessDeny {
			key = "deny"
		}
		if key == agent.RightCustom {
			key, a.Account = agent.RightRead, a.Account+customRightsSuffix
		}
		lists[key] = append(lists[key], a.Account)
	}
	return smbShareModel{
		Path:                   types.StringValue(s.Path),
		Description:            types.StringValue(s.Description),
		FullAccess:             setOf(lists[agent.RightFull]),
		ChangeAccess:           setOf(lists[agent.RightChange]),
		ReadAccess:             setOf(lists[agent.RightRead]),
		NoAccess:               setOf(lists["deny"]),
		CachingMode:            types.StringValue(s.CachingMode),
		AccessBasedEnumeration: types.BoolValue(s.AccessBasedEnumeration),
		ConcurrentUserLimit:    types.Int64Value(int64(s.ConcurrentUserLimit)),
		EncryptData:            types.BoolValue(s.EncryptData),
	}
}

// sharesOf reads the `shares` map.
func sharesOf(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]smbShareModel {
	out := map[string]smbShareModel{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// hostSharesModel turns the server's shares into the `shares` map. Where
// prev (the state or configuration) holds the same share, its spelling is
// kept: names, paths and accounts compare case-insensitively on Windows.
func hostSharesModel(ctx context.Context, host []agent.ShareInfo, prev map[string]smbShareModel, diags *diag.Diagnostics) types.Map {
	prevByFold := map[string]string{}
	for name := range prev {
		prevByFold[smbshare.Fold(name)] = name
	}
	out := map[string]smbShareModel{}
	for _, s := range host {
		if !s.Available {
			continue // not served: as good as absent
		}
		key := s.Name
		if p, ok := prevByFold[smbshare.Fold(s.Name)]; ok {
			key = p
			if smbshare.Same(prev[p].toWire(ctx, p, diags), s.Share) {
				out[key] = prev[p]
				continue
			}
		}
		out[key] = shareFromWire(s.Share)
	}
	v, d := types.MapValueFrom(ctx, shareObjectType, out)
	diags.Append(d...)
	return v
}

// normalizeScope validates the scope roots; errors name the attribute.
func normalizeScope(roots []string, diags *diag.Diagnostics) []string {
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		n, err := smbshare.NormalizeRoot(r)
		if err != nil {
			diags.AddAttributeError(path.Root("scope"), "Invalid scope root", err.Error())
			continue
		}
		if why := systemScopeProblem(n); why != "" {
			diags.AddAttributeError(path.Root("scope"), "Scope root on the system drive", why+".")
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// validateShares checks a `shares` map at plan time. Every error names the
// share and the attribute.
func validateShares(ctx context.Context, shares types.Map, scope []string, scopeKnown bool, diags *diag.Diagnostics) {
	if shares.IsNull() || shares.IsUnknown() {
		return
	}
	folded := map[string]string{}
	for name, elem := range shares.Elements() {
		at := path.Root("shares").AtMapKey(name)
		if err := smbshare.ValidateName(name); err != nil {
			diags.AddAttributeError(at, "Invalid share name", err.Error())
		}
		if other, dup := folded[smbshare.Fold(name)]; dup {
			diags.AddAttributeError(at, "Duplicate share name",
				fmt.Sprintf("Shares %q and %q differ only in letter case; Windows compares share names case-insensitively, so they are the same share.", other, name))
		}
		folded[smbshare.Fold(name)] = name
		obj, ok := elem.(types.Object)
		if !ok || obj.IsUnknown() || obj.IsNull() {
			continue
		}
		var m smbShareModel
		if d := obj.As(ctx, &m, basetypesObjectAsOptions); d.HasError() {
			continue
		}
		if !m.Path.IsUnknown() && !m.Path.IsNull() {
			p := m.Path.ValueString()
			if err := smbshare.ValidatePath(p); err != nil {
				diags.AddAttributeError(at.AtName("path"), "Invalid share path", fmt.Sprintf("Share %q: %v", name, err))
			} else if scopeKnown && !smbshare.InScope(p, scope) {
				diags.AddAttributeError(at.AtName("path"), "Share path outside the scope",
					fmt.Sprintf("Share %q: path %s is not under the scope %s; add its root to scope or move the share.", name, p, strings.Join(scope, ", ")))
			}
		}
		if strings.ContainsRune(m.Description.ValueString(), 0) {
			diags.AddAttributeError(at.AtName("description"), "Invalid description", fmt.Sprintf("Share %q: the description contains a NUL character.", name))
		}
		allow := map[string]string{}
		for _, l := range []struct {
			attr string
			set  types.Set
		}{{"full_access", m.FullAccess}, {"change_access", m.ChangeAccess}, {"read_access", m.ReadAccess}, {"no_access", m.NoAccess}} {
			if l.set.IsUnknown() {
				continue
			}
			inList := map[string]string{}
			for _, e := range l.set.Elements() {
				s, ok := e.(types.String)
				if !ok || s.IsUnknown() || s.IsNull() {
					continue
				}
				acct := s.ValueString()
				if err := smbshare.ValidateAccount(acct); err != nil {
					diags.AddAttributeError(at.AtName(l.attr), "Invalid account", fmt.Sprintf("Share %q, %s: %v", name, l.attr, err))
					continue
				}
				if prev, dup := inList[smbshare.Fold(acct)]; dup {
					diags.AddAttributeError(at.AtName(l.attr), "Account listed twice",
						fmt.Sprintf("Share %q, %s: %q and %q are the same account (Windows compares account names case-insensitively); list it once.",
							name, l.attr, prev, acct))
				}
				inList[smbshare.Fold(acct)] = acct
				if l.attr == "no_access" {
					continue
				}
				if prev, dup := allow[smbshare.AccountKey(acct)]; dup && prev != l.attr {
					diags.AddAttributeError(at.AtName(l.attr), "Account granted twice",
						fmt.Sprintf("Share %q: %s is in both %s and %s; a share grants an account one right.", name, acct, prev, l.attr))
				}
				allow[smbshare.AccountKey(acct)] = l.attr
			}
		}
	}
}
