package lab

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"time"
)

// ClientFleet is several Windows clients (WinClient) working on the
// alias's shares through a failover: one that resolves afresh (no DNS
// cache) and warm ones, whose caches were filled at moments spread over
// the alias's TTL before the fleet started (seeded, so every run draws the
// same moments). It measures each client's outage: from its first failed
// request to its next successful one, summed over the run.
//
// How the time is measured. While the failover runs (Start until Settle)
// every client sends its requests on the wall clock, at the fleet's
// interval, against the lab as it changes. Settle is called once the
// failover is over, when the lab no longer changes: from then on a request
// would get the same answer at any later instant, so the fleet steps the
// clients' clock forward by the interval without sleeping (requests still
// go to the lab, over the wire for DNS) until every client has succeeded
// again. Cache lifetimes and timeouts are thus honoured in full while a
// 60-second TTL costs milliseconds. A client warmed at instant w resolved
// the alias then: Start sends its first request dated w, which is honest
// while the alias has not changed since w (the caller starts the fleet
// before the failover).
type ClientFleet struct {
	l       *Lab
	opts    FleetOptions
	clients []*fleetClient

	stop chan struct{}
	done chan struct{}
	last time.Time // the wall-clock instant of the last live round
}

// FleetOptions configure a fleet.
type FleetOptions struct {
	Alias  string   // "" is the scenario's alias
	Shares []string // the clients work on these, in turn
	// Warm is the number of clients with warm caches (besides the one
	// that resolves afresh).
	Warm int
	// Seed draws the moments the warm clients last resolved the alias.
	Seed int64
	// Spread is how long before Start the warm clients resolved the alias,
	// at most (default: the alias's TTL, so every warm cache is still valid).
	Spread time.Duration
	// Interval between two requests of a client that works (default 100 ms).
	Interval time.Duration
	// Settings of the warm clients (default DefaultClientSettings); the
	// fresh client has the same without a DNS cache.
	Settings *ClientSettings
}

// fleetMember is one client of a fleet: a WinClient, or a DFS client
// (dfsMember).
type fleetMember interface {
	Request(at time.Time) ClientRequest
	Next() time.Time
}

type fleetClient struct {
	c        fleetMember
	share    string // what it works on
	fresh    bool
	warmedAt time.Time
	downAt   time.Time // start of the current outage (zero: working)
	outage   time.Duration
	via      string // how the client got back, after its last outage
	server   string // where its last successful request went
	reason   string // why its first failed request failed
}

// FleetReport is what a fleet measured. Warm lists every warm client's
// outage, sorted; Median and Worst are over it.
type FleetReport struct {
	Fresh       time.Duration   `json:"fresh"`
	Warm        []time.Duration `json:"warm"`
	Median      time.Duration   `json:"median"`
	Worst       time.Duration   `json:"worst"`
	Unrecovered int             `json:"unrecovered"` // clients still failing when the fleet gave up
	// Stepped is how far past the last live round the clock was stepped.
	Stepped time.Duration  `json:"stepped"`
	Clients []ClientResult `json:"clients"`
}

// ClientResult is one client's part of a fleet report.
type ClientResult struct {
	Fresh    bool          `json:"fresh"`
	Share    string        `json:"share"`
	WarmedAt time.Time     `json:"warmed_at,omitzero"` // when its cache was filled
	Outage   time.Duration `json:"outage"`
	Reason   string        `json:"reason,omitempty"` // of its first failed request
	Via      string        `json:"via,omitempty"`    // how it got back
	Server   string        `json:"server"`           // where it worked last
}

// fleetGiveUp bounds the stepping: far beyond any default cache lifetime
// or timeout of the model.
const fleetGiveUp = time.Hour

// StartClientFleet warms the clients of \\<alias>\<share> and starts them
// on the wall clock.
func (l *Lab) StartClientFleet(o FleetOptions) (*ClientFleet, error) {
	if len(o.Shares) == 0 {
		return nil, errors.New("client fleet: name at least one share")
	}
	set := DefaultClientSettings()
	if o.Settings != nil {
		set = *o.Settings
	}
	if o.Spread <= 0 {
		_, ttl, ok := l.dns.zone.CNAME(qualifyAlias(o.Alias))
		if !ok || ttl == 0 {
			return nil, fmt.Errorf("client fleet: %s is no alias with a TTL; give the spread", qualifyAlias(o.Alias))
		}
		o.Spread = time.Duration(ttl) * time.Second
	}
	fresh := set
	fresh.MaxCacheTTL, fresh.MaxNegativeCacheTTL = 0, 0
	return l.startFleet(o, func(i int) (fleetMember, string) {
		share := o.Shares[i%len(o.Shares)]
		if i == 0 {
			return l.NewWinClient(o.Alias, share, fresh), share
		}
		return l.NewWinClient(o.Alias, share, set), share
	})
}

// StartDFSClientFleet is a fleet of DFS clients reading path, a file below
// a namespace folder: the fresh one asks for a referral on every open, the
// warm ones received theirs at moments drawn from a fixed pseudo-random sequence within the folder's TTL
// (Spread's default). FleetOptions.Alias and Shares are not used.
func (l *Lab) StartDFSClientFleet(path string, o FleetOptions) (*ClientFleet, error) {
	store, folder, _, err := l.findDFSFolder(path)
	if err != nil {
		return nil, fmt.Errorf("client fleet: %w", err)
	}
	if o.Spread <= 0 {
		f, _ := store.Folder(folder)
		if o.Spread = time.Duration(f.TTL) * time.Second; o.Spread <= 0 {
			return nil, fmt.Errorf("client fleet: %s has no TTL; give the spread", folder)
		}
	}
	retry := DefaultClientSettings().RetryDelay
	if o.Settings != nil {
		retry = o.Settings.RetryDelay
	}
	return l.startFleet(o, func(i int) (fleetMember, string) {
		m := &dfsMember{path: path, fresh: i == 0, retry: retry}
		m.c = l.NewDFSClient(func() time.Time { return m.clock })
		return m, folder
	})
}

