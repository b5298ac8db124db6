package lab

import (
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
	local := map[string]*dfsn.Store{}
	for name := range l.servers {
		local[name] = dfsn.NewStore()
	}
	lookup := func(name string) *dfsn.Store { return local[name] }
	for _, s := range l.servers {
		s.host.JoinDFS(domainDNS, domainNetBIOS, l.dfsDomain, lookup)
	}
}

// DFSDomain is the domain's DFS directory: its roots and folders as every
// namespace server sees them.
func (l *Lab) DFSDomain() *dfsn.Store { return l.dfsDomain }
