package san

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/readcache"
)

// Client is the provider's handle on one array: CLI sessions opened on
// first use and kept for the provider's lifetime, reopened after they
// break. Commands on one session run one at a time; the dialect says how
// many sessions may run side by side (Dialect.Sessions), and commands of
// one LUN never interleave (a lock per LUN), so what MapAlone reads,
// writes and reads again about a LUN has nothing of ours in between.
//
// Reads that only inform (Mappings, MappingsOf, IGroups) share one
// listing for up to Config.ListingAge (see package readcache): a refresh
// of many mappings lists the array once. Every map and unmap drops it.
// MapAlone never uses it: its checks read the array afresh.
type Client struct {
	cfg   Config
	d     Dialect
	cache *readcache.Cache // nil when ListingAge is 0

	idle  chan *session // open sessions nobody uses
	slots chan struct{} // one per open session or dial in flight
	mu    sync.Mutex    // guards luns and claimed
	luns  map[string]*sync.Mutex
	// claimed are the LUN IDs this client chose, by igroup: a map on
	// another session may not show in the listing an ID is chosen from.
	claimed map[string]map[int]bool
}

// NewClient returns a client; it connects on the first operation.
func NewClient(cfg Config, d Dialect) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	n := max(d.Sessions(), 1)
	c := &Client{cfg: cfg, d: d, idle: make(chan *session, n), slots: make(chan struct{}, n), luns: map[string]*sync.Mutex{}, claimed: map[string]map[int]bool{}}
	if cfg.ListingAge > 0 {
		c.cache = readcache.New(cfg.ListingAge)
	}
	return c
}

// Dialect is the client's dialect.
func (c *Client) Dialect() Dialect { return c.d }

// Close ends the idle sessions; a session in use ends when its command
// returns it.
func (c *Client) Close() error {
	var err error
	for {
		select {
		case s := <-c.idle:
			if e := s.close(); e != nil && err == nil && !errors.Is(e, net.ErrClosed) {
				err = e
			}
			<-c.slots
		default:
			return err
		}
	}
}

func (c *Client) log(ctx context.Context, level, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger(ctx, level, msg, fields)
	}
}

// acquire returns an idle session, or opens one while the dialect allows
// more, or waits for one to come back.
func (c *Client) acquire(ctx context.Context) (*session, error) {
	select {
	case s := <-c.idle:
		return s, nil
	default:
	}
	select {
	case s := <-c.idle:
		return s, nil
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	began := time.Now()
	s, err := dial(ctx, c.cfg, c.d)
	if err != nil {
		<-c.slots
		return nil, err
	}
	c.log(ctx, LevelDebug, "array session opened", map[string]any{"address": c.cfg.Address, "dialect": c.d.Name(), "duration_ms": time.Since(began).Milliseconds()})
	return s, nil
}

// release gives a session back; a broken one is closed, so the next
// command opens a new one.
func (c *Client) release(s *session, broken bool) {
	if broken {
		_ = s.close()
		<-c.slots
		return
	}
	c.idle <- s
}

// withSession runs f on one session: the commands f sends run back to
// back on it.
func (c *Client) withSession(ctx context.Context, f func(run func(cmd string) (string, error)) error) error {
	s, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	broken := false
	err = f(func(cmd string) (string, error) {
		if broken {
			return "", &outcomeUnknown{errors.New("the session broke before this command")}
		}
		began := time.Now()
		out, err := s.run(ctx, cmd)
		if err != nil {
			broken = true
			c.log(ctx, LevelWarn, "array session broke", map[string]any{"address": c.cfg.Address, "command": cmd, "error": err.Error()})
			return "", err
		}
		c.log(ctx, LevelDebug, "array command", map[string]any{"command": cmd, "duration_ms": time.Since(began).Milliseconds()})
		return out, nil
	})
	c.release(s, broken)
	return err
}

// run sends one command on a session of its own.
func (c *Client) run(ctx context.Context, cmd string) (out string, err error) {
	err = c.withSession(ctx, func(run func(string) (string, error)) error {
		out, err = run(cmd)
		return err
	})
	return out, err
}

// read runs a command that changes nothing, once more on a new session if
// the first broke.
func (c *Client) read(ctx context.Context, cmd string) (string, error) {
	out, err := c.run(ctx, cmd)
	if err != nil && errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil {
		c.log(ctx, LevelDebug, "repeating a read on a new array session", map[string]any{"command": cmd})
		out, err = c.run(ctx, cmd)
	}
	return out, knownOutcome(err)
}

// knownOutcome drops "outcome unknown" from a read's error: whether a read
// ran changes nothing.
func knownOutcome(err error) error {
	var uo *outcomeUnknown
	if errors.As(err, &uo) {
		return uo.err
	}
	return err
}

// lockLUN serializes the commands of one LUN across sessions.
func (c *Client) lockLUN(lun string) func() {
	c.mu.Lock()
	m := c.luns[lun]
	if m == nil {
		m = &sync.Mutex{}
		c.luns[lun] = m
	}
	c.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// write runs a command that changes the array, dropping the shared
// listing before and after it.
func (c *Client) write(run func(string) (string, error), cmd string) (string, error) {
	c.cache.Invalidate()
	defer c.cache.Invalidate()
	return run(cmd)
}

// Forget drops the shared listing, so the next read asks the array.
func (c *Client) Forget() { c.cache.Invalidate() }

// Mappings lists every mapping on the array (the shared listing).
func (c *Client) Mappings(ctx context.Context) ([]Mapping, error) {
	v, err := c.cache.Get(ctx, "mappings", func(ctx context.Context) (any, error) { return c.mappings(ctx, c.read) })
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]Mapping)), nil
}

