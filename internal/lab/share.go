package lab

import (
	"fmt"
	"sort"
	"strings"
)

// The alias must lead clients to the shares: when some server serves data
// shares, the server the alias points at must serve every one of them. In
// the middle of a failover no server serves them (removed before the
// volume moves), so this only fires when clients really would be sent to
// the wrong server: an alias switch that failed or was never made.
func aliasServesShares(l *Lab) []Violation {
	if l.dns == nil {
		return nil
	}
	target, _, ok := l.dns.zone.CNAME(AliasName)
	if !ok {
		return nil // the dns.alias invariant reports a missing alias
	}
	aliasHost := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(target), "."), "."+strings.TrimSuffix(DNSZone, "."))
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
