package windows

import (
	"context"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// AddressGet reads an interface and where the address is on the host.
func (c *Client) AddressGet(ctx context.Context, p agent.AddressGetParams) (agent.AddressGetResult, error) {
	return call(ctx, c, agent.AddressGet, p)
}

// AddressAdd adds a service address and waits for duplicate address
// detection. An address already there as asked is adopted, so it is sent
// again after a broken session.
func (c *Client) AddressAdd(ctx context.Context, p agent.AddressAddParams) (agent.AddressAddResult, error) {
	return repeat(ctx, c, agent.AddressAdd, p)
}

// AddressRemove takes an address off the host; removing a missing one
// changes nothing, so it is sent again after a broken session.
func (c *Client) AddressRemove(ctx context.Context, address string) (agent.AddressRemoveResult, error) {
	return repeat(ctx, c, agent.AddressRemove, agent.AddressRemoveParams{Address: address})
}
