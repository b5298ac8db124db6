package conformance

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// awkwardFolder is a scratch folder whose name needs quoting everywhere
// (a double quote is not allowed in a Windows path).
const awkwardFolder = "Été d'équipe $x `y`"

// wellKnownSIDs are 50 accounts every Windows Server 2016 or later member
// server resolves, as SID strings so that a localized server resolves them
// too (Microsoft's "Well-known SIDs" reference). Groups that exist only on
// domain controllers are left out.
var wellKnownSIDs = []string{
	"S-1-1-0", "S-1-2-0", "S-1-2-1", "S-1-3-0", "S-1-3-1", "S-1-3-2", "S-1-3-3", "S-1-3-4",
	"S-1-5-1", "S-1-5-2", "S-1-5-3", "S-1-5-4", "S-1-5-6", "S-1-5-7", "S-1-5-8", "S-1-5-9",
	"S-1-5-10", "S-1-5-11", "S-1-5-12", "S-1-5-13", "S-1-5-14", "S-1-5-15", "S-1-5-17", "S-1-5-18",
	"S-1-5-19", "S-1-5-20", "S-1-5-33", "S-1-5-64-10", "S-1-5-64-14", "S-1-5-64-21", "S-1-5-113", "S-1-5-114",
	"S-1-5-1000", "S-1-5-32-544", "S-1-5-32-545", "S-1-5-32-546", "S-1-5-32-547", "S-1-5-32-551", "S-1-5-32-552", "S-1-5-32-555",
	"S-1-5-32-556", "S-1-5-32-558", "S-1-5-32-559", "S-1-5-32-562", "S-1-5-32-568", "S-1-5-32-569", "S-1-5-32-573", "S-1-5-32-574",
	"S-1-5-32-579", "S-1-5-32-580",
}

// admins is BUILTIN\Administrators by SID, whatever the server's language.
const admins = "S-1-5-32-544"

func (r *Run) share(name, folder string) agent.Share {
	return agent.Share{Name: SharePrefix + name, Path: r.path(folder), Description: "winfs conformance", CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{{Account: admins, Right: agent.RightFull, Type: agent.AccessAllow}}}
}

// awkwardShare has a name and path that need quoting, a 1,000-character
// description with both quote kinds, and an access list of 50 accounts.
func (r *Run) awkwardShare() agent.Share {
	s := r.share("Été d'équipe $x `y`", awkwardFolder)
	unit := `Ledgers "quoted" and 'quoted', $env:x, ` + "`tick` é ü 東京. "
	desc := []rune(strings.Repeat(unit, 1000/len([]rune(unit))+1))
	s.Description = string(desc[:1000])
	rights := []string{agent.RightFull, agent.RightChange, agent.RightRead}
	s.Access = nil
	for i, sid := range wellKnownSIDs {
		s.Access = append(s.Access, agent.ShareAccess{Account: sid, Right: rights[i%3], Type: agent.AccessAllow})
	}
	s.AccessBasedEnumeration = true
	s.ConcurrentUserLimit = 7
	s.CachingMode = agent.CachingDocuments
	return s
}

func (r *Run) setShare(ctx context.Context, s agent.Share) (string, error) {
	res, err := r.C.ShareSet(ctx, agent.ShareSetParams{Share: s, Scope: r.scope()})
	return res.Action, step("share.set "+s.Name, err)
}

// listed finds a share by name in share.list under the scratch scope.
func (r *Run) listed(ctx context.Context, name string) (agent.ShareInfo, bool, error) {
	list, err := r.C.ShareList(ctx, r.scope())
	if err != nil {
		return agent.ShareInfo{}, false, step("share.list", err)
	}
	for _, s := range list.Shares {
		if strings.EqualFold(s.Name, name) {
			return s, true, nil
		}
	}
	return agent.ShareInfo{}, false, nil
}

