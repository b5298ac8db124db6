package lab

import (
	"fmt"
	"sort"
	"strings"
)

// The alias must lead clients to the shares: when some server serves data
// shares, the server the alias points at must serve every one of them.
// This is judged when the estate is meant to be stable: while no PowerShell
// process runs on any server, that is, no Terraform command (or other
// agent client) is at work. In the middle of a failover the new server
// serves the shares a moment before the alias moves to it (the alias can
// only follow the shares); clients see that as the failover's outage,
// which the client probe measures. Once the command has ended, a violation
// is an alias switch that failed or was never made.
func aliasServesShares(l *Lab) []Violation {
	if l.dns == nil || l.agents.Load() > 0 {
		return nil
	}
	target, _, ok := l.dns.zone.CNAME(AliasName)
	if !ok {
		return nil // the dns.alias invariant reports a missing alias
	}
	aliasHost, _ := l.serverOf(target)
	var missing []string
	for _, name := range l.ServerNames() {
		if name == aliasHost {
			continue
		}
		for _, s := range l.Host(name).Shares() {
			if s.Special || !s.Available {
				continue
			}
			if h := l.Host(aliasHost); h == nil || !h.Serves(s.Name) {
				missing = append(missing, fmt.Sprintf("%q (served by %s)", s.Name, name))
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return []Violation{{Invariant: AliasServesShares, Detail: fmt.Sprintf("%s points at %s, which does not serve %s: clients of \\\\files cannot open them",
		AliasName, target, strings.Join(missing, ", "))}}
}
