package lab

import (
	"fmt"
	"sync"
	"time"
)

// DFSProbe is a client working through a namespace path: every interval it
// writes a numbered line to a file below the folder and reads it back,
// noting where it went and when it could not. Its DFS client's clock runs
// Speed times faster than the wall clock, so a demo sees referral TTLs
// expire in seconds; outages are measured on the wall clock.
type DFSProbe struct {
	c        *DFSClient
	path     string
	interval time.Duration

	mu      sync.Mutex
	paused  bool   // writes paused: only reads (SetWriting)
	last    string // the last line written
	ops     int
	fails   int
	lost    int // writes read back with other content, or not at all once the write succeeded
	servers []DFSProbeMove
	outage  time.Duration
	downAt  time.Time
	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once
}

// DFSProbeMove is when the probe's writes started going to another server.
type DFSProbeMove struct {
	At     time.Time `json:"at"`
	Server string    `json:"server"`
}

// DFSProbeReport sums a probe's run.
type DFSProbeReport struct {
	Probes   int            `json:"probes"`
	Failures int            `json:"failures"`
	Lost     int            `json:"lost"`
	Outage   time.Duration  `json:"outage"`
	Moves    []DFSProbeMove `json:"moves"`
}

// StartDFSProbe starts a probe writing to path (a file below a namespace
// folder) every interval, its client's clock running speed times faster.
func (l *Lab) StartDFSProbe(path string, interval time.Duration, speed int) *DFSProbe {
	start := time.Now()
	clock := func() time.Time { return start.Add(time.Since(start) * time.Duration(speed)) }
	p := &DFSProbe{c: l.NewDFSClient(clock), path: path, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *DFSProbe) run() {
	defer close(p.done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.once(n)
		}
	}
}

func (p *DFSProbe) once(n int) {
	p.mu.Lock()
	paused, line := p.paused, p.last
	p.mu.Unlock()
	var o DFSOpen
	var err error
	if !paused || line == "" {
		line = fmt.Sprintf("probe write %d", n)
		o, err = p.c.Write(p.path, line)
	}
	got := ""
	if err == nil {
		got, o, err = p.c.Read(p.path)
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = line
	p.ops++
	if err != nil {
		p.fails++
		if p.downAt.IsZero() {
			p.downAt = now
		}
		return
	}
	if got != line {
		p.lost++
	}
	if !p.downAt.IsZero() {
		p.outage += now.Sub(p.downAt)
		p.downAt = time.Time{}
	}
	if len(p.servers) == 0 || p.servers[len(p.servers)-1].Server != o.Server {
		p.servers = append(p.servers, DFSProbeMove{At: now, Server: o.Server})
	}
}

// Report sums the run so far (an outage still going counts up to now).
func (p *DFSProbe) Report() DFSProbeReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := DFSProbeReport{Probes: p.ops, Failures: p.fails, Lost: p.lost, Outage: p.outage, Moves: append([]DFSProbeMove(nil), p.servers...)}
	if !p.downAt.IsZero() {
		r.Outage += time.Since(p.downAt)
	}
	return r
}

// SetWriting pauses (false) or resumes the probe's writes; paused, it
// only reads back its last line. DFS Replication has no distributed
// locking, so a planned switch waits for writes to drain and replicate.
func (p *DFSProbe) SetWriting(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = !on
}

// Server is where the probe's last successful write went.
func (p *DFSProbe) Server() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.servers) == 0 {
		return ""
	}
	return p.servers[len(p.servers)-1].Server
}

// Stop ends the probe (again is harmless) and returns its report.
func (p *DFSProbe) Stop() DFSProbeReport {
	p.stopped.Do(func() { close(p.stop) })
	<-p.done
	return p.Report()
}
