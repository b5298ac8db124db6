// Package dfsr holds DFS Replication configuration as Active Directory
// holds it for a domain: replication groups, their members, replicated
// folders with each member's content path, connections and schedule.
// The replication itself (files copied between members) is the lab's.
package dfsr

import (
	"sort"
	"strings"
	"sync"
)

// Group is one replication group.
type Group struct {
	Name            string
	Members         []string // computer names as added
	Folders         []Folder
	Connections     [][2]string // pairs; each is a connection both ways
	HoursReplicated int         // of the week's 168; 0 replicates nothing
}

// Folder is one replicated folder: each member's content path, by folded
// member name; a member without one does not take part yet.
type Folder struct {
	Name  string
	Paths map[string]string
}

// Store holds the domain's replication groups; safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	groups map[string]Group
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{groups: map[string]Group{}} }

// Fold is how DFSR compares group, folder and computer names: without
// regard to case.
func Fold(s string) string { return strings.ToUpper(s) }

func clone(g Group) Group {
	out := g
	out.Members = append([]string(nil), g.Members...)
	out.Connections = append([][2]string(nil), g.Connections...)
	out.Folders = make([]Folder, len(g.Folders))
	for i, f := range g.Folders {
		paths := map[string]string{}
		for k, v := range f.Paths {
			paths[k] = v
		}
		out.Folders[i] = Folder{Name: f.Name, Paths: paths}
	}
	return out
}

// Get returns a copy of a group.
func (s *Store) Get(name string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[Fold(name)]
	return clone(g), ok
}

// Put stores a group whole (the handlers apply the cmdlets' steps to a copy).
func (s *Store) Put(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[Fold(g.Name)] = clone(g)
}

// Remove deletes a group.
func (s *Store) Remove(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.groups[Fold(name)]
	delete(s.groups, Fold(name))
	return ok
}

// Groups lists every group, sorted by name.
func (s *Store) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, clone(g))
	}
	sort.Slice(out, func(i, j int) bool { return Fold(out[i].Name) < Fold(out[j].Name) })
	return out
}

// Connected says whether the group has a connection between a and b.
func (g Group) Connected(a, b string) bool {
	for _, c := range g.Connections {
		if (Fold(c[0]) == Fold(a) && Fold(c[1]) == Fold(b)) || (Fold(c[0]) == Fold(b) && Fold(c[1]) == Fold(a)) {
			return true
		}
	}
	return false
}
