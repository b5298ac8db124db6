package winhost

import (
	"regexp"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsr"
)

// The handlers do what 75-dfsr.ps1 does with the DFSR cmdlets, in the same
// order, against the domain's replication groups.

var (
	dfsrName       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$`)
	dfsrMember     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)
	dfsrLocalPath  = regexp.MustCompile(`^[A-Za-z]:\\([^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*)?$`)
	hoursOfAlways  = agent.DFSRHoursAlways
	errNoDFSRRole  = "the DFS Replication service (DFSR) is not running on %s"
	errBadDFSRName = "invalid %s %q: letters, digits, space, \".\", \"_\" and \"-\""
)

// dfsrGroupStore checks a group name and returns the store it lives in.
func (h *Host) dfsrGroupStore(name string) (*dfsr.Store, *agent.Error) {
	if err := checkDFSRName("name", name); err != nil {
		return nil, err
	}
	return h.dfsrStore()
}

func (h *Host) dfsrStore() (*dfsr.Store, *agent.Error) {
	h.mu.Lock()
	s := h.dfs.replication
	h.mu.Unlock()
	if s == nil {
		return nil, agent.Errorf(agent.CodeDFSRUnavailable, errNoDFSRRole, h.ComputerName())
	}
	return s, nil
}

func checkDFSRName(field, v string) *agent.Error {
	if !dfsrName.MatchString(v) {
		return agent.Errorf(agent.CodeInvalidParams, errBadDFSRName, field, v)
	}
	return nil
}

func checkDFSRMember(field, v string) *agent.Error {
	if !dfsrMember.MatchString(v) {
		return agent.Errorf(agent.CodeInvalidParams, "invalid %s %q: a computer name, e.g. server1", field, v)
	}
	return nil
}

func groupResult(g dfsr.Group) agent.DFSRGroupGetResult {
	res := agent.DFSRGroupGetResult{Exists: true, HoursReplicated: int64(g.HoursReplicated)}
	res.Members = append([]string{}, g.Members...)
	res.Folders = []agent.DFSRFolder{}
	for _, f := range g.Folders {
		out := agent.DFSRFolder{Name: f.Name, Memberships: []agent.DFSRMembership{}}
		for _, m := range g.Members {
			if p, ok := f.Paths[dfsr.Fold(m)]; ok {
				out.Memberships = append(out.Memberships, agent.DFSRMembership{Member: m, ContentPath: p})
			}
		}
		res.Folders = append(res.Folders, out)
	}
	res.Connections = []agent.DFSRConnection{}
	for _, c := range g.Connections {
		res.Connections = append(res.Connections, agent.DFSRConnection{A: c[0], B: c[1]})
	}
	res.Schedule = g.HoursReplicated == hoursOfAlways
	return res
}

func (h *Host) dfsrGroupGet(p agent.DFSRGroupGetParams) (agent.DFSRGroupGetResult, *agent.Error) {
	s, aerr := h.dfsrGroupStore(p.Name)
	if aerr != nil {
		return agent.DFSRGroupGetResult{}, aerr
	}
	g, ok := s.Get(p.Name)
	if !ok {
		return agent.DFSRGroupGetResult{DFSRGroupSettings: agent.DFSRGroupSettings{Members: []string{}, Folders: []agent.DFSRFolder{}, Connections: []agent.DFSRConnection{}}}, nil
	}
	return groupResult(g), nil
}

// checkDFSRSettings is Read-WinfsDfsrSettings.
func checkDFSRSettings(p agent.DFSRGroupSetParams) *agent.Error {
	if len(p.Members) == 0 {
		return agent.Errorf(agent.CodeInvalidParams, "invalid members: at least one computer name")
	}
	seen := map[string]bool{}
	for _, m := range p.Members {
		if err := checkDFSRMember("member", m); err != nil {
			return err
		}
		if seen[dfsr.Fold(m)] {
			return agent.Errorf(agent.CodeInvalidParams, "member %s is listed twice", m)
		}
		seen[dfsr.Fold(m)] = true
	}
	for _, f := range p.Folders {
		if err := checkDFSRName("name", f.Name); err != nil {
			return err
		}
		for _, ms := range f.Memberships {
			if err := checkDFSRMember("member", ms.Member); err != nil {
				return err
			}
			if !dfsrLocalPath.MatchString(ms.ContentPath) {
				return agent.Errorf(agent.CodeInvalidParams, `invalid content_path %q: an absolute local path, e.g. D:\Finance`, ms.ContentPath)
			}
			if !seen[dfsr.Fold(ms.Member)] {
				return agent.Errorf(agent.CodeInvalidParams, "content_path of %s, which is no member", ms.Member)
			}
		}
	}
	for _, c := range p.Connections {
		if !seen[dfsr.Fold(c.A)] || !seen[dfsr.Fold(c.B)] || dfsr.Fold(c.A) == dfsr.Fold(c.B) {
			return agent.Errorf(agent.CodeInvalidParams, "invalid connection %s - %s: two different members", c.A, c.B)
		}
	}
	return nil
}

func (h *Host) dfsrGroupSet(p agent.DFSRGroupSetParams) (agent.DFSRGroupSetResult, *agent.Error) {
	if err := checkDFSRName("name", p.Name); err != nil {
		return agent.DFSRGroupSetResult{}, err
	}
	if err := checkDFSRSettings(p); err != nil {
		return agent.DFSRGroupSetResult{}, err
	}
	s, aerr := h.dfsrStore()
	if aerr != nil {
		return agent.DFSRGroupSetResult{}, aerr
	}
	res := agent.DFSRGroupSetResult{}
	g, ok := s.Get(p.Name)
	if !ok { // New-DfsReplicationGroup: a new group has the Always schedule
		g = dfsr.Group{Name: p.Name, HoursReplicated: hoursOfAlways}
		res.Created = true
	}
	before := groupResult(g)
	for _, m := range p.Members { // Add-DfsrMember
		if !slices.ContainsFunc(g.Members, func(x string) bool { return dfsr.Fold(x) == dfsr.Fold(m) }) {
			g.Members = append(g.Members, m)
		}
	}
	for _, f := range p.Folders { // New-DfsReplicatedFolder, Set-DfsrMembership -ContentPath
		i := slices.IndexFunc(g.Folders, func(x dfsr.Folder) bool { return dfsr.Fold(x.Name) == dfsr.Fold(f.Name) })
		if i < 0 {
			g.Folders = append(g.Folders, dfsr.Folder{Name: f.Name, Paths: map[string]string{}})
			i = len(g.Folders) - 1
		}
		for _, ms := range f.Memberships {
			g.Folders[i].Paths[dfsr.Fold(ms.Member)] = ms.ContentPath
		}
	}
	for _, c := range p.Connections { // Add-DfsrConnection (both ways)
		if !g.Connected(c.A, c.B) {
			g.Connections = append(g.Connections, [2]string{c.A, c.B})
		}
	}
	if p.Schedule { // Set-DfsrGroupSchedule -ScheduleType Always or Never
		g.HoursReplicated = hoursOfAlways
	} else {
		g.HoursReplicated = 0
	}
	want := agent.DFSRGroupSettings{Members: p.Members, Connections: p.Connections}
	g.Connections = slices.DeleteFunc(g.Connections, func(c [2]string) bool { // Remove-DfsrConnection
		return !slices.ContainsFunc(want.Connections, func(w agent.DFSRConnection) bool {
			return dfsr.Group{Connections: [][2]string{{w.A, w.B}}}.Connected(c[0], c[1])
		})
	})
	g.Folders = slices.DeleteFunc(g.Folders, func(f dfsr.Folder) bool { // Remove-DfsReplicatedFolder
		return !slices.ContainsFunc(p.Folders, func(w agent.DFSRFolder) bool { return dfsr.Fold(w.Name) == dfsr.Fold(f.Name) })
	})
	g.Members = slices.DeleteFunc(g.Members, func(m string) bool { // Remove-DfsrMember
		return !slices.ContainsFunc(want.Members, func(w string) bool { return dfsr.Fold(w) == dfsr.Fold(m) })
	})
	for i := range g.Folders { // a removed member's memberships go with it
		for k := range g.Folders[i].Paths {
			if !slices.ContainsFunc(g.Members, func(m string) bool { return dfsr.Fold(m) == k }) {
				delete(g.Folders[i].Paths, k)
			}
		}
	}
	s.Put(g)
	switch {
	case res.Created:
		h.record("dfsr.group.create", p.Name)
	case !sameGroup(before, groupResult(g)):
		h.record("dfsr.group.set", p.Name)
	}
	return res, nil
}

func sameGroup(a, b agent.DFSRGroupGetResult) bool {
	key := func(r agent.DFSRGroupGetResult) string {
		var parts []string
		parts = append(parts, strings.Join(r.Members, ","))
		for _, f := range r.Folders {
			for _, m := range f.Memberships {
				parts = append(parts, f.Name+"/"+m.Member+"="+m.ContentPath)
			}
		}
		for _, c := range r.Connections {
			parts = append(parts, c.A+"-"+c.B)
		}
		parts = append(parts, strings.Repeat("h", int(r.HoursReplicated)))
		return strings.Join(parts, ";")
	}
	return key(a) == key(b)
}

func (h *Host) dfsrGroupRemove(p agent.DFSRGroupRemoveParams) (agent.DFSRGroupRemoveResult, *agent.Error) {
	s, aerr := h.dfsrGroupStore(p.Name)
	if aerr != nil {
		return agent.DFSRGroupRemoveResult{}, aerr
	}
	if !s.Remove(p.Name) {
		return agent.DFSRGroupRemoveResult{}, nil
	}
	h.record("dfsr.group.remove", p.Name)
	return agent.DFSRGroupRemoveResult{Existed: true}, nil
}

func (h *Host) dfsrBacklogGet(p agent.DFSRBacklogGetParams) (agent.DFSRBacklogGetResult, *agent.Error) {
	for _, f := range [][2]string{{"group", p.Group}, {"folder", p.Folder}} {
		if err := checkDFSRName(f[0], f[1]); err != nil {
			return agent.DFSRBacklogGetResult{}, err
		}
	}
	for _, f := range [][2]string{{"source", p.Source}, {"destination", p.Destination}} {
		if err := checkDFSRMember(f[0], f[1]); err != nil {
			return agent.DFSRBacklogGetResult{}, err
		}
	}
	s, aerr := h.dfsrStore()
	if aerr != nil {
		return agent.DFSRBacklogGetResult{}, aerr
	}
	if _, ok := s.Get(p.Group); !ok {
		return agent.DFSRBacklogGetResult{}, agent.Errorf(agent.CodeGroupNotFound, "no replication group %s", p.Group)
	}
	h.mu.Lock()
	backlog := h.dfs.backlog
	h.mu.Unlock()
	n, err := backlog(p.Group, p.Folder, p.Source, p.Destination)
	if err != nil {
		return agent.DFSRBacklogGetResult{}, agent.Errorf(agent.CodeInternal, "%v", err)
	}
	// Get-DfsrBacklog lists at most 100 updates.
	if n >= agent.MaxDFSRBacklogListed {
		return agent.DFSRBacklogGetResult{Files: agent.MaxDFSRBacklogListed, AtLeast: true}, nil
	}
	return agent.DFSRBacklogGetResult{Files: int64(n)}, nil
}
