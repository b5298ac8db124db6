// Package array is the lab's SAN array: LUNs with serial numbers and sizes,
// initiator groups (one per Windows host), LUN mappings, and a CLI in the
// style of NetApp Data ONTAP 7-mode (dialect "ontap7", telnet or SSH), of
// the clustered ONTAP 9 clustershell (dialect "ontap", SSH) or of an HP MSA
// (dialect "msa", telnet or SSH). Every map and unmap is recorded on the lab timeline with
// host "array".
//
// The hook for the Windows host model: PresentedTo(host) lists the LUNs the
// array presents to a host (through any igroup whose Host is that host),
// and Subscribe registers a callback run after every map or unmap. A host
// sees a presented LUN's disk after its next rescan; that is the host
// model's business, not the array's.
package array

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// LUN is a logical unit on the array.
type LUN struct {
	Path   string `json:"path"`   // /vol/vol1/files_x (ontap7 name)
	Serial string `json:"serial"` // what Windows shows as the disk's serial number
	Size   int64  `json:"size"`   // bytes
}

// Name is the LUN's short name (the last path element), which the MSA
// dialect calls the volume name.
func (l LUN) Name() string { return l.Path[strings.LastIndex(l.Path, "/")+1:] }

// IGroup is an initiator group: the iSCSI initiators of one host.
type IGroup struct {
	Name       string   `json:"name"`
	Host       string   `json:"host"` // lab server the initiators belong to
	Initiators []string `json:"initiators"`
}

// Mapping presents a LUN to an igroup under a LUN ID.
type Mapping struct {
	LUN    string `json:"lun"`
	IGroup string `json:"igroup"`
	ID     int    `json:"id"`
}

// Change is what Subscribe callbacks receive.
type Change struct {
	Kind    string // "map" or "unmap"
	Mapping Mapping
	Host    string // the igroup's host
}

// MaxLUNID is the highest LUN ID ontap7 accepts.
const MaxLUNID = 4095

// Errors of the model; the CLIs turn them into their own wording.
var (
	ErrNoLUN        = errors.New("no such LUN")
	ErrNoIGroup     = errors.New("no such initiator group")
	ErrIDInUse      = errors.New("LUN ID already in use in the initiator group")
	ErrAlreadyMap   = errors.New("LUN already mapped to the initiator group")
	ErrNotMapped    = errors.New("LUN not mapped to the initiator group")
	ErrIDOutOfRange = errors.New("LUN ID out of range")
)

// Config configures an array.
type Config struct {
	Hostname string // shown in the banner, prompt and EMS lines; default filer1
	Cluster  string // the ONTAP 9 cluster name in the clustershell prompt; default cluster1
	Vserver  string // the one SVM holding the LUNs in the clustershell; default svm1
	Username string
	Password string
	Timeline *timeline.Timeline
	Now      func() time.Time // EMS timestamps; default time.Now
}

// Array is the emulated array. All methods are safe for concurrent use.
type Array struct {
	cfg Config

	mu       sync.Mutex
	luns     map[string]LUN
	igroups  map[string]IGroup
	mappings []Mapping
	faults   Faults
	subs     []func(Change)
	servers  []*server
	latency  struct{ rtt, command time.Duration } // the lab's model, not a fault
	stats    Stats
	hostKey  ssh.Signer      // the SSH server's key, made on first use
	userKeys []ssh.PublicKey // public keys that may log in as Username
}

