package windows

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// DFSNamespaceGet reads a namespace root.
func (c *Client) DFSNamespaceGet(ctx context.Context, path string) (agent.DFSNamespaceGetResult, error) {
	return call(ctx, c, agent.DFSNamespaceGet, agent.DFSNamespaceGetParams{Path: path})
}

// DFSNamespaceSet creates a root or brings it to the settings. The
// operation converges (the agent compares before it changes anything), so
// after a write of unknown outcome it is applied once more.
func (c *Client) DFSNamespaceSet(ctx context.Context, p agent.DFSNamespaceSetParams) (agent.DFSNamespaceSetResult, error) {
	return repeat(ctx, c, agent.DFSNamespaceSet, p)
}

// DFSNamespaceRemove removes a root and its folders; a missing root
// succeeds with Existed false.
func (c *Client) DFSNamespaceRemove(ctx context.Context, path string) (agent.DFSNamespaceRemoveResult, error) {
	return repeat(ctx, c, agent.DFSNamespaceRemove, agent.DFSNamespaceRemoveParams{Path: path})
}

// DFSFolderGet reads a folder and its targets.
func (c *Client) DFSFolderGet(ctx context.Context, path string) (agent.DFSFolderGetResult, error) {
	return call(ctx, c, agent.DFSFolderGet, agent.DFSFolderGetParams{Path: path})
}

// DFSFolderSet creates a folder or brings it and its exact targets to the
// settings; re-applied after a write of unknown outcome like DFSNamespaceSet.
func (c *Client) DFSFolderSet(ctx context.Context, p agent.DFSFolderSetParams) (agent.DFSFolderSetResult, error) {
	return repeat(ctx, c, agent.DFSFolderSet, p)
}

// DFSFolderRemove removes a folder; a missing one succeeds with Existed false.
func (c *Client) DFSFolderRemove(ctx context.Context, path string) (agent.DFSFolderRemoveResult, error) {
	return repeat(ctx, c, agent.DFSFolderRemove, agent.DFSFolderRemoveParams{Path: path})
}
