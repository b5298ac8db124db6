package winhost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

// The handlers do what 70-dfs.ps1 does with the DFSN cmdlets, in the same
// order, against the store the path names.

// validUNC: \\host\share[\rest] with at least minParts components, none empty
// and no wildcard or reserved character (Test-WinfsUnc).
func validUNC(s string, minParts int) bool {
	rest, ok := strings.CutPrefix(s, `\\`)
	if !ok {
		return false
	}
	parts := strings.Split(rest, `\`)
	if len(parts) < minParts {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, `*?[]"<>|/:`) {
			return false
		}
	}
	return true
}

func dfsPath(path string, minParts int) *agent.Error {
	if !validUNC(path, minParts) {
		return agent.Errorf(agent.CodeInvalidParams, `invalid path %q: a UNC path, e.g. \\corp.example.com\files\Finance`, path)
	}
	return nil
}

func dfsTTL(ttl int64) *agent.Error {
	if ttl < 1 || ttl > agent.MaxDFSTTL {
		return agent.Errorf(agent.CodeInvalidParams, "invalid ttl %d: 1 to 2147483647 seconds", ttl)
	}
	return nil
}

// dfsRoleCheck: the DFSN cmdlets need the DFS Namespace service (Dfs),
// which depends on Server (services.go).
func (h *Host) dfsRoleCheck() *agent.Error {
	if !h.ServiceRunning("Dfs") {
		return agent.Errorf(agent.CodeDFSUnavailable, "the DFS Namespace service (Dfs) is not running on %s", h.ComputerName())
	}
	return nil
}

// dfsStoreFor is the store of a path, or the error the cmdlets give for a
// server or domain that cannot be reached.
func (h *Host) dfsStoreFor(path string) (*dfsn.Store, *agent.Error) {
	s := h.dfsStore(path)
	if s == nil {
		return nil, agent.Errorf(agent.CodeInternal, "cannot reach the namespace server of %s", path)
	}
	return s, nil
}

// storeError: what the handlers check first leaves only races (another
// writer between the read and the write), which the cmdlets report as
// their own failures.
func storeError(err error) *agent.Error {
	return agent.Errorf(agent.CodeInternal, "%v", err)
}

func (h *Host) dfsNamespaceGet(p agent.DFSNamespaceGetParams) (agent.DFSNamespaceGetResult, *agent.Error) {
	if err := dfsPath(p.Path, 2); err != nil {
		return agent.DFSNamespaceGetResult{}, err
	}
	if err := h.dfsRoleCheck(); err != nil {
		return agent.DFSNamespaceGetResult{}, err
	}
	res := agent.DFSNamespaceGetResult{DFSNamespaceSettings: agent.DFSNamespaceSettings{RootTargets: []string{}}}
	s := h.dfsStore(p.Path)
	if s == nil {
		return res, nil // Get-DfsnRoot fails; the agent reads any failure as "missing"
	}
	r, ok := s.Root(p.Path)
	if !ok {
		return res, nil
	}
	res.Exists = true
	res.DFSNamespaceSettings = agent.DFSNamespaceSettings{
		Type: r.Type, RootTargets: r.Targets, TTL: int64(r.TTL),
		TargetFailback: r.TargetFailback, SiteCosting: r.SiteCosting, InsiteReferrals: r.InsiteReferrals,
	}
	return res, nil
}

