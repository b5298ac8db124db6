package conformance

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// ScratchSPNClass is the service class of the one SPN the directory cases
// create, on the server's own computer account, and remove again.
const ScratchSPNClass = "winfs-conformance"

// ownComputer is the server's computer account name, from hello.
func (r *Run) ownComputer(ctx context.Context) (string, error) {
	h, err := r.C.Hello(ctx)
	if err != nil {
		return "", step("hello", err)
	}
	return h.ComputerName, nil
}

// adAbsent turns "this server has no ActiveDirectory module" into a skip:
// the alias SPN resource needs it on one server only.
func adAbsent(err error) error {
	var ae *agent.Error
	if errors.As(err, &ae) && ae.Code == agent.CodeADUnavailable {
		return skipped("the server has no ActiveDirectory module (RSAT-AD-PowerShell)")
	}
	return err
}

func hasSPN(spns []string, spn string) bool {
	return slices.ContainsFunc(spns, func(s string) bool { return strings.EqualFold(s, spn) })
}

var directoryCases = []Case{
	{Op: agent.ADSPNList.Name, Name: "lists the server's own computer account; an unknown computer is computer_not_found", Run: func(ctx context.Context, r *Run) error {
		me, err := r.ownComputer(ctx)
		if err != nil {
			return err
		}
		res, err := r.C.ADSPNList(ctx, []string{me})
		if err != nil {
			return adAbsent(step("ad.spn.list", err))
		}
		if len(res.Accounts) != 1 || !strings.EqualFold(res.Accounts[0].Computer, me) || res.Accounts[0].SPNs == nil {
			return failf("ad.spn.list %s: %+v", me, res)
		}
		_, err = r.C.ADSPNList(ctx, []string{"WINFS-CONF-NONE"})
		return wantCode(err, agent.CodeComputerNotFound)
	}},
	{Op: agent.ADSPNMove.Name, Needs: NeedsDirectory, Name: "adds a scratch SPN to the server's own account, then removes it", Run: func(ctx context.Context, r *Run) error {
		me, err := r.ownComputer(ctx)
		if err != nil {
			return err
		}
		spn := ScratchSPNClass + "/" + strings.ToLower(me)
		res, err := r.C.ADSPNMove(ctx, agent.ADSPNMoveParams{SPNs: []string{spn}, Computer: me})
		if err != nil {
			return adAbsent(step("ad.spn.move (add)", err))
		}
		if len(res.Added) != 1 || !strings.EqualFold(res.Added[0], spn) {
			return failf("add %s: %+v", spn, res)
		}
		list, err := r.C.ADSPNList(ctx, []string{me})
		if err != nil || len(list.Accounts) != 1 || !hasSPN(list.Accounts[0].SPNs, spn) {
			return failf("after the add, %s lists %+v (%v)", me, list, err)
		}
		// Release only: the resource's delete.
		res, err = r.C.ADSPNMove(ctx, agent.ADSPNMoveParams{SPNs: []string{spn}, Release: []string{me}})
		if err != nil {
			return step("ad.spn.move (remove)", err)
		}
		if len(res.Removed) != 1 || len(res.Added) != 0 {
			return failf("remove %s: %+v", spn, res)
		}
		list, err = r.C.ADSPNList(ctx, []string{me})
		if err != nil || len(list.Accounts) != 1 || hasSPN(list.Accounts[0].SPNs, spn) {
			return failf("after the removal, %s lists %+v (%v)", me, list, err)
		}
		return nil
	}},
}
