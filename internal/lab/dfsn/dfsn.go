// Package dfsn models DFS Namespaces metadata as the namespace servers hold
// it: roots, their root targets, folders and folder targets, with the
// errors of the DFSN cmdlets. A domain-based root lives in Active Directory
// and every host of the domain sees the same one; a standalone root lives
// in the registry of its one server. The lab gives each its own Store.
package dfsn

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Defaults of New-DfsnRoot and New-DfsnFolder without -TimeToLiveSec: 300
// seconds for a root, 1800 for a folder ("How referral timeouts work in
// DFS Namespaces", Microsoft).
const (
	DefaultRootTTL   = 300
	DefaultFolderTTL = 1800
)

// Root is one namespace root.
type Root struct {
	Path            string // as created, e.g. \\corp.example.com\files
	Type            string // agent.DFSTypeDomainV2 or agent.DFSTypeStandalone
	Targets         []string
	TTL             uint32
	TargetFailback  bool
	SiteCosting     bool
	InsiteReferrals bool
}

// Folder is one folder (a DFS link) of a root.
type Folder struct {
	Path           string // full path, as created
	TTL            uint32
	TargetFailback bool
	Targets        []Target
}

// Target is one folder target. Class is the contract's priority class name.
type Target struct {
	Path  string
	State string // online or offline
	Class string
	Rank  uint32
}

type root struct {
	Root
	folders map[string]*Folder // by folded path below the root
}

// Store is one holder of roots: the domain's directory or one server's
// registry. It is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	roots map[string]*root // by folded namespace name
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{roots: map[string]*root{}} }

// ErrNotFound is returned for a root, folder or target that does not exist.
type ErrNotFound struct{ What string }

func (e *ErrNotFound) Error() string { return e.What + " does not exist" }

// ErrExists is returned when an object to create already exists.
type ErrExists struct{ What string }

func (e *ErrExists) Error() string { return e.What + " already exists" }

// key folds a name: DFS compares namespace, folder and share names without
// regard to case, as SMB does.
func key(s string) string { return strings.ToUpper(strings.TrimRight(s, `\`)) }

// split cuts \\host\ns\rest into the namespace name and the rest.
func split(path string) (ns, rest string) {
	p := strings.TrimPrefix(path, `\\`)
	_, p, _ = strings.Cut(p, `\`)
	ns, rest, _ = strings.Cut(p, `\`)
	return ns, rest
}

// Root returns a copy of the root named by path, or false.
func (s *Store) Root(path string) (Root, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, _ := split(path)
	r := s.roots[key(ns)]
	if r == nil {
		return Root{}, false
	}
	out := r.Root
	out.Targets = append([]string(nil), r.Targets...)
	return out, true
}

// NewRoot creates a root with its first root target (New-DfsnRoot).
func (s *Store) NewRoot(r Root) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, _ := split(r.Path)
	if s.roots[key(ns)] != nil {
		return &ErrExists{"namespace " + r.Path}
	}
	r.Targets = append([]string(nil), r.Targets...)
	s.roots[key(ns)] = &root{Root: r, folders: map[string]*Folder{}}
	return nil
}

// UpdateRoot applies fn to the root (Set-DfsnRoot, New- and
// Remove-DfsnRootTarget).
func (s *Store) UpdateRoot(path string, fn func(*Root) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, _ := split(path)
	r := s.roots[key(ns)]
	if r == nil {
		return &ErrNotFound{"namespace " + path}
	}
	return fn(&r.Root)
}

// RemoveRoot removes a root and its folders (Remove-DfsnRoot -Force).
func (s *Store) RemoveRoot(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, _ := split(path)
	if s.roots[key(ns)] == nil {
		return false
	}
	delete(s.roots, key(ns))
	return true
}

func (s *Store) folderRoot(path string) (*root, string, error) {
	ns, rest := split(path)
	r := s.roots[key(ns)]
	if r == nil {
		return nil, "", &ErrNotFound{"namespace of " + path}
	}
	return r, key(rest), nil
}

// folderLocked is the folder at path with its root and key there, or
// an ErrNotFound naming what is missing.
func (s *Store) folderLocked(path string) (*root, string, *Folder, error) {
	r, k, err := s.folderRoot(path)
	if err != nil {
		return nil, "", nil, err
	}
	f := r.folders[k]
	if f == nil {
		return nil, "", nil, &ErrNotFound{"folder " + path}
	}
	return r, k, f, nil
}

// Folder returns a copy of the folder at path, or false.
func (s *Store) Folder(path string) (Folder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, k, err := s.folderRoot(path)
	if err != nil || r.folders[k] == nil {
		return Folder{}, false
	}
	f := *r.folders[k]
	f.Targets = append([]Target(nil), f.Targets...)
	return f, true
}

// Folders lists the folders of every root, sorted by path.
func (s *Store) Folders() []Folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Folder
	for _, r := range s.roots {
		for _, f := range r.folders {
			c := *f
			c.Targets = append([]Target(nil), f.Targets...)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Path) < key(out[j].Path) })
	return out
}

// NewFolder creates a folder with its first target (New-DfsnFolder).
func (s *Store) NewFolder(f Folder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, k, err := s.folderRoot(f.Path)
	if err != nil {
		return err
	}
	if r.folders[k] != nil {
		return &ErrExists{"folder " + f.Path}
	}
	f.Targets = append([]Target(nil), f.Targets...)
	r.folders[k] = &f
	return nil
}

// UpdateFolder applies fn to the folder (Set-DfsnFolder, New- and
// Set-DfsnFolderTarget).
func (s *Store) UpdateFolder(path string, fn func(*Folder) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, f, err := s.folderLocked(path)
	if err != nil {
		return err
	}
	return fn(f)
}

// RemoveFolderTarget removes one target (Remove-DfsnFolderTarget). The
// target string must match as stored, without regard to case. Removing
// the last target removes the folder, as NetDfsRemove documents ("when
// you remove the last link target, the DFS link is removed").
func (s *Store) RemoveFolderTarget(path, target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, k, f, err := s.folderLocked(path)
	if err != nil {
		return err
	}
	for i, t := range f.Targets {
		if key(t.Path) == key(target) {
			f.Targets = append(f.Targets[:i], f.Targets[i+1:]...)
			if len(f.Targets) == 0 {
				delete(r.folders, k)
			}
			return nil
		}
	}
	return &ErrNotFound{fmt.Sprintf("target %s of %s", target, path)}
}

// RemoveFolder removes a folder and its targets (Remove-DfsnFolder).
func (s *Store) RemoveFolder(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, k, err := s.folderRoot(path)
	if err != nil || r.folders[k] == nil {
		return false
	}
	delete(r.folders, k)
	return true
}

// FindTarget returns the index of target in f (as stored, without regard
// to case: the cmdlets match the TargetPath string, so a short name and an
// FQDN are two targets), or -1.
func (f *Folder) FindTarget(target string) int {
	for i, t := range f.Targets {
		if key(t.Path) == key(target) {
			return i
		}
	}
	return -1
}