// New returns an empty array.
func New(cfg Config) *Array {
	if cfg.Hostname == "" {
		cfg.Hostname = "filer1"
	}
	if cfg.Cluster == "" {
		cfg.Cluster = "cluster1"
	}
	if cfg.Vserver == "" {
		cfg.Vserver = "svm1"
	}
	if cfg.Timeline == nil {
		cfg.Timeline = timeline.New()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Array{cfg: cfg, luns: map[string]LUN{}, igroups: map[string]IGroup{}}
}

// Hostname is the array's name.
func (a *Array) Hostname() string { return a.cfg.Hostname }

// Vserver is the SVM the clustershell keeps the LUNs in.
func (a *Array) Vserver() string { return a.cfg.Vserver }

// AddLUN creates a LUN.
func (a *Array) AddLUN(l LUN) {
	a.mu.Lock()
	a.luns[l.Path] = l
	a.mu.Unlock()
}

// AddIGroup creates an initiator group.
func (a *Array) AddIGroup(g IGroup) {
	a.mu.Lock()
	a.igroups[g.Name] = g
	a.mu.Unlock()
}

// LUNs lists the LUNs by path.
func (a *Array) LUNs() []LUN {
	a.mu.Lock()
	defer a.mu.Unlock()
	return byKey(a.luns)
}

// byKey lists a map's values in the order of their keys (a LUN's path, an
// igroup's name).
func byKey[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// LUN returns one LUN by path.
func (a *Array) LUN(path string) (LUN, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.luns[path]
	return l, ok
}

// lunByName finds a LUN by its short name (MSA volume name).
func (a *Array) lunByName(name string) (LUN, bool) {
	for _, l := range a.LUNs() {
		if l.Name() == name {
			return l, true
		}
	}
	return LUN{}, false
}

// IGroups lists the initiator groups by name.
func (a *Array) IGroups() []IGroup {
	a.mu.Lock()
	defer a.mu.Unlock()
	return byKey(a.igroups)
}

// Mappings lists every mapping, by LUN then igroup.
func (a *Array) Mappings() []Mapping {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sortedMappings()
}

func (a *Array) sortedMappings() []Mapping {
	out := append([]Mapping(nil), a.mappings...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].LUN != out[j].LUN {
			return out[i].LUN < out[j].LUN
		}
		return out[i].IGroup < out[j].IGroup
	})
	return out
}

// Map maps a LUN to an igroup. id < 0 picks the lowest free ID in the
// igroup, as the filer does. Like a real filer, the array itself does not
// refuse a second igroup: keeping one host per LUN is the client's job, and
// the lab's invariant checker reports it.
func (a *Array) Map(lun, igroup string, id int) (Mapping, error) {
	a.mu.Lock()
	g, err := a.igroupForLocked(lun, igroup)
	if err != nil {
		a.mu.Unlock()
		return Mapping{}, err
	}
	used := map[int]bool{}
	for _, m := range a.mappings {
		if m.IGroup != igroup {
			continue
		}
		if m.LUN == lun {
			a.mu.Unlock()
			return m, ErrAlreadyMap
		}
		used[m.ID] = true
	}
	switch {
	case id > MaxLUNID:
		a.mu.Unlock()
		return Mapping{}, ErrIDOutOfRange
	case id >= 0 && used[id]:
		a.mu.Unlock()
		return Mapping{}, ErrIDInUse
	case id < 0:
		for id = 0; used[id]; id++ {
		}
	}
	m := Mapping{LUN: lun, IGroup: igroup, ID: id}
	a.mappings = append(a.mappings, m)
	a.announceAndUnlock("map", m, g.Host)
	return m, nil
}

// igroupForLocked is the check Map and Unmap start with (a.mu held): the
// LUN and the igroup exist. It returns the igroup.
func (a *Array) igroupForLocked(lun, igroup string) (IGroup, error) {
	if _, ok := a.luns[lun]; !ok {
		return IGroup{}, ErrNoLUN
	}
	g, ok := a.igroups[igroup]
	if !ok {
		return IGroup{}, ErrNoIGroup
	}
	return g, nil
}

// announceAndUnlock records a map or unmap (kind) on the timeline while
// a.mu is still held, so the timeline order is the state order, then
// releases the lock and tells the subscribers.
func (a *Array) announceAndUnlock(kind string, m Mapping, host string) {
	subs := append([]func(Change){}, a.subs...)
	// The command's modelled cost (the CLI session sleeps it before the
	// answer) is on the event: the array spends it from here on.
	a.cfg.Timeline.RecordCost("array", "lun."+kind, FormatEvent(m), a.latency.rtt+a.latency.command)
	a.mu.Unlock()
	for _, f := range subs {
		f(Change{Kind: kind, Mapping: m, Host: host})
	}
}

