package lab

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

// The client probe acts as a Windows client opening \\files\<share>: it
// resolves the alias over the wire on every open (no client DNS cache:
// WinClient models the caches of a real client), connects to the address
// the alias leads to and opens the share on the server that answers there. The data lives on the LUN, so what is
// written before a failover is read back after it.

// Stages of a probe failure; ProbeError.Stage.
const (
	ProbeStageInput = "input" // the request itself is wrong
	ProbeStageDNS   = "dns"   // the alias does not resolve
	ProbeStageHost  = "host"  // the server is down, unreachable or not a lab server
	ProbeStageAuth  = "auth"  // the session setup fails: no usable Kerberos ticket for the alias
	ProbeStageShare = "share" // the server does not serve the share, or its volume is gone
	ProbeStageFile  = "file"  // the share is there, the file is not
)

// ProbeError is why a client could not open a share or a file. Reason is
// short and stable (it groups outage windows); Err has the details.
type ProbeError struct {
	Stage  string
	Reason string
	Err    error
}

func (e *ProbeError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *ProbeError) Unwrap() error { return e.Err }

func probeErr(stage string, err error, format string, args ...any) *ProbeError {
	return &ProbeError{Stage: stage, Reason: fmt.Sprintf(format, args...), Err: err}
}

// ProbeWrite writes content to \\files\<share>\<path>.
func (l *Lab) ProbeWrite(share, path, content string) error {
	h, local, err := l.probeOpen(AliasName, share, path)
	if err != nil {
		return err
	}
	if err := h.WriteFile(local, content); err != nil {
		return probeErr(ProbeStageShare, err, `\\%s\%s: cannot write %s`, aliasLabel(AliasName), share, path)
	}
	return nil
}

