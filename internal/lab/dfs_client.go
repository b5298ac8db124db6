package lab

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

// DFSClient is one Windows client opening namespace paths
// (\\corp.example.com\files\Finance\a.txt). It behaves as the DFS client
// does ([MS-DFSC] and "How client failback works in DFS Namespaces",
// Microsoft):
//
//   - It asks a namespace server for a referral to the folder and caches
//     it for the folder's TTL. The TTL runs from when the referral was
//     received and is not renewed by use ("How referral timeouts work in
//     DFS Namespaces").
//   - It uses the target it is on (first the first of the referral) and,
//     when that target fails, the next one of the cached referral, and
//     stays there.
//   - When the referral expires it asks again. With target failback the
//     client starts again from the first target of the new referral (the
//     preferred one); without it the client keeps the target it is on as
//     long as the referral still lists it ("sticky").
//
// A guess kept here: after the last target fails the client tries the
// first ones of the referral again before it gives up.
//
// The lab has one Active Directory site: every target is in the client's
// site, so the order comes from the priority classes and ranks.
type DFSClient struct {
	l   *Lab
	now func() time.Time

	mu    sync.Mutex
	rnd   *rand.Rand
	cache map[string]*referral // by folded folder path
}

type referral struct {
	folder   string
	targets  []dfsn.Target
	expires  time.Time
	current  int
	failback bool
}

// NewDFSClient returns a client with an empty referral cache; now is its
// clock (time.Now when nil), so tests can let a TTL pass.
func (l *Lab) NewDFSClient(now func() time.Time) *DFSClient {
	if now == nil {
		now = time.Now
	}
	return &DFSClient{l: l, now: now, rnd: rand.New(rand.NewSource(time.Now().UnixNano())), cache: map[string]*referral{}}
}

// ClientClock is a DFS client's clock that a test moves on, past the
// referral TTLs, instead of waiting for them.
type ClientClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClientClock is a clock standing at t.
func NewClientClock(t time.Time) *ClientClock { return &ClientClock{t: t} }