// Unmap removes a LUN's mapping to an igroup.
func (a *Array) Unmap(lun, igroup string) (Mapping, error) {
	a.mu.Lock()
	g, err := a.igroupForLocked(lun, igroup)
	if err != nil {
		a.mu.Unlock()
		return Mapping{}, err
	}
	for i, m := range a.mappings {
		if m.LUN == lun && m.IGroup == igroup {
			a.mappings = append(a.mappings[:i], a.mappings[i+1:]...)
			a.announceAndUnlock("unmap", m, g.Host)
			return m, nil
		}
	}
	a.mu.Unlock()
	return Mapping{}, ErrNotMapped
}

// Subscribe runs f after every map and unmap (outside the array's lock).
func (a *Array) Subscribe(f func(Change)) {
	a.mu.Lock()
	a.subs = append(a.subs, f)
	a.mu.Unlock()
}

// PresentedTo lists the LUNs the array presents to a lab host, through
// any igroup of that host, by path.
func (a *Array) PresentedTo(host string) []LUN {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[string]bool{}
	var out []LUN
	for _, m := range a.sortedMappings() {
		if a.igroups[m.IGroup].Host == host && !seen[m.LUN] {
			seen[m.LUN] = true
			out = append(out, a.luns[m.LUN])
		}
	}
	return out
}

// DoubleMapped lists, by LUN path, the igroups of every LUN that is mapped
// to more than one igroup right now: the state safety rule "one host per LUN" forbids.
func (a *Array) DoubleMapped() map[string][]string {
	out := map[string][]string{}
	for _, m := range a.Mappings() {
		out[m.LUN] = append(out[m.LUN], m.IGroup)
	}
	for k, v := range out {
		if len(v) < 2 {
			delete(out, k)
		}
	}
	return out
}

// FormatEvent is the timeline detail of a map or unmap event:
// "<lun> igroup=<igroup> id=<id>". ParseEvent reads it back.
func FormatEvent(m Mapping) string {
	return fmt.Sprintf("%s igroup=%s id=%d", m.LUN, m.IGroup, m.ID)
}

// ParseEvent reads a FormatEvent detail.
func ParseEvent(detail string) (Mapping, bool) {
	var m Mapping
	f := strings.Fields(detail)
	if len(f) != 3 || !strings.HasPrefix(f[1], "igroup=") || !strings.HasPrefix(f[2], "id=") {
		return m, false
	}
	m.LUN, m.IGroup = f[0], strings.TrimPrefix(f[1], "igroup=")
	_, err := fmt.Sscanf(strings.TrimPrefix(f[2], "id="), "%d", &m.ID)
	return m, err == nil
}

// ReplayDoubleMappings replays the lun.map/lun.unmap events of a timeline
// from a known starting set of mappings and reports every moment a LUN was
// mapped to two igroups at once, with the event's sequence number. A
// snapshot check cannot see a map-then-unmap move; this can.
func ReplayDoubleMappings(start []Mapping, events []timeline.Event) []string {
	held := map[string]map[string]bool{}
	add := func(m Mapping) {
		if held[m.LUN] == nil {
			held[m.LUN] = map[string]bool{}
		}
		held[m.LUN][m.IGroup] = true
	}
	for _, m := range start {
		add(m)
	}
	var out []string
	for _, ev := range events {
		if ev.Host != "array" {
			continue
		}
		m, ok := ParseEvent(ev.Detail)
		if !ok {
			continue
		}
		switch ev.Kind {
		case "lun.map":
			add(m)
			if len(held[m.LUN]) > 1 {
				groups := make([]string, 0, len(held[m.LUN]))
				for g := range held[m.LUN] {
					groups = append(groups, g)
				}
				sort.Strings(groups)
				out = append(out, fmt.Sprintf("event %d: %s mapped to %s at once", ev.Seq, m.LUN, strings.Join(groups, " and ")))
			}
		case "lun.unmap":
			delete(held[m.LUN], m.IGroup)
		}
	}
	return out
}

// Timeline is where the array records its events.
func (a *Array) Timeline() *timeline.Timeline { return a.cfg.Timeline }
