// Package lundata holds what is written on the lab's SAN LUNs: the
// partition table, each partition's file system, label, NTFS dirty bit and
// files. It belongs to the LUN, not to a host, so the lab shares one Store
// between all hosts: a file written on server1 is there on server2 after a
// failover, and a dirty bit left by a crash on server1 is what server2 finds.
package lundata

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"sort"
	"sync"
)

// MSRSize is the size of the Microsoft Reserved Partition Windows puts at
// the start of every GPT disk it initialises.
const MSRSize = 128 << 20

// Partition is one partition as written on the LUN.
type Partition struct {
	Number     int
	Type       string // "Basic" (data) or "Reserved" (MSR)
	GUID       string // GPT partition GUID, lower case, no braces
	Size       int64
	FileSystem string // "NTFS" for data partitions, "" for the MSR
	Label      string
	Dirty      bool
	Damage     Damage // what an NTFS check finds beyond the dirty bit
	Logged     bool   // an online scan logged Damage in the volume's $Corrupt file
	// FileCount is how many files the volume holds for the cost of its
	// checks (Files holds only the few the lab reads and writes): by
	// default one per MiB of partition, a file server's typical mix.
	FileCount int64
	Files     map[string]string // path below the volume root ("Finance\a.txt") -> content
}

// Damage is the corruption an NTFS check finds on a volume.
type Damage int

const (
	// NoDamage: a check finds nothing (the dirty bit alone may be set).
	NoDamage Damage = iota
	// SpotDamage: corruptions an online scan logs and a spot-fix repairs.
	SpotDamage
	// DeepDamage: corruption only an offline full repair (chkdsk /F) fixes.
	DeepDamage
)

// defaultFileCount is FileCount's default: one file per MiB.
func defaultFileCount(size int64) int64 { return size >> 20 }

type lun struct {
	parts []*Partition
}

// Store is the content of every LUN, keyed by serial. Safe for concurrent use.
type Store struct {
	mu   sync.Mutex
	luns map[string]*lun
}

// New returns an empty store.
func New() *Store { return &Store{luns: map[string]*lun{}} }

// get returns the LUN, formatting it on first use the way a Windows admin
// would have: GPT, an MSR, and one NTFS data partition named after the serial.
func (s *Store) get(serial string, size int64) *lun {
	l := s.luns[serial]
	if l == nil {
		l = &lun{parts: []*Partition{
			{Number: 1, Type: "Reserved", GUID: PartitionGUID(serial, 1), Size: MSRSize},
			{Number: 2, Type: "Basic", GUID: PartitionGUID(serial, 2), Size: max(size-MSRSize, 0), FileSystem: "NTFS", Label: "DATA-" + serial,
				FileCount: defaultFileCount(max(size-MSRSize, 0)), Files: map[string]string{}},
		}}
		s.luns[serial] = l
	}
	return l
}

// Partitions returns a copy of the LUN's partitions (formatting it on first use).
func (s *Store) Partitions(serial string, size int64) []Partition {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Partition
	for _, p := range s.get(serial, size).parts {
		c := *p
		c.Files = maps.Clone(p.Files)
		out = append(out, c)
	}
	return out
}

// AddDataPartition splits nothing: it appends another NTFS data partition
// of size bytes, for scenarios with more than one volume on a LUN.
func (s *Store) AddDataPartition(serial string, lunSize, size int64, label string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.get(serial, lunSize)
	n := len(l.parts) + 1
	l.parts = append(l.parts, &Partition{Number: n, Type: "Basic", GUID: PartitionGUID(serial, n), Size: size, FileSystem: "NTFS", Label: label,
		FileCount: defaultFileCount(size), Files: map[string]string{}})
	return n
}

func (s *Store) part(serial string, number int) *Partition {
	l := s.luns[serial]
	if l == nil {
		return nil
	}
	for _, p := range l.parts {
		if p.Number == number {
			return p
		}
	}
	return nil
}

// SetDirty sets or clears a data partition's NTFS dirty bit.
func (s *Store) SetDirty(serial string, number int, dirty bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	if p == nil || p.Type != "Basic" {
		return false
	}
	p.Dirty = dirty
	return true
}

// Dirty reads a partition's dirty bit.
func (s *Store) Dirty(serial string, number int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	return p != nil && p.Dirty
}

// Update changes a data partition's check state (dirty bit, damage, log,
// file count) under the store's lock; false when there is no such data
// partition.
func (s *Store) Update(serial string, number int, change func(p *Partition)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	if p == nil || p.Type != "Basic" {
		return false
	}
	files := p.Files
	change(p)
	p.Files = files
	return true
}

// WriteFile stores a file on a data partition.
func (s *Store) WriteFile(serial string, number int, path, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	if p == nil || p.Type != "Basic" {
		return fmt.Errorf("LUN %s has no data partition %d", serial, number)
	}
	p.Files[path] = content
	return nil
}

// RemoveFile deletes a file from a data partition (a write undone).
func (s *Store) RemoveFile(serial string, number int, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.part(serial, number); p != nil {
		delete(p.Files, path)
	}
}

// ReadFile reads a file from a data partition.
func (s *Store) ReadFile(serial string, number int, path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	if p == nil {
		return "", false
	}
	c, ok := p.Files[path]
	return c, ok
}

// FileNames lists a data partition's files, sorted.
func (s *Store) FileNames(serial string, number int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(serial, number)
	if p == nil {
		return nil
	}
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PartitionGUID is the GPT partition GUID written on the LUN: derived from
// the serial so that it is stable across lab runs.
func PartitionGUID(serial string, number int) string {
	return guidFrom(fmt.Sprintf("partition|%s|%d", serial, number))
}

// VolumeGUID is the volume GUID a host gives a partition: Windows mints one
// per machine, so the same partition has another GUID on every host; it is
// derived from host, serial and partition so it is stable per host and LUN.
func VolumeGUID(host, serial string, number int) string {
	return guidFrom(fmt.Sprintf("volume|%s|%s|%d", host, serial, number))
}

// guidFrom formats the first 16 bytes of a hash as a version 4 style GUID.
func guidFrom(seed string) string {
	b := sha256.Sum256([]byte(seed))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
