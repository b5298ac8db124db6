package windows

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// DFSRGroupGet reads a replication group.
func (c *Client) DFSRGroupGet(ctx context.Context, name string) (agent.DFSRGroupGetResult, error) {
	return call(ctx, c, agent.DFSRGroupGet, agent.DFSRGroupGetParams{Name: name})
}

// DFSRGroupSet creates a group or brings it to the settings; re-applied
// after a write of unknown outcome (it converges).
func (c *Client) DFSRGroupSet(ctx context.Context, p agent.DFSRGroupSetParams) (agent.DFSRGroupSetResult, error) {
	return repeat(ctx, c, agent.DFSRGroupSet, p)
}

// DFSRGroupRemove removes a group; a missing one succeeds with Existed false.
func (c *Client) DFSRGroupRemove(ctx context.Context, name string) (agent.DFSRGroupRemoveResult, error) {
	return repeat(ctx, c, agent.DFSRGroupRemove, agent.DFSRGroupRemoveParams{Name: name})
}

// DFSRBacklogGet counts the updates waiting to replicate from one member
// to another.
func (c *Client) DFSRBacklogGet(ctx context.Context, p agent.DFSRBacklogGetParams) (agent.DFSRBacklogGetResult, error) {
	return call(ctx, c, agent.DFSRBacklogGet, p)
}
