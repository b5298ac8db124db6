package conformance

import (
	"context"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// The DFSR cases make a one-member replication group of their own on the
// server named by DFSServer, replicating a scratch folder, with the
// schedule off so nothing leaves the server.

const dfsrGroup = SharePrefix + "rg"

func (r *Run) dfsrSettings(contentPath string) agent.DFSRGroupSettings {
	return agent.DFSRGroupSettings{
		Members:     []string{r.DFSServer},
		Folders:     []agent.DFSRFolder{{Name: "scratch", Memberships: []agent.DFSRMembership{{Member: r.DFSServer, ContentPath: contentPath}}}},
		Connections: []agent.DFSRConnection{},
	}
}

var dfsrCases = []Case{
	{Op: agent.DFSRGroupSet.Name, Needs: NeedsDFS, Name: "creates a group once, then finds it as set (schedule off)", Run: func(ctx context.Context, r *Run) error {
		if err := twice("dfsr.group.set", "created", func() (bool, error) {
			res, err := r.C.DFSRGroupSet(ctx, agent.DFSRGroupSetParams{Name: dfsrGroup, DFSRGroupSettings: r.dfsrSettings(r.path("share"))})
			return res.Created, err
		}); err != nil {
			return err
		}
		got, err := r.C.DFSRGroupGet(ctx, dfsrGroup)
		if err != nil {
			return step("dfsr.group.get", err)
		}
		if !got.Exists || got.Schedule || got.HoursReplicated != 0 || len(got.Members) != 1 || len(got.Folders) != 1 ||
			len(got.Folders[0].Memberships) != 1 || !strings.EqualFold(got.Folders[0].Memberships[0].ContentPath, r.path("share")) {
			return failf("dfsr.group.get: %+v", got)
		}
		return nil
	}},
	{Op: agent.DFSRGroupSet.Name, Needs: NeedsServer, Name: "a member listed twice or a relative content path is invalid_params", Run: func(ctx context.Context, r *Run) error {
		// Fixed names: the case runs without --dfs-server too.
		folder := func(path string) []agent.DFSRFolder {
			return []agent.DFSRFolder{{Name: "scratch", Memberships: []agent.DFSRMembership{{Member: "server1", ContentPath: path}}}}
		}
		for _, s := range []agent.DFSRGroupSettings{
			{Members: []string{"server1", "SERVER1"}, Folders: folder(`C:\x`), Connections: []agent.DFSRConnection{}},
			{Members: []string{"server1"}, Folders: folder(`share\x`), Connections: []agent.DFSRConnection{}},
		} {
			_, err := r.C.DFSRGroupSet(ctx, agent.DFSRGroupSetParams{Name: dfsrGroup, DFSRGroupSettings: s})
			if e := wantCode(err, agent.CodeInvalidParams); e != nil {
				return failf("%+v: %v", s, e)
			}
		}
		return nil
	}},
	{Op: agent.DFSRGroupGet.Name, Needs: NeedsDFS, Name: "a missing group does not exist and has empty lists (not null)", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.DFSRGroupGet(ctx, SharePrefix+"missing")
		if err != nil || got.Exists || got.Members == nil || got.Folders == nil || got.Connections == nil {
			return failf("%+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.DFSRBacklogGet.Name, Needs: NeedsDFS, Name: "the backlog of a missing group is group_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.DFSRBacklogGet(ctx, agent.DFSRBacklogGetParams{Group: SharePrefix + "missing", Folder: "scratch", Source: r.DFSServer, Destination: r.DFSServer})
		return wantCode(err, agent.CodeGroupNotFound)
	}},
	{Op: agent.DFSRGroupRemove.Name, Needs: NeedsDFS, Name: "removes a group once, then reports nothing to remove", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.C.DFSRGroupSet(ctx, agent.DFSRGroupSetParams{Name: dfsrGroup, DFSRGroupSettings: r.dfsrSettings(r.path("share"))}); err != nil {
			return step("dfsr.group.set", err)
		}
		return twice("dfsr.group.remove", "existed", func() (bool, error) {
			res, err := r.C.DFSRGroupRemove(ctx, dfsrGroup)
			return res.Existed, err
		})
	}},
}
