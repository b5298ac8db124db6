package windows

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// ServiceGet reads one service.
func (c *Client) ServiceGet(ctx context.Context, name string) (agent.Service, error) {
	res, err := call(ctx, c, agent.ServiceGet, agent.ServiceGetParams{Name: name})
	return res.Service, err
}

// ServiceSet sets a service's start type and state; setting them twice
// changes nothing the second time, so it is sent again after a broken session.
func (c *Client) ServiceSet(ctx context.Context, p agent.ServiceSetParams) (agent.ServiceSetResult, error) {
	return repeat(ctx, c, agent.ServiceSet, p)
}

// ServiceRestart restarts a service and its running dependents. It is
// sent once: a second restart is a second outage for clients, so a lost
// answer is reported (ErrOutcomeUnknown), not repeated.
func (c *Client) ServiceRestart(ctx context.Context, name string) (agent.ServiceRestartResult, error) {
	return call(ctx, c, agent.ServiceRestart, agent.ServiceRestartParams{Name: name})
}
