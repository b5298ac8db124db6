package provider

import (
	"fmt"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// plannedScopes remembers, for one Terraform command, the scope of every
// share set planned on each server, so that two sets of one configuration
// whose scopes overlap are refused at plan time: each owns every share
// under its scope, so each apply would delete the other's shares. Sets in
// other states are not visible here; on the server they look like shares
// added by hand, which the plan shows as drift.
type plannedScopes struct {
	mu   sync.Mutex
	sets map[string][]plannedScope // by server endpoint
}

type plannedScope struct {
	server string
	roots  []string
	value  string // the whole planned set: identical declarations do not fight
}

// claim records a planned set and returns the scope of an earlier one that
// overlaps it on the same endpoint, if any.
func (p *plannedScopes) claim(endpoint, server string, roots []string, value string) (plannedScope, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sets == nil {
		p.sets = map[string][]plannedScope{}
	}
	for _, other := range p.sets[endpoint] {
		if other.value == value && other.server == server {
			return plannedScope{}, "", false
		}
		for _, a := range roots {
			for _, b := range other.roots {
				if smbshare.UnderRoot(a, b) || smbshare.UnderRoot(b, a) {
					return other, a, true
				}
			}
		}
	}
	p.sets[endpoint] = append(p.sets[endpoint], plannedScope{server: server, roots: roots, value: value})
	return plannedScope{}, "", false
}

func (s plannedScope) describe(root string) string {
	return fmt.Sprintf("scope root %s overlaps the scope %s of another winfs_smb_share_set on %s in this configuration. "+
		"A share set owns every share under its scope, so each apply would remove the other's shares and the next would create them again. "+
		"Give each set roots that do not overlap (X:\\Finance and X:\\Sales, not X:\\ and X:\\Finance), or declare the shares in one set.",
		root, strings.Join(s.roots, ", "), s.server)
}

// systemScopeProblem refuses scope roots on the system drive that hold
// Windows' own shares (NETLOGON and SYSVOL under C:\Windows on a domain
// controller, printer drivers, the administrative shares): a set there
// would delete them as shares it does not declare.
func systemScopeProblem(root string) string {
	f := smbshare.Fold(root)
	if f == `C:\` || f == `C:\WINDOWS` || strings.HasPrefix(f, `C:\WINDOWS\`) {
		return fmt.Sprintf(`scope root %q is on the system drive where Windows keeps its own shares (NETLOGON, SYSVOL, print$); `+
			`a share set there would delete them. Use a data volume (X:\) or a folder of its own such as C:\Shares`, root)
	}
	return ""
}