// sameExceptAccounts compares what a server reports about a share with what
// was set, accounts aside: a server spells them its own way (localized
// names for SID strings), so the access list is compared by its rights.
func sameExceptAccounts(got, want agent.Share) error {
	g, w := got, want
	g.Access, w.Access = nil, nil
	if !smbshare.Same(g, w) {
		return failf("share %q differs: %s", want.Name, strings.Join(smbshare.Differences(w, g), "; "))
	}
	if len(got.Access) != len(want.Access) {
		return failf("share %q has %d access entries, set %d: %s", want.Name, len(got.Access), len(want.Access), smbshare.DescribeAccess(got.Access))
	}
	key := func(list []agent.ShareAccess) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.Type+" "+a.Right)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(key(got.Access), key(want.Access)) {
		return failf("share %q access rights differ: got %s", want.Name, smbshare.DescribeAccess(got.Access))
	}
	return nil
}

var shareCases = []Case{
	{Op: agent.ShareSet.Name, Name: "creates a share, then finds it unchanged", Run: func(ctx context.Context, r *Run) error {
		s := r.share("plain", "share")
		for _, want := range []string{agent.ShareCreated, agent.ShareUnchanged} {
			got, err := r.setShare(ctx, s)
			if err != nil {
				return err
			}
			if got != want {
				return failf("share.set: action %q, want %q", got, want)
			}
		}
		got, ok, err := r.listed(ctx, s.Name)
		if err != nil || !ok {
			return failf("share.list does not list %q (%v)", s.Name, err)
		}
		if !got.Available || got.Special {
			return failf("share %q: available %t, special %t", s.Name, got.Available, got.Special)
		}
		return sameExceptAccounts(got.Share, s)
	}},
	{Op: agent.ShareSet.Name, Name: "changes the description in place (updated)", Run: func(ctx context.Context, r *Run) error {
		s := r.share("plain", "share")
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		s.Description = "changed"
		got, err := r.setShare(ctx, s)
		if err != nil {
			return err
		}
		if got != agent.ShareUpdated {
			return failf("share.set: action %q, want %q", got, agent.ShareUpdated)
		}
		cur, _, err := r.listed(ctx, s.Name)
		if err != nil {
			return err
		}
		return sameExceptAccounts(cur.Share, s)
	}},
	{Op: agent.ShareSet.Name, Name: "awkward name and path, 1,000-character description, 50 accounts", Run: func(ctx context.Context, r *Run) error {
		s := r.awkwardShare()
		if got, err := r.setShare(ctx, s); err != nil {
			return err
		} else if got != agent.ShareCreated {
			return failf("share.set: action %q, want %q", got, agent.ShareCreated)
		}
		cur, ok, err := r.listed(ctx, s.Name)
		if err != nil || !ok {
			return failf("share.list does not list %q (%v)", s.Name, err)
		}
		if err := sameExceptAccounts(cur.Share, s); err != nil {
			return err
		}
		// The access list as the server spells it, sent back, is no change.
		back := cur.Share
		if got, err := r.setShare(ctx, back); err != nil {
			return err
		} else if got != agent.ShareUnchanged {
			return failf("share.set with the share as listed: action %q, want %q", got, agent.ShareUnchanged)
		}
		return nil
	}},
	{Op: agent.ShareSet.Name, Name: "the access list is exact: entries not listed go, a deny entry stays", Run: func(ctx context.Context, r *Run) error {
		s := r.share("exact", "share")
		s.Access = append(s.Access, agent.ShareAccess{Account: "S-1-5-11", Right: agent.RightChange, Type: agent.AccessAllow},
			agent.ShareAccess{Account: "S-1-5-32-546", Right: agent.RightFull, Type: agent.AccessDeny})
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		s.Access = s.Access[:1]
		s.Access = append(s.Access, agent.ShareAccess{Account: "S-1-5-32-546", Right: agent.RightFull, Type: agent.AccessDeny})
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		cur, _, err := r.listed(ctx, s.Name)
		if err != nil {
			return err
		}
		return sameExceptAccounts(cur.Share, s)
	}},
	{Op: agent.ShareSet.Name, Name: "a share of that name outside the scope is share_conflict", Run: func(ctx context.Context, r *Run) error {
		s := r.share("conflict", "share")
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		other := s
		other.Path = r.path("other")
		_, err := r.C.ShareSet(ctx, agent.ShareSetParams{Share: other, Scope: []string{r.path("other")}})
		return wantCode(err, agent.CodeShareConflict)
	}},
	{Op: agent.ShareSet.Name, Name: "a path on a drive with no volume is volume_not_mounted", Run: func(ctx context.Context, r *Run) error {
		drive, err := r.freeDrive(ctx)
		if err != nil {
			return err
		}
		root := drive + `\winfs-conformance`
		s := r.share("nodrive", "share")
		s.Path = root
		_, err = r.C.ShareSet(ctx, agent.ShareSetParams{Share: s, Scope: []string{root}})
		return wantCode(err, agent.CodeVolumeNotMounted)
	}},
	{Op: agent.ShareSet.Name, Name: "an account that does not resolve is unknown_account", Run: func(ctx context.Context, r *Run) error {
		s := r.share("unknown-account", "share")
		s.Access = append(s.Access, agent.ShareAccess{Account: `BUILTIN\winfs-conformance-no-such-account`, Right: agent.RightRead, Type: agent.AccessAllow})
		_, err := r.C.ShareSet(ctx, agent.ShareSetParams{Share: s, Scope: r.scope()})
		return wantCode(err, agent.CodeUnknownAccount)
	}},
	{Op: agent.ShareSet.Name, Name: "bad names, caching modes, rights, paths and scopes are invalid_params", Run: func(ctx context.Context, r *Run) error {
		base := r.share("invalid", "share")
		bad := map[string]func(*agent.ShareSetParams){
			"a forbidden character in the name": func(p *agent.ShareSetParams) { p.Share.Name = SharePrefix + "a/b" },
			"an 81-character name":              func(p *agent.ShareSetParams) { p.Share.Name = SharePrefix + strings.Repeat("n", 81-len(SharePrefix)) },
			"an unknown caching mode":           func(p *agent.ShareSetParams) { p.Share.CachingMode = "always" },
			"an unknown right":                  func(p *agent.ShareSetParams) { p.Share.Access[0].Right = "write" },
			"a relative path":                   func(p *agent.ShareSetParams) { p.Share.Path = `winfs-conformance\share` },
			"an empty scope":                    func(p *agent.ShareSetParams) { p.Scope = []string{} },
			"a path outside the scope":          func(p *agent.ShareSetParams) { p.Scope = []string{r.path("other")} },
		}
		for _, what := range slices.Sorted(maps.Keys(bad)) {
			p := agent.ShareSetParams{Share: base, Scope: r.scope()}
			p.Share.Access = slices.Clone(base.Access)
			bad[what](&p)
			if _, err := r.C.ShareSet(ctx, p); wantCode(err, agent.CodeInvalidParams) != nil {
				return fmt.Errorf("%s: %w", what, wantCode(err, agent.CodeInvalidParams))
			}
		}
		if _, ok, err := r.listed(ctx, base.Name); err != nil || ok {
			return failf("a refused share.set left share %q behind (%v)", base.Name, err)
		}
		return nil
	}},

	{Op: agent.ShareList.Name, Name: "an empty scope lists the administrative shares as special", Run: func(ctx context.Context, r *Run) error {
		list, err := r.C.ShareList(ctx, nil)
		if err != nil {
			return step("share.list", err)
		}
		var names []string
		for _, s := range list.Shares {
			names = append(names, s.Name)
			if strings.EqualFold(s.Name, "IPC$") && !s.Special {
				return failf("IPC$ is not marked special")
			}
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, "IPC$") }) {
			return failf("no IPC$ among %s", strings.Join(names, ", "))
		}
		return nil
	}},
	{Op: agent.ShareList.Name, Name: "a scope lists only the shares under it, never a special one", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.setShare(ctx, r.share("plain", "share")); err != nil {
			return err
		}
		list, err := r.C.ShareList(ctx, []string{r.path("other")})
		if err != nil {
			return step("share.list", err)
		}
		if len(list.Shares) != 0 {
			return failf("scope %s lists %d share(s), first %q", r.path("other"), len(list.Shares), list.Shares[0].Name)
		}
		list, err = r.C.ShareList(ctx, []string{`C:\`})
		if err != nil {
			return step("share.list", err)
		}
		for _, s := range list.Shares {
			if s.Special {
				return failf("scope C:\\ lists the special share %q", s.Name)
			}
		}
		return nil
	}},
	{Op: agent.ShareList.Name, Name: "a malformed scope is invalid_params", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.ShareList(ctx, []string{"not a path"})
		return wantCode(err, agent.CodeInvalidParams)
	}},

	{Op: agent.SharePathsGet.Name, Name: "answers in order: a scratch folder, and a drive with no volume", Run: func(ctx context.Context, r *Run) error {
		drive, err := r.freeDrive(ctx)
		if err != nil {
			return err
		}
		paths := []string{r.path("share"), drive + `\winfs-conformance`, r.path(awkwardFolder)}
		got, err := r.C.SharePaths(ctx, paths)
		if err != nil {
			return step("share.paths.get", err)
		}
		want := []agent.SharePathStatus{{Path: paths[0], VolumeMounted: true, Exists: true}, {Path: paths[1]}, {Path: paths[2], VolumeMounted: true, Exists: true}}
		if !slices.Equal(got.Paths, want) {
			return failf("got %+v, want %+v", got.Paths, want)
		}
		return nil
	}},
	{Op: agent.SharePathsGet.Name, Name: "a malformed path is invalid_params", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.SharePaths(ctx, []string{`C:\a\\b`})
		return wantCode(err, agent.CodeInvalidParams)
	}},

	{Op: agent.ShareRemove.Name, Name: "removes once, then reports nothing to remove", Run: func(ctx context.Context, r *Run) error {
		s := r.share("doomed", "share")
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		if err := twice("share.remove", "existed", func() (bool, error) {
			got, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: strings.ToUpper(s.Name), Scope: r.scope()})
			return got.Existed, err
		}); err != nil {
			return err
		}
		if _, ok, err := r.listed(ctx, s.Name); err != nil || ok {
			return failf("share %q still listed (%v)", s.Name, err)
		}
		return nil
	}},
	{Op: agent.ShareRemove.Name, Name: "an administrative share is share_conflict", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: "IPC$", Scope: []string{`C:\`}})
		return wantCode(err, agent.CodeShareConflict)
	}},
	{Op: agent.ShareRemove.Name, Name: "a share outside the scope is share_conflict and stays", Run: func(ctx context.Context, r *Run) error {
		s := r.share("kept", "share")
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		_, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: s.Name, Scope: []string{r.path("other")}})
		if err := wantCode(err, agent.CodeShareConflict); err != nil {
			return err
		}
		if _, ok, err := r.listed(ctx, s.Name); err != nil || !ok {
			return failf("share %q is gone after a refused remove (%v)", s.Name, err)
		}
		return nil
	}},
	{Op: agent.ShareRemove.Name, Name: "an empty name or scope is invalid_params", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: "", Scope: r.scope()}); wantCode(err, agent.CodeInvalidParams) != nil {
			return fmt.Errorf("empty name: %w", wantCode(err, agent.CodeInvalidParams))
		}
		_, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: SharePrefix + "x", Scope: []string{}})
		return wantCode(err, agent.CodeInvalidParams)
	}},
}

// freeDrive finds a drive letter that holds no volume, from Z: down.
func (r *Run) freeDrive(ctx context.Context) (string, error) {
	for l := 'Z'; l >= 'D'; l-- {
		mp, err := r.C.MountPointGet(ctx, string(l)+":")
		if err != nil {
			return "", step("mountpoint.get", err)
		}
		if !mp.InUse {
			return string(l) + ":", nil
		}
	}
	return "", skipped("every drive letter from D: to Z: holds a volume")
}
