package winhost

import (
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// parseScope validates scope roots like agent.ps1 does; required says an
// empty scope is refused (writes always name their scope).
func parseScope(scope []string, required bool) ([]string, *agent.Error) {
	if required && len(scope) == 0 {
		return nil, agent.Errorf(agent.CodeInvalidParams, "scope must name at least one path root")
	}
	out := make([]string, 0, len(scope))
	for _, r := range scope {
		n, err := smbshare.NormalizeRoot(r)
		if err != nil {
			return nil, agent.Errorf(agent.CodeInvalidParams, "%v", err)
		}
		out = append(out, n)
	}
	return out, nil
}

func (h *Host) shareList(p agent.ShareListParams) (agent.ShareListResult, *agent.Error) {
	scope, err := parseScope(p.Scope, false)
	if err != nil {
		return agent.ShareListResult{}, err
	}
	all := h.Shares()
	out := agent.ShareListResult{Shares: []agent.ShareInfo{}}
	for _, s := range all {
		if len(scope) == 0 || (!s.Special && smbshare.InScope(s.Path, scope)) {
			out.Shares = append(out.Shares, s)
		}
	}
	return out, nil
}

// sharePathsGet reports on each path. The lab has no folders yet: a folder
// exists exactly when its volume is mounted.
func (h *Host) sharePathsGet(p agent.SharePathsGetParams) (agent.SharePathsGetResult, *agent.Error) {
	for _, path := range p.Paths {
		if err := smbshare.ValidatePath(path); err != nil {
			return agent.SharePathsGetResult{}, agent.Errorf(agent.CodeInvalidParams, "%v", err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := agent.SharePathsGetResult{Paths: []agent.SharePathStatus{}}
	for _, path := range p.Paths {
		m := h.volumeMounted(path)
		out.Paths = append(out.Paths, agent.SharePathStatus{Path: path, VolumeMounted: m, Exists: m})
	}
	return out, nil
}

func (h *Host) shareSet(p agent.ShareSetParams) (agent.ShareSetResult, *agent.Error) {
	scope, aerr := parseScope(p.Scope, true)
	if aerr != nil {
		return agent.ShareSetResult{}, aerr
	}
	want := p.Share
	if err := smbshare.ValidateShare(want); err != nil {
		return agent.ShareSetResult{}, agent.Errorf(agent.CodeInvalidParams, "%v", err)
	}
	if strings.ContainsRune(want.Description, 0) {
		return agent.ShareSetResult{}, agent.Errorf(agent.CodeInvalidParams, "description of share %q contains a NUL character", want.Name)
	}
	if !smbshare.InScope(want.Path, scope) {
		return agent.ShareSetResult{}, agent.Errorf(agent.CodeInvalidParams, "path %s of share %q is outside the scope %s", want.Path, want.Name, strings.Join(scope, ", "))
	}
	locale := h.Locale()
	sd, aerr := encodeAccess(locale, want.Access)
	if aerr != nil {
		return agent.ShareSetResult{}, agent.Errorf(aerr.Code, "share %q: %s", want.Name, aerr.Message)
	}
	// agent.ps1 compares access lists by SID (Get-WinfsAccessKeys): an
	// account given as a SID string or in another spelling is the same
	// account. Spell each as the host reports it before comparing.
	want.Access = spelledAsListed(want.Access)
	h.mu.Lock()
	defer h.mu.Unlock()
	cur, exists := h.shareLocked(want.Name)
	if exists && !smbshare.InScope(cur.Path, scope) {
		return agent.ShareSetResult{}, agent.Errorf(agent.CodeShareConflict, "share %q on %s points at %s, outside the scope %s: it is not managed here",
			cur.Name, h.ComputerName(), cur.Path, strings.Join(scope, ", "))
	}
	if !h.volumeMounted(want.Path) {
		return agent.ShareSetResult{}, agent.Errorf(agent.CodeVolumeNotMounted, "cannot share %q on %s: the volume of %s (drive %s:) is not mounted",
			want.Name, h.ComputerName(), want.Path, smbshare.Drive(want.Path))
	}
	if exists && cur.Available && smbshare.Same(cur.Share, withWireAccounts(locale, want)) {
		return agent.ShareSetResult{Action: agent.ShareUnchanged}, nil
	}
	if exists {
		want.Name = cur.Name // Set-SmbShare does not rename
	}
	switch {
	case !exists:
		h.putShareLocked(want, sd)
		h.record("share.create", describeShare(want))
		return agent.ShareSetResult{Action: agent.ShareCreated}, nil
	case !strings.EqualFold(cur.Path, want.Path):
		// The path of a share cannot be changed: remove and create again.
		h.deleteShareLocked(cur.Name)
		h.record("share.remove", describeShare(cur.Share)+" (its path changes)")
		h.putShareLocked(want, sd)
		h.record("share.create", describeShare(want))
	default:
		h.putShareLocked(want, sd)
		h.record("share.update", describeShare(want)+"; was "+strings.Join(smbshare.Differences(want, cur.Share), "; "))
	}
	return agent.ShareSetResult{Action: agent.ShareUpdated}, nil
}

func (h *Host) shareRemove(p agent.ShareRemoveParams) (agent.ShareRemoveResult, *agent.Error) {
	scope, aerr := parseScope(p.Scope, true)
	if aerr != nil {
		return agent.ShareRemoveResult{}, aerr
	}
	if p.Name == "" {
		return agent.ShareRemoveResult{}, agent.Errorf(agent.CodeInvalidParams, "share name is empty")
	}
	if s, ok := specialShare(p.Name); ok {
		return agent.ShareRemoveResult{}, agent.Errorf(agent.CodeShareConflict, "share %q on %s is an administrative share: it is never removed", s.Name, h.ComputerName())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur, exists := h.shareLocked(p.Name)
	if !exists {
		return agent.ShareRemoveResult{}, nil
	}
	if !smbshare.InScope(cur.Path, scope) {
		return agent.ShareRemoveResult{}, agent.Errorf(agent.CodeShareConflict, "share %q on %s points at %s, outside the scope %s: it is not removed",
			cur.Name, h.ComputerName(), cur.Path, strings.Join(scope, ", "))
	}
	h.deleteShareLocked(cur.Name)
	h.record("share.remove", describeShare(cur.Share))
	return agent.ShareRemoveResult{Existed: true}, nil
}

// describeShare is the timeline form: `Finance -> X:\Finance [Allow CORP\Finance Full, ...]`.
func describeShare(s agent.Share) string {
	return s.Name + " -> " + s.Path + " [" + smbshare.DescribeAccess(s.Access) + "]"
}

// spelledAsListed spells every account of an access list as share.list
// reports it. encodeAccess has resolved each already.
func spelledAsListed(list []agent.ShareAccess) []agent.ShareAccess {
	out := make([]agent.ShareAccess, len(list))
	for i, e := range list {
		if sid, err := secdesc.Resolve(e.Account); err == nil {
			e.Account = secdesc.Name(sid)
		}
		out[i] = e
	}
	return out
}
