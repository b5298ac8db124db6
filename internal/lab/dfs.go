package lab

import (
	"fmt"
	"sort"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

// The lab's Active Directory domain, as DFS names it: domain-based
// namespaces are \\corp.example.com\name or \\CORP\name.
const (
	domainDNS     = "corp.example.com"
	domainNetBIOS = "CORP"
)

// joinDFS gives every server the domain's DFS directory (one store: domain
// roots live in Active Directory) and a store of its own for standalone
// roots, which each server keeps in its registry.
func (l *Lab) joinDFS() {
	l.dfsDomain = dfsn.NewStore()
	l.dfsLocal = map[string]*dfsn.Store{}
	for name := range l.servers {
		l.dfsLocal[name] = dfsn.NewStore()
	}
	local := l.dfsLocal
	lookup := func(name string) *dfsn.Store { return local[name] }
	for _, s := range l.servers {
		s.host.JoinDFS(domainDNS, domainNetBIOS, l.dfsDomain, lookup)
	}
}

// DFSDomain is the domain's DFS directory: its roots and folders as every
// namespace server sees them.
func (l *Lab) DFSDomain() *dfsn.Store { return l.dfsDomain }

// dfsTargetsServe: every online target of a namespace folder must serve
// the share it names, or clients referred to it fail over for nothing
// (or, with every target so, lose the folder). Judged, like the alias,
// while no agent runs: a Terraform run may add a target a moment before
// its share.
func dfsTargetsServe(l *Lab) []Violation {
	if l.dfsDomain == nil || l.agents.Load() > 0 {
		return nil
	}
	stores := []*dfsn.Store{l.dfsDomain}
	names := make([]string, 0, len(l.dfsLocal))
	for n := range l.dfsLocal {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		stores = append(stores, l.dfsLocal[n])
	}
	var out []Violation
	for _, st := range stores {
		for _, f := range st.Folders() {
			for _, t := range f.Targets {
				if t.State != "online" {
					continue
				}
				server := dfsn.TargetHost(t.Path)
				share, _, _ := strings.Cut(dfsn.TargetShare(t.Path), `\`)
				h := l.Host(server)
				switch {
				case h == nil:
					out = append(out, Violation{DFSTargetsServe, fmt.Sprintf("%s: target %s names no server of the lab", f.Path, t.Path)})
				case h.Down() || !h.Serves(share):
					out = append(out, Violation{DFSTargetsServe, fmt.Sprintf("%s: target %s is online but %s does not serve share %q", f.Path, t.Path, server, share)})
				}
			}
		}
	}
	return out
}
