package windows

import (
	"context"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// DNSCNAMEGet reads the alias at a name of a zone the host's DNS Server
// role hosts, and the other record types there.
func (c *Client) DNSCNAMEGet(ctx context.Context, ref agent.DNSNameRef) (agent.DNSCNAMEGetResult, error) {
	res, err := call(ctx, c, agent.DNSCNAMEGet, agent.DNSCNAMEGetParams{DNSNameRef: ref})
	return res, err
}

// DNSCNAMESet creates the alias or replaces it in one step. After a write
// of unknown outcome it reads the alias back: already as asked is success;
// otherwise the write is applied once more.
func (c *Client) DNSCNAMESet(ctx context.Context, p agent.DNSCNAMESetParams) (agent.DNSCNAMESetResult, error) {
	return checkedWrite(ctx, c, agent.DNSCNAMESet, p, func() (agent.DNSCNAMESetResult, bool, error) {
		got, err := c.DNSCNAMEGet(ctx, p.DNSNameRef)
		if err != nil {
			return agent.DNSCNAMESetResult{}, false, err
		}
		if got.Exists && SameDNSName(got.Target, p.Target) && got.TTL == p.TTL {
			c.log(ctx, LevelDebug, "DNS write of unknown outcome had been applied", map[string]any{"zone": p.Zone, "name": p.Name})
			return agent.DNSCNAMESetResult{Replaced: true}, true, nil
		}
		c.log(ctx, LevelDebug, "DNS write of unknown outcome had not been applied; applying it", map[string]any{"zone": p.Zone, "name": p.Name})
		return agent.DNSCNAMESetResult{}, false, nil
	})
}

// DNSCNAMEDelete removes the alias; a missing one succeeds with Existed
// false. After a write of unknown outcome it re-reads like DNSCNAMESet.
func (c *Client) DNSCNAMEDelete(ctx context.Context, ref agent.DNSNameRef) (agent.DNSCNAMEDeleteResult, error) {
	return checkedWrite(ctx, c, agent.DNSCNAMEDelete, agent.DNSCNAMEDeleteParams{DNSNameRef: ref}, func() (agent.DNSCNAMEDeleteResult, bool, error) {
		got, err := c.DNSCNAMEGet(ctx, ref)
		return agent.DNSCNAMEDeleteResult{Existed: true}, !got.Exists, err
	})
}

// SameDNSName compares domain names as DNS does: case-insensitively, with
// or without the trailing dot.
func SameDNSName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}
