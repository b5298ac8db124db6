package conformance

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The DFS cases make a standalone namespace of their own on the server,
// \\<DFSServer>\winfs-conformance-ns over a scratch share, with a folder
// whose targets are two scratch shares; they run only when the server is
// named (--dfs-server) and remove what they made.

const dfsRootShare = SharePrefix + "ns"

func (r *Run) dfsRoot() string   { return `\\` + r.DFSServer + `\` + dfsRootShare }
func (r *Run) dfsFolder() string { return r.dfsRoot() + `\folder` }
func (r *Run) dfsTarget(share string) string {
	return `\\` + r.DFSServer + `\` + SharePrefix + share
}

// dfsNamespace creates the scratch shares and the namespace.
func (r *Run) dfsNamespace(ctx context.Context) (agent.DFSNamespaceSetResult, error) {
	for _, name := range []string{"ns", "dfs-a", "dfs-b"} {
		if _, err := r.C.ShareSet(ctx, agent.ShareSetParams{Share: r.share(name, "share"), Scope: r.scope()}); err != nil {
			return agent.DFSNamespaceSetResult{}, step("share.set", err)
		}
	}
	res, err := r.C.DFSNamespaceSet(ctx, agent.DFSNamespaceSetParams{Path: r.dfsRoot(), DFSNamespaceSettings: agent.DFSNamespaceSettings{
		Type: agent.DFSTypeStandalone, RootTargets: []string{r.dfsRoot()}, TTL: 300}})
	return res, step("dfs.namespace.set", err)
}

func (r *Run) dfsFolderSettings(rankA int64, classA string) agent.DFSFolderSettings {
	return agent.DFSFolderSettings{TTL: 60, TargetFailback: true, Targets: []agent.DFSTarget{
		{Path: r.dfsTarget("dfs-a"), State: agent.DFSStateOnline, PriorityClass: classA, PriorityRank: rankA},
		{Path: r.dfsTarget("dfs-b"), State: agent.DFSStateOnline, PriorityClass: "global_low"},
	}}
}

var dfsCases = []Case{
	{Op: agent.DFSNamespaceSet.Name, Needs: NeedsDFS, Name: "creates a standalone namespace once, then finds it as set", Run: func(ctx context.Context, r *Run) error {
		for i, want := range []bool{true, false} {
			res, err := r.dfsNamespace(ctx)
			if err != nil {
				return err
			}
			if res.Created != want {
				return failf("set #%d: created %t", i+1, res.Created)
			}
		}
		got, err := r.C.DFSNamespaceGet(ctx, r.dfsRoot())
		if err != nil {
			return step("dfs.namespace.get", err)
		}
		if !got.Exists || got.Type != agent.DFSTypeStandalone || got.TTL != 300 || len(got.RootTargets) != 1 || agent.DFSTargetKey(got.RootTargets[0]) != agent.DFSTargetKey(r.dfsRoot()) {
			return failf("dfs.namespace.get: %+v", got)
		}
		return nil
	}},
	{Op: agent.DFSNamespaceGet.Name, Needs: NeedsDFS, Name: "a missing namespace does not exist and has no root targets (not null)", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.DFSNamespaceGet(ctx, `\\`+r.DFSServer+`\`+SharePrefix+"missing")
		if err != nil || got.Exists || got.RootTargets == nil || len(got.RootTargets) != 0 {
			return failf("%+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.DFSFolderSet.Name, Needs: NeedsDFS, Name: "creates a folder, then sets rank 0 and classes back in their own spelling", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.dfsNamespace(ctx); err != nil {
			return err
		}
		for i, s := range []agent.DFSFolderSettings{r.dfsFolderSettings(5, "site_cost_high"), r.dfsFolderSettings(0, "global_high")} {
			if _, err := r.C.DFSFolderSet(ctx, agent.DFSFolderSetParams{Path: r.dfsFolder(), DFSFolderSettings: s}); err != nil {
				return step("dfs.folder.set", err)
			}
			got, err := r.C.DFSFolderGet(ctx, r.dfsFolder())
			if err != nil {
				return step("dfs.folder.get", err)
			}
			if !got.Exists || got.TTL != 60 || !got.TargetFailback || len(got.Targets) != 2 {
				return failf("get after set #%d: %+v", i+1, got)
			}
			for _, want := range s.Targets {
				found := false
				for _, t := range got.Targets {
					if agent.DFSTargetKey(t.Path) == agent.DFSTargetKey(want.Path) {
						found = t.State == want.State && t.PriorityClass == want.PriorityClass && t.PriorityRank == want.PriorityRank
					}
				}
				if !found {
					return failf("set #%d: target %+v not read back in %+v", i+1, want, got.Targets)
				}
			}
		}
		return nil
	}},
	{Op: agent.DFSFolderSet.Name, Needs: NeedsServer, Name: "a priority class in the cmdlets' spelling, a rank over 31 or a TTL of 0 is invalid_params", Run: func(ctx context.Context, r *Run) error {
		bad := []agent.DFSFolderSettings{r.dfsFolderSettings(0, "GlobalHigh"), r.dfsFolderSettings(32, "global_high"), r.dfsFolderSettings(0, "global_high")}
		bad[2].TTL = 0
		for _, s := range bad {
			_, err := r.C.DFSFolderSet(ctx, agent.DFSFolderSetParams{Path: `\\winfs-conformance\ns\folder`, DFSFolderSettings: s})
			if e := wantCode(err, agent.CodeInvalidParams); e != nil {
				return failf("%+v: %v", s, e)
			}
		}
		return nil
	}},
	{Op: agent.DFSFolderGet.Name, Needs: NeedsDFS, Name: "a missing folder does not exist and has no targets (not null)", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.DFSFolderGet(ctx, r.dfsRoot()+`\missing`)
		if err != nil || got.Exists || got.Targets == nil || len(got.Targets) != 0 {
			return failf("%+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.DFSFolderRemove.Name, Needs: NeedsDFS, Name: "removes a folder once, then reports nothing to remove", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.dfsNamespace(ctx); err != nil {
			return err
		}
		if _, err := r.C.DFSFolderSet(ctx, agent.DFSFolderSetParams{Path: r.dfsFolder(), DFSFolderSettings: r.dfsFolderSettings(0, "global_high")}); err != nil {
			return step("dfs.folder.set", err)
		}
		return twice("dfs.folder.remove", "existed", func() (bool, error) {
			res, err := r.C.DFSFolderRemove(ctx, r.dfsFolder())
			return res.Existed, err
		})
	}},
	{Op: agent.DFSNamespaceRemove.Name, Needs: NeedsDFS, Name: "removes the namespace once, then reports nothing to remove", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.dfsNamespace(ctx); err != nil {
			return err
		}
		return twice("dfs.namespace.remove", "existed", func() (bool, error) {
			res, err := r.C.DFSNamespaceRemove(ctx, r.dfsRoot())
			return res.Existed, err
		})
	}},
}