func (h *Host) dfsNamespaceSet(p agent.DFSNamespaceSetParams) (agent.DFSNamespaceSetResult, *agent.Error) {
	if err := dfsPath(p.Path, 2); err != nil {
		return agent.DFSNamespaceSetResult{}, err
	}
	if !slices.Contains(agent.DFSTypes, p.Type) {
		return agent.DFSNamespaceSetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid type: domain_v2 or standalone")
	}
	if len(p.RootTargets) == 0 {
		return agent.DFSNamespaceSetResult{}, agent.Errorf(agent.CodeInvalidParams, `invalid root_targets: at least one \\server\share`)
	}
	want := map[string]string{}
	for _, t := range p.RootTargets {
		if !validUNC(t, 2) {
			return agent.DFSNamespaceSetResult{}, agent.Errorf(agent.CodeInvalidParams, `invalid root target %q: a UNC path \\server\share`, t)
		}
		k := agent.DFSTargetKey(t)
		if _, dup := want[k]; dup {
			return agent.DFSNamespaceSetResult{}, agent.Errorf(agent.CodeDFSConflict, "root target %s is listed twice", t)
		}
		want[k] = t
	}
	if err := dfsTTL(p.TTL); err != nil {
		return agent.DFSNamespaceSetResult{}, err
	}
	if err := h.dfsRoleCheck(); err != nil {
		return agent.DFSNamespaceSetResult{}, err
	}
	s, aerr := h.dfsStoreFor(p.Path)
	if aerr != nil {
		return agent.DFSNamespaceSetResult{}, aerr
	}
	// A domain root's path names the domain, a standalone root's its server
	// (New-DfsnRoot -Type); the cmdlet refuses the other combination.
	domainPath := s == h.dfsDomainStore()
	if domainPath != (p.Type == agent.DFSTypeDomainV2) {
		return agent.DFSNamespaceSetResult{}, agent.Errorf(agent.CodeInvalidParams, "invalid path %q for a %s namespace: a domain namespace is \\\\domain\\name, a standalone one \\\\server\\name", p.Path, p.Type)
	}
	res := agent.DFSNamespaceSetResult{}
	cur, exists := s.Root(p.Path)
	if !exists {
		r := dfsn.Root{Path: p.Path, Type: p.Type, Targets: []string{p.RootTargets[0]}, TTL: uint32(p.TTL),
			TargetFailback: p.TargetFailback, SiteCosting: p.SiteCosting, InsiteReferrals: p.InsiteReferrals}
		if err := s.NewRoot(r); err != nil {
			return res, storeError(err)
		}
		h.record("dfs.root.create", p.Path)
		res.Created = true
		cur, _ = s.Root(p.Path)
	} else if cur.Type != p.Type {
		return res, agent.Errorf(agent.CodeDFSConflict, "%s is a %s namespace; the type of a namespace cannot change", p.Path, cur.Type)
	}
	have := map[string]string{}
	for _, t := range cur.Targets {
		have[agent.DFSTargetKey(t)] = t
	}
	changed := false
	err := s.UpdateRoot(p.Path, func(r *dfsn.Root) error {
		for _, t := range p.RootTargets { // New-DfsnRootTarget
			if _, ok := have[agent.DFSTargetKey(t)]; !ok {
				r.Targets = append(r.Targets, t)
				changed = true
			}
		}
		if r.TTL != uint32(p.TTL) || r.TargetFailback != p.TargetFailback || r.SiteCosting != p.SiteCosting || r.InsiteReferrals != p.InsiteReferrals {
			changed = true
		}
		r.TTL, r.TargetFailback, r.SiteCosting, r.InsiteReferrals = uint32(p.TTL), p.TargetFailback, p.SiteCosting, p.InsiteReferrals
		kept := r.Targets[:0] // Remove-DfsnRootTarget
		for _, t := range r.Targets {
			if _, ok := want[agent.DFSTargetKey(t)]; ok {
				kept = append(kept, t)
			} else {
				changed = true
			}
		}
		r.Targets = kept
		return nil
	})
	if err != nil {
		return res, storeError(err)
	}
	if changed && !res.Created {
		h.record("dfs.root.set", p.Path)
	}
	return res, nil
}

func (h *Host) dfsDomainStore() *dfsn.Store {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dfs.domain
}

