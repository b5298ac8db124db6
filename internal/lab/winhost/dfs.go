package winhost

import (
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsr"
)

// dfsRole is what the host's DFS Namespaces cmdlets reach: the domain's
// roots (Active Directory, shared by every host of the domain) and the
// standalone roots of any server, its own in its registry.
type dfsRole struct {
	domainDNS, domainNetBIOS string
	domain                   *dfsn.Store
	server                   func(name string) *dfsn.Store // a server's standalone roots, nil when unknown

	// DFS Replication: the domain's groups and the backlog between two
	// members (the lab's replication); nil without the role.
	replication *dfsr.Store
	backlog     func(group, folder, source, destination string) (int, error)
}

// JoinDFSR gives the host the DFS Replication role: the domain's groups
// and the lab's backlog.
func (h *Host) JoinDFSR(groups *dfsr.Store, backlog func(group, folder, source, destination string) (int, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dfs.replication, h.dfs.backlog = groups, backlog
}

// JoinDFS attaches the host to a domain's DFS directory and to the
// standalone stores of the estate's servers (by short name).
func (h *Host) JoinDFS(domainDNS, domainNetBIOS string, domain *dfsn.Store, server func(name string) *dfsn.Store) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dfs.domainDNS, h.dfs.domainNetBIOS, h.dfs.domain, h.dfs.server = domainDNS, domainNetBIOS, domain, server
}

// dfsStore finds where the root named by a UNC path lives: the domain's
// directory when its first component names the domain (DNS or NetBIOS
// name), else the standalone store of the server it names (short name or
// FQDN in the domain). Nil when neither exists.
func (h *Host) dfsStore(path string) *dfsn.Store {
	h.mu.Lock()
	role := h.dfs
	h.mu.Unlock()
	first, _, _ := strings.Cut(strings.TrimPrefix(path, `\\`), `\`)
	if role.domain != nil && (strings.EqualFold(first, role.domainDNS) || strings.EqualFold(first, role.domainNetBIOS)) {
		return role.domain
	}
	if role.server == nil {
		return nil
	}
	short, suffix, qualified := strings.Cut(first, ".")
	if qualified && !strings.EqualFold(suffix, role.domainDNS) {
		return nil
	}
	return role.server(strings.ToLower(short))
}
