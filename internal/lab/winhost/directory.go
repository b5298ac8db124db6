package winhost

import (
	"errors"
	"regexp"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/addir"
)

// The ActiveDirectory module (RSAT-AD-PowerShell) and the domain it talks
// to: the directory is shared by every host (see addir), as every member
// of the domain sees the same accounts.

// JoinDirectory installs the ActiveDirectory module on the host, bound to
// the domain's directory d.
func (h *Host) JoinDirectory(d *addir.Directory) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dir = d
}

// agent.ps1's Test-WinfsComputerName and Test-WinfsSpn.
var (
	computerName = regexp.MustCompile(`\A[A-Za-z0-9][A-Za-z0-9-]{0,14}\z`)
	spnPattern   = regexp.MustCompile(`\A[A-Za-z0-9_.-]+/[^\s/@]+(/[^\s/@]+)?\z`)
)

func checkComputers(names []string) *agent.Error {
	for _, c := range names {
		if !computerName.MatchString(c) {
			return agent.Errorf(agent.CodeInvalidParams, "invalid computer %q: a computer account name without the $, e.g. SERVER1", c)
		}
	}
	return nil
}

// directoryFor checks the computer names of a request, then returns the
// domain's directory: agent.ps1 checks its params before the module.
func (h *Host) directoryFor(computers []string) (*addir.Directory, *agent.Error) {
	if err := checkComputers(computers); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dir == nil {
		return nil, agent.Errorf(agent.CodeADUnavailable, "the ActiveDirectory module (RSAT-AD-PowerShell) is not installed on %s", h.ComputerName())
	}
	return h.dir, nil
}

func accountSPNs(d *addir.Directory, computer string) ([]string, *agent.Error) {
	spns, err := d.SPNs(computer)
	if err != nil {
		return nil, agent.Errorf(agent.CodeComputerNotFound, "no computer account %s in the domain", computer)
	}
	return spns, nil
}

func (h *Host) adSPNList(p agent.ADSPNListParams) (agent.ADSPNListResult, *agent.Error) {
	res := agent.ADSPNListResult{Accounts: []agent.ADComputerSPNs{}}
	d, aerr := h.directoryFor(p.Computers)
	if aerr != nil {
		return res, aerr
	}
	for _, c := range p.Computers {
		spns, err := accountSPNs(d, c)
		if err != nil {
			return agent.ADSPNListResult{}, err
		}
		res.Accounts = append(res.Accounts, agent.ADComputerSPNs{Computer: c, SPNs: spns})
	}
	return res, nil
}

// selectSPNs is agent.ps1's Select-WinfsSpns.
func selectSPNs(wanted, held []string, present bool) []string {
	out := []string{}
	for _, w := range wanted {
		has := false
		for _, s := range held {
			has = has || strings.EqualFold(w, s)
		}
		if has == present {
			out = append(out, w)
		}
	}
	return out
}

func (h *Host) adSPNMove(p agent.ADSPNMoveParams) (agent.ADSPNMoveResult, *agent.Error) {
	res := agent.ADSPNMoveResult{Removed: []agent.ADComputerSPNs{}, Added: []string{}}
	for _, s := range p.SPNs {
		if !spnPattern.MatchString(s) {
			return res, agent.Errorf(agent.CodeInvalidParams, "invalid SPN %q: service class/host, e.g. HOST/files.corp.example.com", s)
		}
	}
	named := p.Release
	if p.Computer != "" {
		named = append([]string{p.Computer}, p.Release...)
	}
	d, aerr := h.directoryFor(named)
	if aerr != nil {
		return res, aerr
	}
	// Removals first, so that no SPN is ever on two accounts.
	for _, r := range p.Release {
		if strings.EqualFold(r, p.Computer) {
			continue
		}
		spns, err := accountSPNs(d, r)
		if err != nil {
			return res, err
		}
		if held := selectSPNs(p.SPNs, spns, true); len(held) > 0 {
			if err := d.Modify(r, nil, held); err != nil {
				return res, agent.Errorf(agent.CodeInternal, "%v", err)
			}
			res.Removed = append(res.Removed, agent.ADComputerSPNs{Computer: r, SPNs: held})
		}
	}
	if p.Computer == "" {
		return res, nil
	}
	spns, err := accountSPNs(d, p.Computer)
	if err != nil {
		return res, err
	}
	if missing := selectSPNs(p.SPNs, spns, false); len(missing) > 0 {
		var dup *addir.DuplicateError
		if err := d.Modify(p.Computer, missing, nil); errors.As(err, &dup) {
			return res, agent.Errorf(agent.CodeSPNDuplicate, "another account already holds one of %s: %v", strings.Join(missing, ", "), err)
		} else if err != nil {
			return res, agent.Errorf(agent.CodeInternal, "%v", err)
		}
		res.Added = missing
	}
	return res, nil
}
