package windows

import (
	"context"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// ComputerName is the host's NetBIOS name, which is also the name of its
// computer account in the domain (without the $).
func (c *Client) ComputerName(ctx context.Context) (string, error) {
	h, err := c.Hello(ctx)
	return h.ComputerName, err
}

// ADSPNList reads the SPNs of computer accounts through the host's
// ActiveDirectory module.
func (c *Client) ADSPNList(ctx context.Context, computers []string) (agent.ADSPNListResult, error) {
	res, err := call(ctx, c, agent.ADSPNList, agent.ADSPNListParams{Computers: computers})
	return res, err
}

// ADSPNMove puts SPNs on one account after taking them off the released
// ones. After a write of unknown outcome it reads the accounts back: when
// they are as asked that is success; otherwise the move is made once more
// (it states an end state, so a second run only finishes the first).
func (c *Client) ADSPNMove(ctx context.Context, p agent.ADSPNMoveParams) (agent.ADSPNMoveResult, error) {
	return checkedWrite(ctx, c, agent.ADSPNMove, p, func() (agent.ADSPNMoveResult, bool, error) {
		accounts := append([]string{}, p.Release...)
		if p.Computer != "" {
			accounts = append(accounts, p.Computer)
		}
		got, err := c.ADSPNList(ctx, accounts)
		if err != nil || !SPNsPlaced(got, p) {
			return agent.ADSPNMoveResult{}, false, err
		}
		c.log(ctx, LevelDebug, "SPN move of unknown outcome had been applied", map[string]any{"computer": p.Computer})
		return agent.ADSPNMoveResult{Removed: []agent.ADComputerSPNs{}, Added: []string{}}, true, nil
	})
}

// SPNsPlaced says whether the accounts listed hold p's SPNs as the move
// leaves them: all on p.Computer (when set), none on a released account.
func SPNsPlaced(list agent.ADSPNListResult, p agent.ADSPNMoveParams) bool {
	for _, a := range list.Accounts {
		target := p.Computer != "" && strings.EqualFold(a.Computer, p.Computer)
		for _, s := range p.SPNs {
			if HoldsSPN(a.SPNs, s) != target {
				return false
			}
		}
	}
	return true
}

// HoldsSPN compares SPNs as the directory does: without regard to case.
func HoldsSPN(spns []string, spn string) bool {
	for _, s := range spns {
		if strings.EqualFold(s, spn) {
			return true
		}
	}
	return false
}