// ProbeRead reads \\files\<share>\<path>.
func (l *Lab) ProbeRead(share, path string) (string, error) {
	h, local, err := l.probeOpen(AliasName, share, path)
	if err != nil {
		return "", err
	}
	content, ok := h.ReadFile(local)
	if !ok {
		// Tell a missing file from a volume that vanished under the share.
		if _, lerr := h.ListDir(local[:strings.LastIndex(local, `\`)]); lerr != nil {
			return "", probeErr(ProbeStageShare, lerr, `\\%s\%s: the share's volume is not there on %s`, aliasLabel(AliasName), share, h.Name())
		}
		return "", probeErr(ProbeStageFile, nil, `\\%s\%s\%s: file not found`, aliasLabel(AliasName), share, path)
	}
	return content, nil
}

// probeShare opens a share and lists its root: what a client's
// "dir \\files\share" needs to succeed.
func (l *Lab) probeShare(alias, share string) error {
	h, local, err := l.probeOpen(alias, share, "")
	if err != nil {
		return err
	}
	if _, err := h.ListDir(local); err != nil {
		return probeErr(ProbeStageShare, err, `%s does not serve share %q: its volume is not there`, h.Name(), share)
	}
	return nil
}

// probeOpen resolves alias, connects to its host and opens share there. It
// returns the host and the local path of path below the share (the share's
// own path when path is empty).
func (l *Lab) probeOpen(alias, share, path string) (*winhost.Host, string, error) {
	if share == "" || strings.ContainsAny(share, `\/`) {
		return nil, "", probeErr(ProbeStageInput, nil, "share name %q is not a share name", share)
	}
	rel := strings.Trim(strings.ReplaceAll(path, "/", `\`), `\`)
	for _, seg := range strings.Split(rel, `\`) {
		if seg == "." || seg == ".." {
			return nil, "", probeErr(ProbeStageInput, nil, "path %q may not contain . or ..", path)
		}
	}
	if path != "" && rel == "" {
		return nil, "", probeErr(ProbeStageInput, nil, "path %q names no file", path)
	}
	target, addrs, err := l.Resolve(alias)
	if err != nil {
		return nil, "", probeErr(ProbeStageDNS, err, "cannot resolve %s: %s", alias, dnsFailure(err))
	}
	// The client connects to the address; whichever server answers on it
	// serves the request (hostAt, shared with WinClient).
	name, _, ok := l.hostAt(addrs[0])
	if !ok {
		// A server's own address while nothing answers there: the server
		// is down or cut off, and openShareOn says which.
		for _, n := range l.ServerNames() {
			if l.hostAddr(n) == addrs[0] {
				return l.openShareOn(alias, n, share, rel)
			}
		}
		return nil, "", probeErr(ProbeStageHost, nil, "%s leads to %s (%s), where no server of the lab answers", alias, target, addrs[0])
	}
	return l.openShareOn(alias, name, share, rel)
}

// openShareOn connects to server name, asked for as asked (the alias, or
// the server's own name when a DFS referral named it), and opens share
// there, as a client does once it knows the server: the host, its Server
// service and the name it answers to, the session's Kerberos ticket, then
// the share. rel is a checked path below the share ("" for its root).
func (l *Lab) openShareOn(asked, name, share, rel string) (*winhost.Host, string, error) {
	s := l.servers[name]
	switch {
	case s == nil:
		return nil, "", probeErr(ProbeStageHost, nil, "%s is no server of the lab", name)
	case s.host.Down():
		return nil, "", probeErr(ProbeStageHost, nil, "%s is down", name)
	case s.winrm.Faults().Unreachable:
		return nil, "", probeErr(ProbeStageHost, nil, "%s does not answer (unreachable)", name)
	case !s.host.ServiceRunning("LanmanServer"):
		return nil, "", probeErr(ProbeStageHost, nil, "the Server service is not running on %s", name)
	case !strings.EqualFold(asked, name) && !s.host.AcceptsOtherNames():
		return nil, "", probeErr(ProbeStageHost, nil, "%s refuses the name %s: strict name checking is in effect (DisableStrictNameChecking not read by its Server service); clients see \"A duplicate name exists on the network\"", name, asked)
	}
	// A server asked for by its own name is reached with its own HOST/
	// names, which its account got when it joined the domain; only another
	// name (the alias) depends on where its SPNs were put.
	if !strings.EqualFold(asked, name) {
		if perr := l.probeKerberos(asked, name); perr != nil {
			return nil, "", perr
		}
	}
	if !s.host.Serves(share) {
		return nil, "", probeErr(ProbeStageShare, nil, "%s does not serve share %q", name, share)
	}
	local, ok := s.host.SharePath(share)
	if !ok {
		return nil, "", probeErr(ProbeStageShare, nil, "%s does not serve share %q", name, share)
	}
	if rel != "" {
		local = strings.TrimSuffix(local, `\`) + `\` + rel
	}
	return s.host, local, nil
}

// dnsFailure is the stable part of a resolution error, for outage reasons.
func dnsFailure(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// qualifyAlias is the name a client resolves: "" is the scenario's alias,
// and a single label gets the DNS suffix, as Windows appends it (files ->
// files.corp.example.com.).
func qualifyAlias(alias string) string {
	switch alias = strings.TrimSuffix(alias, "."); {
	case alias == "":
		return AliasName
	case !strings.Contains(alias, "."):
		alias += "." + DNSZone
	}
	return dns.CanonicalName(dns.Fqdn(alias))
}

// aliasLabel is the name a client types: files for files.corp.example.com.
func aliasLabel(alias string) string {
	label, _, _ := strings.Cut(alias, ".")
	return label
}

// ProbeReport is what the background watcher measured. Probes and Failures
// count one open of one share each. Outages are merged across shares: a
// window lasts while at least one share fails, from the first failing
// probe to the first probe after it at which every share answers again (an
// outage still open ends at the latest probe).
type ProbeReport struct {
	Alias         string         `json:"alias"`
	Shares        []string       `json:"shares"`
	Interval      time.Duration  `json:"interval"`
	Running       bool           `json:"running"`
	Started       time.Time      `json:"started"`
	Probes        int            `json:"probes"`
	Failures      int            `json:"failures"`
	Outages       []OutageWindow `json:"outages"`
	TotalOutage   time.Duration  `json:"total_outage"`
	LongestOutage time.Duration  `json:"longest_outage"`
}

// OutageWindow is one client-visible outage: the shares that failed in it
// and the distinct reasons. Open means it had not ended at the report.
type OutageWindow struct {
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Duration time.Duration `json:"duration"`
	Shares   []string      `json:"shares"`
	Reasons  []string      `json:"reasons"`
	Open     bool          `json:"open,omitempty"`
}

// maxReasons bounds a window's reasons (they are stable, so few in practice).
const maxReasons = 20

// ErrProbeRunning: StartProbe while a watcher runs.
var ErrProbeRunning = errors.New("probe: a watcher is already running; stop it first")

// DefaultProbeInterval is the watcher's interval when none is given.
const DefaultProbeInterval = 100 * time.Millisecond

type probeWatcher struct {
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	report   ProbeReport
	open     *OutageWindow // the current outage, not yet in report.Outages
	lastTick time.Time
}

// StartProbe starts the background watcher: every interval it opens every
// share in shares through alias ("" = files.corp.example.com.; a single
// label is qualified with the zone, as a client's DNS suffix) and lists
// its root, and records outage windows. Only one watcher runs at a time.
func (l *Lab) StartProbe(alias string, shares []string, interval time.Duration) error {
	alias = qualifyAlias(alias)
	if len(shares) == 0 {
		return errors.New("probe: name at least one share")
	}
	for _, s := range shares {
		if s == "" || strings.ContainsAny(s, `\/`) {
			return fmt.Errorf("probe: %q is not a share name", s)
		}
	}
	if interval < 0 {
		return errors.New("probe: the interval must not be negative")
	}
	if interval == 0 {
		interval = DefaultProbeInterval
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("probe: the lab is closed")
	}
	if l.probe != nil && l.probe.running() {
		return ErrProbeRunning
	}
	w := &probeWatcher{stop: make(chan struct{}), done: make(chan struct{}), report: ProbeReport{
		Alias: alias, Shares: slices.Clone(shares), Interval: interval, Running: true, Started: time.Now().UTC(), Outages: []OutageWindow{},
	}}
	l.probe = w
	go w.run(l)
	return nil
}

// ProbeReport is the watcher's report so far; the watcher keeps running.
// Without a watcher it is the last one's final report (zero if none ran).
func (l *Lab) ProbeReport() ProbeReport {
	w := l.watcher()
	if w == nil {
		return noProbeReport()
	}
	return w.snapshot()
}

// watcher is the running watcher, or the last one; nil if none ran.
func (l *Lab) watcher() *probeWatcher {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.probe
}

// noProbeReport is the report when no watcher ran: empty lists, not null.
func noProbeReport() ProbeReport { return ProbeReport{Shares: []string{}, Outages: []OutageWindow{}} }

// StopProbe stops the watcher and returns its final report (the last
// report again when it is already stopped).
func (l *Lab) StopProbe() ProbeReport {
	w := l.watcher()
	if w == nil {
		return noProbeReport()
	}
	w.halt()
	return w.snapshot()
}

// ProbeStarted says whether a watcher was ever started.
func (l *Lab) ProbeStarted() bool { return l.watcher() != nil }

func (w *probeWatcher) running() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

func (w *probeWatcher) halt() {
	w.mu.Lock()
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *probeWatcher) run(l *Lab) {
	defer close(w.done)
	defer func() {
		w.mu.Lock()
		w.report.Running = false
		w.mu.Unlock()
	}()
	t := time.NewTicker(w.report.Interval)
	defer t.Stop()
	for {
		w.tick(l)
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
	}
}

// tick opens every share at once (a DNS timeout costs one timeout per
// tick, not one per share) and records the result at the tick's start.
func (w *probeWatcher) tick(l *Lab) {
	at := time.Now().UTC()
	shares := w.report.Shares
	errs := make([]error, len(shares))
	var wg sync.WaitGroup
	for i, s := range shares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.probeShare(w.report.Alias, s)
		}()
	}
	wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastTick = at
	w.report.Probes += len(shares)
	failed := false
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed = true
		w.report.Failures++
		if w.open == nil {
			w.open = &OutageWindow{Start: at, Shares: []string{}, Reasons: []string{}}
		}
		if !slices.Contains(w.open.Shares, shares[i]) {
			w.open.Shares = append(w.open.Shares, shares[i])
		}
		reason := err.Error()
		var pe *ProbeError
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		if !slices.Contains(w.open.Reasons, reason) && len(w.open.Reasons) < maxReasons {
			w.open.Reasons = append(w.open.Reasons, reason)
		}
	}
	if !failed && w.open != nil {
		win := *w.open
		win.End = at
		win.Duration = win.End.Sub(win.Start)
		w.report.Outages = append(w.report.Outages, win)
		w.open = nil
	}
}

// snapshot is the report with the open outage, if any, ending at the
// latest probe.
func (w *probeWatcher) snapshot() ProbeReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.report
	r.Shares = slices.Clone(r.Shares)
	r.Outages = slices.Clone(r.Outages)
	if w.open != nil {
		win := *w.open
		win.Shares, win.Reasons = slices.Clone(win.Shares), slices.Clone(win.Reasons)
		win.End, win.Open = w.lastTick, true
		win.Duration = win.End.Sub(win.Start)
		r.Outages = append(r.Outages, win)
	}
	r.TotalOutage, r.LongestOutage = 0, 0
	for _, o := range r.Outages {
		r.TotalOutage += o.Duration
		r.LongestOutage = max(r.LongestOutage, o.Duration)
	}
	return r
}
