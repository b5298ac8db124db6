package windows

import (
	"context"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// ShareList lists the shares under the scope roots (every share, special
// ones included, when scope is empty).
func (c *Client) ShareList(ctx context.Context, scope []string) (agent.ShareListResult, error) {
	return call(ctx, c, agent.ShareList, agent.ShareListParams{Scope: nonNil(scope)})
}

// ShareListLookup answers like ShareList, but from one listing of every
// share of the host (share.list with no scope) shared by the lookups of
// every scope while it is fresh (see ReadCache), filtered by the same rule
// the agent applies. Refreshes use it; the checks around a write use
// ShareList. Without a cache it is ShareList.
func (c *Client) ShareListLookup(ctx context.Context, scope []string) (agent.ShareListResult, error) {
	if c.cache == nil {
		return c.ShareList(ctx, scope)
	}
	for _, r := range scope {
		if _, err := smbshare.NormalizeRoot(r); err != nil {
			return c.ShareList(ctx, scope) // the agent's own error
		}
	}
	v, err := c.cache.Get(ctx, "shares", func(ctx context.Context) (any, error) {
		return c.ShareList(ctx, nil)
	})
	if err != nil {
		return c.ShareList(ctx, scope)
	}
	all := v.(agent.ShareListResult)
	out := agent.ShareListResult{Shares: make([]agent.ShareInfo, 0, len(all.Shares))}
	for _, s := range all.Shares {
		if len(scope) == 0 || (!s.Special && smbshare.InScope(s.Path, scope)) {
			s.Access = slices.Clone(s.Access)
			out.Shares = append(out.Shares, s)
		}
	}
	return out, nil
}

// SharePaths reports whether each path's volume is mounted and its folder exists.
func (c *Client) SharePaths(ctx context.Context, paths []string) (agent.SharePathsGetResult, error) {
	res, err := call(ctx, c, agent.SharePathsGet, agent.SharePathsGetParams{Paths: nonNil(paths)})
	return res, err
}

// ShareSet creates or updates one share to be exactly p.Share. When the
// session breaks after the request was sent, it lists the shares on a new
// agent: a share already as asked is success; otherwise it is set once more.
func (c *Client) ShareSet(ctx context.Context, p agent.ShareSetParams) (agent.ShareSetResult, error) {
	if p.Share.Access == nil {
		p.Share.Access = []agent.ShareAccess{}
	}
	return checkedWrite(ctx, c, agent.ShareSet, p, func() (agent.ShareSetResult, bool, error) {
		cur, found, err := c.findShare(ctx, p.Scope, p.Share.Name)
		if err != nil {
			return agent.ShareSetResult{}, false, err
		}
		if found && cur.Available && smbshare.Same(cur.Share, p.Share) {
			c.log(ctx, LevelDebug, "share write of unknown outcome had been applied", map[string]any{"share": p.Share.Name})
			return agent.ShareSetResult{Action: agent.ShareUpdated}, true, nil
		}
		c.log(ctx, LevelDebug, "share write of unknown outcome had not been applied; applying it", map[string]any{"share": p.Share.Name})
		return agent.ShareSetResult{}, false, nil
	})
}

// ShareRemove removes one share under the scope; a missing share is
// success with Existed false. After a write of unknown outcome it re-reads
// like ShareSet.
func (c *Client) ShareRemove(ctx context.Context, p agent.ShareRemoveParams) (agent.ShareRemoveResult, error) {
	return checkedWrite(ctx, c, agent.ShareRemove, p, func() (agent.ShareRemoveResult, bool, error) {
		_, found, err := c.findShare(ctx, p.Scope, p.Name)
		return agent.ShareRemoveResult{Existed: true}, !found, err
	})
}

func (c *Client) findShare(ctx context.Context, scope []string, name string) (agent.ShareInfo, bool, error) {
	list, err := c.ShareList(ctx, scope)
	if err != nil {
		return agent.ShareInfo{}, false, err
	}
	for _, s := range list.Shares {
		if strings.EqualFold(s.Name, name) {
			return s, true, nil
		}
	}
	return agent.ShareInfo{}, false, nil
}

// nonNil keeps an empty list an array on the wire ([] rather than null):
// agent.ps1 decodes null as a missing field.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