func (h *Host) dfsNamespaceRemove(p agent.DFSNamespaceRemoveParams) (agent.DFSNamespaceRemoveResult, *agent.Error) {
	existed, err := h.dfsRemove(p.Path, 2, (*dfsn.Store).RemoveRoot, "dfs.root.remove")
	return agent.DFSNamespaceRemoveResult{Existed: existed}, err
}

// dfsRemove removes the root or folder at path (parts components) with
// remove, on the store the path lives in, and records event when it
// existed. A missing one is not an error: the contract's remove succeeds
// with Existed false.
func (h *Host) dfsRemove(path string, parts int, remove func(*dfsn.Store, string) bool, event string) (bool, *agent.Error) {
	if err := dfsPath(path, parts); err != nil {
		return false, err
	}
	if err := h.dfsRoleCheck(); err != nil {
		return false, err
	}
	s := h.dfsStore(path)
	if s == nil || !remove(s, path) {
		return false, nil
	}
	h.record(event, path)
	return true, nil
}

func (h *Host) dfsFolderGet(p agent.DFSFolderGetParams) (agent.DFSFolderGetResult, *agent.Error) {
	if err := dfsPath(p.Path, 3); err != nil {
		return agent.DFSFolderGetResult{}, err
	}
	if err := h.dfsRoleCheck(); err != nil {
		return agent.DFSFolderGetResult{}, err
	}
	res := agent.DFSFolderGetResult{DFSFolderSettings: agent.DFSFolderSettings{Targets: []agent.DFSTarget{}}}
	s := h.dfsStore(p.Path)
	if s == nil {
		return res, nil
	}
	f, ok := s.Folder(p.Path)
	if !ok {
		return res, nil
	}
	res.Exists, res.TTL, res.TargetFailback = true, int64(f.TTL), f.TargetFailback
	for _, t := range f.Targets {
		res.Targets = append(res.Targets, agent.DFSTarget{Path: t.Path, State: t.State, PriorityClass: t.Class, PriorityRank: int64(t.Rank)})
	}
	return res, nil
}

// checkDFSTargets checks the targets of dfs.folder.set as Read-WinfsDfsTargets.
func checkDFSTargets(targets []agent.DFSTarget) *agent.Error {
	if len(targets) == 0 {
		return agent.Errorf(agent.CodeInvalidParams, "invalid targets: at least one target")
	}
	seen := map[string]bool{}
	for _, t := range targets {
		if !validUNC(t.Path, 2) {
			return agent.Errorf(agent.CodeInvalidParams, `invalid target %q: a UNC path \\server\share`, t.Path)
		}
		if !slices.Contains(agent.DFSStates, t.State) {
			return agent.Errorf(agent.CodeInvalidParams, "invalid state %q of %s: online or offline", t.State, t.Path)
		}
		if !slices.Contains(agent.DFSPriorityClassNames(), t.PriorityClass) {
			return agent.Errorf(agent.CodeInvalidParams, "invalid priority_class of %s: site_cost_normal, global_high, site_cost_high, site_cost_low or global_low", t.Path)
		}
		if t.PriorityRank < 0 || t.PriorityRank > agent.MaxDFSPriorityRank {
			return agent.Errorf(agent.CodeInvalidParams, "invalid priority_rank %d of %s: 0 to 31", t.PriorityRank, t.Path)
		}
		k := agent.DFSTargetKey(t.Path)
		if seen[k] {
			return agent.Errorf(agent.CodeDFSConflict, "target %s is listed twice (names differ only in case or domain suffix)", t.Path)
		}
		seen[k] = true
	}
	return nil
}