// Now is the clock's time, for NewDFSClient.
func (c *ClientClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on by d.
func (c *ClientClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// DFSOpen is where an open of a namespace path led.
type DFSOpen struct {
	Target string // the folder target used, e.g. \\server1\Finance
	Server string // its server
}

// Write writes content to a file below a namespace folder.
func (c *DFSClient) Write(unc, content string) (DFSOpen, error) {
	return c.open(unc, func(h *winhost.Host, local string) error { return h.WriteFile(local, content) })
}

// Read reads a file below a namespace folder.
func (c *DFSClient) Read(unc string) (string, DFSOpen, error) {
	var out string
	o, err := c.open(unc, func(h *winhost.Host, local string) error {
		content, ok := h.ReadFile(local)
		if !ok {
			return probeErr(ProbeStageFile, nil, "%s: file not found on %s", unc, h.Name())
		}
		out = content
		return nil
	})
	return out, o, err
}

// Flush empties the referral cache, as dfsutil /pktflush does.
func (c *DFSClient) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache = map[string]*referral{}
}

func (c *DFSClient) open(unc string, use func(h *winhost.Host, local string) error) (DFSOpen, error) {
	store, folder, rel, err := c.l.findDFSFolder(unc)
	if err != nil {
		return DFSOpen{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ref, err := c.referralLocked(store, folder)
	if err != nil {
		return DFSOpen{}, err
	}
	var errs []string
	for i := 0; i < len(ref.targets); i++ {
		n := (ref.current + i) % len(ref.targets)
		t := ref.targets[n]
		server := dfsn.TargetHost(t.Path)
		share, below, _ := strings.Cut(dfsn.TargetShare(t.Path), `\`)
		path := strings.Trim(below+`\`+rel, `\`)
		h, local, oerr := c.l.openShareOn(server, server, share, path)
		if oerr == nil {
			oerr = use(h, local)
		}
		if oerr == nil {
			ref.current = n
			return DFSOpen{Target: t.Path, Server: server}, nil
		}
		if pe := (*ProbeError)(nil); errors.As(oerr, &pe) && pe.Stage == ProbeStageFile {
			ref.current = n // the target answers; the file is not there
			return DFSOpen{Target: t.Path, Server: server}, oerr
		}
		errs = append(errs, t.Path+": "+oerr.Error())
	}
	return DFSOpen{}, probeErr(ProbeStageHost, nil, "%s: no target of %s answers (%s)", unc, folder, strings.Join(errs, "; "))
}

// referralLocked returns the cached referral of folder, asking for a new
// one when there is none or it expired.
func (c *DFSClient) referralLocked(store *dfsn.Store, folder string) (*referral, error) {
	k := strings.ToUpper(folder)
	old := c.cache[k]
	now := c.now()
	if old != nil && now.Before(old.expires) {
		return old, nil
	}
	f, ok := store.Folder(folder)
	if !ok {
		return nil, probeErr(ProbeStageShare, nil, "%s is no namespace folder", folder)
	}
	if !c.l.namespaceServerAnswers(store, folder) {
		return nil, probeErr(ProbeStageHost, nil, "no namespace server of %s answers", folder)
	}
	shuffle := func(ts []dfsn.Target) { c.rnd.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] }) }
	ordered := dfsn.Referral(f.Targets, func(string) dfsn.Site { return dfsn.Site{InSite: true} }, dfsn.Ordering{}, shuffle)
	if len(ordered) == 0 {
		return nil, probeErr(ProbeStageShare, nil, "the referral to %s lists no target (all offline)", folder)
	}
	ref := &referral{folder: folder, targets: ordered, expires: now.Add(time.Duration(f.TTL) * time.Second), failback: f.TargetFailback}
	if old != nil && !f.TargetFailback {
		cur := old.targets[old.current].Path
		for i, t := range ordered {
			if strings.EqualFold(t.Path, cur) {
				ref.current = i
			}
		}
	}
	c.cache[k] = ref
	return ref, nil
}

// findDFSFolder splits a namespace path into the store holding its
// namespace, the folder (the longest folder path that prefixes it) and the
// path below the folder.
func (l *Lab) findDFSFolder(unc string) (*dfsn.Store, string, string, error) {
	first, _, _ := strings.Cut(strings.TrimPrefix(unc, `\\`), `\`)
	var store *dfsn.Store
	switch {
	case strings.EqualFold(first, domainDNS) || strings.EqualFold(first, domainNetBIOS):
		store = l.dfsDomain
	default:
		short, _, _ := strings.Cut(first, ".")
		store = l.dfsLocal[strings.ToLower(short)]
	}
	if store == nil || !strings.HasPrefix(unc, `\\`) {
		return nil, "", "", probeErr(ProbeStageInput, nil, "%s is not a namespace path of the lab", unc)
	}
	best := ""
	for _, f := range store.Folders() {
		p := f.Path
		if (strings.EqualFold(unc, p) || (len(unc) > len(p) && strings.EqualFold(unc[:len(p)+1], p+`\`))) && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return nil, "", "", probeErr(ProbeStageShare, nil, "%s is below no namespace folder", unc)
	}
	rel := strings.Trim(unc[len(best):], `\`)
	for _, seg := range strings.Split(rel, `\`) {
		if seg == "." || seg == ".." {
			return nil, "", "", probeErr(ProbeStageInput, nil, "path %q may not contain . or ..", unc)
		}
	}
	return store, best, rel, nil
}

// namespaceServerAnswers: a folder referral comes from a namespace server
// of the root (one of its root targets), so one of them must be up.
func (l *Lab) namespaceServerAnswers(store *dfsn.Store, folder string) bool {
	parts := strings.SplitN(strings.TrimPrefix(folder, `\\`), `\`, 3)
	r, ok := store.Root(`\\` + parts[0] + `\` + parts[1])
	if !ok {
		return false
	}
	for _, t := range r.Targets {
		if s := l.servers[dfsn.TargetHost(t)]; s != nil && !s.host.Down() && !s.winrm.Faults().Unreachable {
			return true
		}
	}
	return false
}

// String describes an open for logs.
func (o DFSOpen) String() string { return fmt.Sprintf("%s (%s)", o.Target, o.Server) }