// startFleet makes client i (0: the fresh one) with newClient, warms the
// others at moments drawn from a fixed pseudo-random sequence within o.Spread and starts the live rounds.
func (l *Lab) startFleet(o FleetOptions, newClient func(i int) (fleetMember, string)) (*ClientFleet, error) {
	if o.Warm < 0 {
		return nil, errors.New("client fleet: the number of warm clients must not be negative")
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	now := time.Now()
	rnd := rand.New(rand.NewSource(o.Seed))
	f := &ClientFleet{l: l, opts: o, stop: make(chan struct{}), done: make(chan struct{}), last: now}
	for i := 0; i <= o.Warm; i++ {
		fc := &fleetClient{fresh: i == 0, warmedAt: now}
		fc.c, fc.share = newClient(i)
		if !fc.fresh {
			fc.warmedAt = now.Add(-time.Duration(rnd.Int63n(int64(o.Spread))))
		}
		r := fc.c.Request(fc.warmedAt)
		if r.Err != nil {
			return nil, fmt.Errorf("client fleet: a client cannot work before the failover: %w", r.Err)
		}
		fc.server = r.Server
		f.clients = append(f.clients, fc)
	}
	go f.run()
	return f, nil
}

// dfsMember is a DFS client (DFSClient) in a fleet: each request reads
// its file; its referral cache runs on the fleet's clock. The DFS client
// moves to the next target of its referral at once when one fails: unlike
// WinClient it does not wait out SMB timeouts of a silent server.
type dfsMember struct {
	c     *DFSClient
	path  string
	fresh bool // flushes its referral cache before every request
	retry time.Duration
	clock time.Time
	next  time.Time
}

func (m *dfsMember) Next() time.Time { return m.next }

func (m *dfsMember) Request(at time.Time) ClientRequest {
	if at.Before(m.next) {
		at = m.next
	}
	m.clock = at
	if m.fresh {
		m.c.Flush()
	}
	_, o, err := m.c.Read(m.path)
	r := ClientRequest{At: at, Done: at, Server: o.Server, Via: "dfs referral", Err: err}
	if err != nil {
		r.Server, m.next = "", at.Add(m.retry)
	}
	return r
}

func (f *ClientFleet) run() {
	defer close(f.done)
	t := time.NewTicker(f.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case now := <-t.C:
			f.round(now)
			f.last = now
		}
	}
}

// round sends a request from every client due at instant at.
func (f *ClientFleet) round(at time.Time) (working int) {
	for _, fc := range f.clients {
		if !at.Before(fc.c.Next()) {
			fc.record(fc.c.Request(at))
		}
		if fc.downAt.IsZero() {
			working++
		}
	}
	return working
}

func (fc *fleetClient) record(r ClientRequest) {
	if r.Err == nil {
		fc.server = r.Server
	}
	switch {
	case r.Err != nil && fc.downAt.IsZero():
		fc.downAt = r.At
		if fc.reason == "" {
			fc.reason = r.Err.Error()
			var pe *ProbeError
			if errors.As(r.Err, &pe) {
				fc.reason = pe.Reason
			}
		}
	case r.Err == nil && !fc.downAt.IsZero():
		fc.outage += r.At.Sub(fc.downAt)
		fc.downAt, fc.via = time.Time{}, r.Via
	}
}

// Settle stops the live rounds and, the lab being at rest, steps the
// clients' clock until every one works again (see ClientFleet), then
// reports. Call it once.
func (f *ClientFleet) Settle() FleetReport {
	close(f.stop)
	<-f.done
	at := f.last
	for stepped := time.Duration(0); ; stepped += f.opts.Interval {
		at = at.Add(f.opts.Interval)
		// Two rounds at least: every client tries after the failover.
		if (f.round(at) == len(f.clients) && stepped > 0) || stepped >= fleetGiveUp {
			return f.report(at.Sub(f.last))
		}
	}
}

func (f *ClientFleet) report(stepped time.Duration) FleetReport {
	r := FleetReport{Stepped: stepped, Warm: []time.Duration{}, Clients: []ClientResult{}}
	for _, fc := range f.clients {
		res := ClientResult{Fresh: fc.fresh, Share: fc.share, Outage: fc.outage, Reason: fc.reason, Via: fc.via, Server: fc.server}
		if !fc.fresh {
			res.WarmedAt = fc.warmedAt
		}
		if !fc.downAt.IsZero() {
			r.Unrecovered++
		}
		r.Clients = append(r.Clients, res)
		if fc.fresh {
			r.Fresh = fc.outage
		} else {
			r.Warm = append(r.Warm, fc.outage)
		}
	}
	slices.Sort(r.Warm)
	if n := len(r.Warm); n > 0 {
		r.Median = (r.Warm[(n-1)/2] + r.Warm[n/2]) / 2
		r.Worst = r.Warm[n-1]
	}
	return r
}
