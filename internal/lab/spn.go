package lab

import (
	"fmt"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/lab/addir"
)

// The domain's computer accounts and the alias's service principal names.
// A Windows client opening \\files asks the KDC for a ticket for
// cifs/files (the KDC maps cifs to HOST through the directory's
// sPNMappings) and gets one encrypted with the key of the account that
// holds HOST/files: only that computer can accept it.

// AliasSPNs are the alias's names as the runbook registered them by hand
// on the active server (setspn -S HOST/files SERVER1): the short name
// clients type and the FQDN.
func AliasSPNs() []string {
	short, _, _ := strings.Cut(AliasName, ".")
	return []string{"HOST/" + short, "HOST/" + strings.TrimSuffix(AliasName, ".")}
}

// startDirectory creates the domain's computer accounts, one per host, and
// installs the ActiveDirectory module on every host.
func (l *Lab) startDirectory() {
	l.dir = addir.New(func(account, detail string) { l.Timeline.Record("ad", "spn.change", account+": "+detail) })
	for _, name := range l.ServerNames() {
		h := l.Host(name)
		l.dir.AddComputer(h.ComputerName())
		h.JoinDirectory(l.dir)
	}
}

// Directory is the domain's computer accounts and their SPNs.
func (l *Lab) Directory() *addir.Directory { return l.dir }

// seedAliasSPNs registers the scenario's alias SPNs on the account of the
// alias's target, as the administrator did by hand.
func (l *Lab) seedAliasSPNs(spns []string) error {
	if len(spns) == 0 {
		return nil
	}
	server, ok := l.aliasServer()
	if !ok {
		return fmt.Errorf("scenario: alias SPNs without an alias to a lab server")
	}
	return l.dir.Modify(l.Host(server).ComputerName(), spns, nil)
}

// aliasServer is the lab server the alias points at.
func (l *Lab) aliasServer() (string, bool) {
	if l.dns == nil {
		return "", false
	}
	target, _, ok := l.dns.zone.CNAME(AliasName)
	if !ok {
		return "", false
	}
	return l.serverOf(target)
}

// spnsSound is the SPN invariants: no SPN on two accounts (hard: Kerberos
// fails for the name), and the scenario's alias SPNs on the account of the
// server the alias points at (soft, as the alias check: it describes a
// failover that has not finished).
func spnsSound(l *Lab) []Violation {
	out := heldTwice(SPNOnOneAccount, l.dir.Duplicates(), func(spn, accounts string) string {
		return fmt.Sprintf("%s is on %s: the KDC cannot tell which key to use", spn, accounts)
	})
	// Where the alias's names sit is judged, as "alias serves the shares"
	// is, only while no agent runs: in a failover the names move to the new
	// server a moment before the alias can follow them, which is part of the
	// outage the client probe measures. A duplicate SPN is never transient.
	if l.agents.Load() > 0 {
		return out
	}
	server, ok := l.aliasServer()
	if !ok {
		return out
	}
	account := l.Host(server).ComputerName()
	for _, spn := range l.opts.Scenario.AliasSPNs {
		if holders := l.dir.Holders(spn); len(holders) != 1 || holders[0] != account {
			out = append(out, Violation{Invariant: AliasSPNsOnTarget, Detail: fmt.Sprintf("%s points at %s, but %s is on [%s], not on %s: clients' Kerberos tickets for the alias fail",
				AliasName, server, spn, strings.Join(holders, ", "), account)})
		}
	}
	return out
}

// probeKerberos is the SMB session setup of a client that opened \\alias
// on server: it needs a ticket for HOST/<name> encrypted for server's
// account. With no holder (or two) the KDC gives no ticket and the client
// falls back to NTLM, unless NTLM is disabled; with a holder that is
// another account the server cannot decrypt the ticket
// (KRB_AP_ERR_MODIFIED) and the session setup fails.
func (l *Lab) probeKerberos(alias, server string) *ProbeError {
	fqdn := strings.TrimSuffix(alias, ".")
	short, _, _ := strings.Cut(fqdn, ".")
	account := l.Host(server).ComputerName()
	for _, spn := range []string{"HOST/" + short, "HOST/" + fqdn} {
		holders := l.dir.Holders(spn)
		switch {
		case len(holders) == 1 && holders[0] == account:
		case len(holders) == 1:
			return probeErr(ProbeStageAuth, nil, "Kerberos: the ticket for %s is for %s, %s cannot decrypt it (KRB_AP_ERR_MODIFIED)", spn, holders[0], account)
		case l.opts.DisableNTLM:
			return probeErr(ProbeStageAuth, nil, "Kerberos: no single account holds %s and NTLM is disabled", spn)
		}
	}
	return nil
}
