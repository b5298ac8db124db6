package windows

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// ServerStatus reads the file-server state of the host in one round trip:
// the given services (agent.FileServerServices when nil), the mount points
// of its data volumes and its shares. It only reads, so a broken session is
// retried like any read.
func (c *Client) ServerStatus(ctx context.Context, services []string) (agent.ServerStatusResult, error) {
	if services == nil {
		services = agent.FileServerServices
	}
	res, err := call(ctx, c, agent.ServerStatus, agent.ServerStatusParams{Services: services})
	return res, err
}