func (h *Host) dfsFolderSet(p agent.DFSFolderSetParams) (agent.DFSFolderSetResult, *agent.Error) {
	if err := dfsPath(p.Path, 3); err != nil {
		return agent.DFSFolderSetResult{}, err
	}
	if err := dfsTTL(p.TTL); err != nil {
		return agent.DFSFolderSetResult{}, err
	}
	if err := checkDFSTargets(p.Targets); err != nil {
		return agent.DFSFolderSetResult{}, err
	}
	if err := h.dfsRoleCheck(); err != nil {
		return agent.DFSFolderSetResult{}, err
	}
	s := h.dfsStore(p.Path)
	if s == nil {
		return agent.DFSFolderSetResult{}, agent.Errorf(agent.CodeNamespaceNotFound, "namespace of %s does not exist", p.Path)
	}
	ns, _, _ := strings.Cut(strings.TrimPrefix(p.Path, `\\`), `\`)
	rest := strings.SplitN(strings.TrimPrefix(p.Path, `\\`), `\`, 3)
	rootPath := `\\` + ns + `\` + rest[1]
	if _, ok := s.Root(rootPath); !ok {
		return agent.DFSFolderSetResult{}, agent.Errorf(agent.CodeNamespaceNotFound, "namespace %s does not exist", rootPath)
	}
	res := agent.DFSFolderSetResult{}
	if _, ok := s.Folder(p.Path); !ok {
		first := p.Targets[0]
		f := dfsn.Folder{Path: p.Path, TTL: uint32(p.TTL), TargetFailback: p.TargetFailback, Targets: []dfsn.Target{labTarget(first)}}
		if err := s.NewFolder(f); err != nil {
			return res, storeError(err)
		}
		h.record("dfs.folder.create", fmt.Sprintf("%s -> %s", p.Path, first.Path))
		res.Created = true
	}
	want := map[string]bool{}
	var changes []string
	err := s.UpdateFolder(p.Path, func(f *dfsn.Folder) error {
		for _, w := range p.Targets {
			want[agent.DFSTargetKey(w.Path)] = true
			i := slices.IndexFunc(f.Targets, func(t dfsn.Target) bool { return agent.DFSTargetKey(t.Path) == agent.DFSTargetKey(w.Path) })
			if i < 0 { // New-DfsnFolderTarget
				f.Targets = append(f.Targets, labTarget(w))
				changes = append(changes, "add "+w.Path)
				continue
			}
			// Set-DfsnFolderTarget on the target as stored: its spelling stays.
			nt := labTarget(w)
			nt.Path = f.Targets[i].Path
			if f.Targets[i] != nt {
				f.Targets[i] = nt
				changes = append(changes, fmt.Sprintf("set %s %s %s %d", nt.Path, nt.State, nt.Class, nt.Rank))
			}
		}
		if f.TTL != uint32(p.TTL) || f.TargetFailback != p.TargetFailback { // Set-DfsnFolder
			f.TTL, f.TargetFailback = uint32(p.TTL), p.TargetFailback
			changes = append(changes, fmt.Sprintf("ttl %d failback %t", p.TTL, p.TargetFailback))
		}
		return nil
	})
	if err != nil {
		return res, storeError(err)
	}
	cur, _ := s.Folder(p.Path)
	for _, t := range cur.Targets { // Remove-DfsnFolderTarget
		if !want[agent.DFSTargetKey(t.Path)] {
			if err := s.RemoveFolderTarget(p.Path, t.Path); err != nil {
				return res, storeError(err)
			}
			changes = append(changes, "remove "+t.Path)
		}
	}
	if len(changes) > 0 {
		h.record("dfs.folder.set", p.Path+": "+strings.Join(changes, "; "))
	}
	return res, nil
}

func labTarget(t agent.DFSTarget) dfsn.Target {
	return dfsn.Target{Path: t.Path, State: t.State, Class: t.PriorityClass, Rank: uint32(t.PriorityRank)}
}

func (h *Host) dfsFolderRemove(p agent.DFSFolderRemoveParams) (agent.DFSFolderRemoveResult, *agent.Error) {
	existed, err := h.dfsRemove(p.Path, 3, (*dfsn.Store).RemoveFolder, "dfs.folder.remove")
	return agent.DFSFolderRemoveResult{Existed: existed}, err
}