// readFunc runs a read: Client.read, or a command of a withSession.
type readFunc func(context.Context, string) (string, error)

// mappings lists every mapping afresh.
func (c *Client) mappings(ctx context.Context, read readFunc) ([]Mapping, error) {
	cmd := c.d.ListCommand()
	out, err := read(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return c.d.ParseList(cmd, out)
}

// MappingsOf lists the mappings of one LUN.
func (c *Client) MappingsOf(ctx context.Context, lun string) ([]Mapping, error) {
	all, err := c.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	var out []Mapping
	for _, m := range all {
		if m.LUN == lun {
			out = append(out, m)
		}
	}
	return out, nil
}

// Map maps lun to igroup; id < 0 takes the lowest free LUN ID. It returns
// the mapping as the array reports it.
func (c *Client) Map(ctx context.Context, lun, igroup string, id int) (m Mapping, err error) {
	if err := c.check(lun, igroup); err != nil {
		return Mapping{}, err
	}
	defer c.lockLUN(lun)()
	err = c.withSession(ctx, func(run func(string) (string, error)) error {
		m, err = c.mapOn(ctx, run, nil, lun, igroup, id)
		return err
	})
	return m, err
}

// sessionRead turns a session's run into a read.
func sessionRead(run func(string) (string, error)) readFunc {
	return func(_ context.Context, cmd string) (string, error) {
		out, err := run(cmd)
		return out, knownOutcome(err)
	}
}

// mapOn maps on a session. all is a listing just read on it (nil: none);
// it gives the IDs in use when the client must choose one.
func (c *Client) mapOn(ctx context.Context, run func(string) (string, error), all []Mapping, lun, igroup string, id int) (Mapping, error) {
	if id < 0 && c.d.NeedsID() {
		if all == nil {
			var err error
			if all, err = c.mappings(ctx, sessionRead(run)); err != nil {
				return Mapping{}, err
			}
		}
		id = c.claimID(all, igroup)
	}
	cmd := c.d.MapCommand(lun, igroup, id)
	out, err := c.write(run, cmd)
	if err != nil {
		if errors.Is(err, ErrOutcomeUnknown) {
			return Mapping{}, err // the ID may be taken: keep the claim
		}
		c.unclaim(igroup, id)
		return Mapping{}, err
	}
	got, err := c.d.ParseMap(cmd, out)
	if err != nil {
		c.unclaim(igroup, id)
		return Mapping{}, err
	}
	if got < 0 {
		got = id
	}
	return Mapping{LUN: lun, IGroup: igroup, ID: got}, nil
}

// claimID picks the lowest LUN ID of igroup that neither the listing all
// shows nor this client chose already, and claims it.
func (c *Client) claimID(all []Mapping, igroup string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	mine := c.claimed[igroup]
	if mine == nil {
		mine = map[int]bool{}
		c.claimed[igroup] = mine
	}
	used := map[int]bool{}
	for _, m := range all {
		if m.IGroup == igroup {
			used[m.ID] = true
		}
	}
	id := 0
	for used[id] || mine[id] {
		id++
	}
	mine[id] = true
	return id
}

// unclaim gives back an ID whose map failed (id < 0: none was claimed).
func (c *Client) unclaim(igroup string, id int) {
	c.mu.Lock()
	delete(c.claimed[igroup], id)
	c.mu.Unlock()
}

// Unmap removes lun's mapping to igroup.
func (c *Client) Unmap(ctx context.Context, lun, igroup string) error {
	if err := c.check(lun, igroup); err != nil {
		return err
	}
	defer c.lockLUN(lun)()
	return c.withSession(ctx, func(run func(string) (string, error)) error { return c.unmapOn(run, lun, igroup) })
}

func (c *Client) unmapOn(run func(string) (string, error), lun, igroup string) error {
	cmd := c.d.UnmapCommand(lun, igroup)
	out, err := c.write(run, cmd)
	if err != nil {
		return err
	}
	return c.d.ParseUnmap(cmd, out)
}

// Serial returns the LUN's serial number ("" when the dialect has no
// serial command). An unknown LUN is an ArrayError.
func (c *Client) Serial(ctx context.Context, lun string) (string, error) {
	if err := c.d.CheckLUN(lun); err != nil {
		return "", err
	}
	cmd := c.d.SerialCommand(lun)
	if cmd == "" {
		return "", nil
	}
	out, err := c.read(ctx, cmd)
	if err != nil {
		return "", err
	}
	return c.d.ParseSerial(cmd, out)
}

// IGroups lists the initiator groups (the shared listing); ok is false
// when the dialect cannot.
func (c *Client) IGroups(ctx context.Context) (groups []IGroup, ok bool, err error) {
	cmd := c.d.IGroupsCommand()
	if cmd == "" {
		return nil, false, nil
	}
	v, err := c.cache.Get(ctx, "igroups", func(ctx context.Context) (any, error) {
		out, err := c.read(ctx, cmd)
		if err != nil {
			return nil, err
		}
		return c.d.ParseIGroups(cmd, out)
	})
	if err != nil {
		return nil, true, err
	}
	return slices.Clone(v.([]IGroup)), true, nil
}

func (c *Client) check(lun, igroup string) error {
	if err := c.d.CheckLUN(lun); err != nil {
		return err
	}
	if err := c.d.CheckIGroup(igroup); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
