package windows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Mode chooses how requests reach the agent.
type Mode string

const (
	// ModePersistent keeps one agent process per host for the client's
	// lifetime and multiplexes every request onto it.
	ModePersistent Mode = "persistent"
	// ModePerRequest starts a fresh shell and agent for every request: the
	// fallback, and the baseline for benchmarks.
	ModePerRequest Mode = "per_request"
)

// ParseMode accepts "persistent", "per_request" and "" (persistent).
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModePersistent:
		return ModePersistent, nil
	case ModePerRequest:
		return ModePerRequest, nil
	}
	return "", fmt.Errorf("unknown transport mode %q (want %q or %q)", s, ModePersistent, ModePerRequest)
}

// Log levels passed to a LogFunc.
const (
	LevelDebug = "debug"
	LevelWarn  = "warn"
)

// LogFunc receives the client's log lines; the provider routes them to
// tflog. ctx is the request's context when there is one. Fields never hold
// secrets.
type LogFunc func(ctx context.Context, level, msg string, fields map[string]any)

// Option configures a Client.
type Option func(*Client)

// WithLogger sends the client's log lines to fn.
func WithLogger(fn LogFunc) Option { return func(c *Client) { c.logf = fn } }

// WithCallTimeout bounds every Call that arrives without an earlier
// deadline, so an answer lost on the way can never hang a Terraform run. A
// long operation (agent.Long: the NTFS checks) that arrives with a
// deadline of its own is bounded by that deadline alone.
func WithCallTimeout(d time.Duration) Option { return func(c *Client) { c.callTimeout = d } }

// WithStartTimeout bounds starting an agent (shell, process, script, hello).
func WithStartTimeout(d time.Duration) Option { return func(c *Client) { c.startTimeout = d } }

// Client talks to the agent on one host. It is safe for concurrent use.
type Client struct {
	name         string
	starter      Starter
	mode         Mode
	logf         LogFunc
	startTimeout time.Duration
	callTimeout  time.Duration
	closeTimeout time.Duration
	nextID       atomic.Uint64
	cache        *ReadCache // nil: every lookup goes to the host

	rescanMu sync.Mutex
	rescan   *rescanFlight // the latest storage rescan, possibly in flight

	mu       sync.Mutex
	sess     *session      // the current persistent session, if any
	retired  []*session    // sessions retired after a stuck call, ended by Close at the latest
	starting *startAttempt // a session being started, shared by waiting callers
	closed   bool
}

type startAttempt struct {
	done chan struct{}
	sess *session
	err  error
}

// New returns a client for the host called name (used in errors and logs).
// Nothing is started until the first call.
func New(name string, starter Starter, mode Mode, opts ...Option) (*Client, error) {
	mode, err := ParseMode(string(mode))
	if err != nil {
		return nil, err
	}
	c := &Client{name: name, starter: starter, mode: mode, startTimeout: 2 * time.Minute, closeTimeout: 5 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Name is the host's name as given to New.
func (c *Client) Name() string { return c.name }

func (c *Client) log(ctx context.Context, level, msg string, fields map[string]any) {
	if c.logf == nil {
		return
	}
	if fields == nil {
		fields = map[string]any{}
	}
	fields["server"] = c.name
	c.logf(ctx, level, msg, fields)
}

// Call sends op with params and decodes the result into result (which may
// be nil). An agent failure comes back as *agent.Error. Read operations are
// retried once on a new agent when the session breaks; a write whose outcome
// is unknown fails with an error wrapping ErrOutcomeUnknown.
func (c *Client) Call(ctx context.Context, op string, params, result any) error {
	if !agent.ReadOnly(op) {
		// Whatever was cached may be changed by this write: drop it now and
		// again once the write is done (a listing that overlapped it).
		c.cache.Invalidate()
		defer c.cache.Invalidate()
	}
	if _, bounded := ctx.Deadline(); c.callTimeout > 0 && !(bounded && agent.Long(op)) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.callTimeout)
		defer cancel()
	}
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("%s on %s: encoding params: %w", op, c.name, err)
		}
		raw = b
	}
	resp, err := c.exchange(ctx, op, raw)
	if err != nil {
		return err
	}
	if resp.Error != nil {
		return resp.Error
	}
	if result != nil {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("%s on %s: decoding the agent's result: %w", op, c.name, err)
		}
	}
	return nil
}

// call sends one operation of the contract: the request and result types
// are the operation's own.
func call[P, R any](ctx context.Context, c *Client, op agent.Op[P, R], p P) (R, error) {
	var res R
	err := c.Call(ctx, op.Name, p, &res)
	return res, err
}

// repeat sends an idempotent write, and once more after an unknown outcome.
func repeat[P, R any](ctx context.Context, c *Client, op agent.Op[P, R], p P) (R, error) {
	res, err := call(ctx, c, op, p)
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return res, err
	}
	c.log(ctx, LevelDebug, "idempotent write of unknown outcome; sending it again", map[string]any{"op": op.Name})
	return call(ctx, c, op, p)
}

// checkedWrite sends a write that is not safe to repeat blindly. After an
// unknown outcome it asks applied: when the write took effect, applied's
// result is the answer; otherwise the write is sent once more. A failed
// read-back returns the first result with both errors.
func checkedWrite[P, R any](ctx context.Context, c *Client, op agent.Op[P, R], p P, applied func() (R, bool, error)) (R, error) {
	res, err := call(ctx, c, op, p)
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return res, err
	}
	done, ok, rerr := applied()
	if rerr != nil {
		return res, errors.Join(err, rerr)
	}
	if ok {
		return done, nil
	}
	return call(ctx, c, op, p)
}

// A request safe to repeat is sent on up to maxSessionRetries new agents
// when sessions keep breaking under it (a flapping network, a WinRM service
// restart), with a growing pause between attempts.
const (
	maxSessionRetries = 2
	retryBackoff      = 200 * time.Millisecond
)

// exchange applies the retry policy around one round trip.
func (c *Client) exchange(ctx context.Context, op string, params json.RawMessage) (agent.Response, error) {
	readOnly := agent.ReadOnly(op)
	for attempt := 0; ; attempt++ {
		resp, sent, err := c.roundTrip(ctx, op, params)
		if err == nil {
			return resp, nil
		}
		var broken *SessionError
		isBroken := errors.As(err, &broken)
		// A start cut off by a dropped connection ran nothing of this
		// request: starting an agent has no side effect, so it is retried
		// as a read is, whatever the request.
		startDropped := !sent && startWasDropped(err)
		switch {
		case sent && !readOnly && (isBroken || ctx.Err() != nil):
			return agent.Response{}, fmt.Errorf("%s on %s: %w: %w", op, c.name, ErrOutcomeUnknown, err)
		case ctx.Err() != nil:
			return agent.Response{}, fmt.Errorf("%s on %s: %w", op, c.name, err)
		case startDropped && attempt >= maxSessionRetries:
			return agent.Response{}, fmt.Errorf("starting the agent on %s failed %d times, each time on a dropped connection; giving up: %w", c.name, attempt+1, err)
		case !isBroken && !startDropped || attempt >= maxSessionRetries:
			return agent.Response{}, err
		}
		c.log(ctx, LevelDebug, "agent session broke; sending the request again on a new agent",
			map[string]any{"op": op, "sent": sent, "attempt": attempt + 1, "error": err.Error()})
		// A flapping network gets a moment before the next agent start.
		select {
		case <-time.After(time.Duration(attempt+1) * retryBackoff):
		case <-ctx.Done():
			return agent.Response{}, fmt.Errorf("%s on %s: %w", op, c.name, ctx.Err())
		}
	}
}

// roundTrip sends one request and waits for its response. sent reports
// whether the request may have reached the agent.
func (c *Client) roundTrip(ctx context.Context, op string, params json.RawMessage) (resp agent.Response, sent bool, err error) {
	if c.mode == ModePerRequest {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return agent.Response{}, false, ErrClosed
		}
		return c.oneShot(ctx, op, params)
	}
	s, err := c.session(ctx)
	if err != nil {
		return agent.Response{}, false, err
	}
	return s.roundTrip(ctx, c.request(op, params))
}

func (c *Client) request(op string, params json.RawMessage) agent.Request {
	return agent.Request{ID: c.nextID.Add(1), Op: op, Params: params}
}

// session returns the running agent session, starting one if needed.
// Concurrent callers share one start; each waits only as long as its ctx.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if c.sess != nil && !c.sess.isBroken() {
		s := c.sess
		c.mu.Unlock()
		return s, nil
	}
	st := c.starting
	if st == nil {
		st = &startAttempt{done: make(chan struct{})}
		c.starting = st
		go c.start(st)
	}
	c.mu.Unlock()
	select {
	case <-st.done:
		return st.sess, st.err
	case <-ctx.Done():
		return nil, fmt.Errorf("starting the agent on %s: %w", c.name, ctx.Err())
	}
}

func (c *Client) start(st *startAttempt) {
	ctx, cancel := context.WithTimeout(context.Background(), c.startTimeout)
	defer cancel()
	began := time.Now()
	s, err := c.startSession(ctx)
	c.mu.Lock()
	c.starting = nil
	if err == nil && c.closed {
		go func(s *session) { _ = s.shutdown(c.closeTimeout) }(s) // s is cleared below
		s, err = nil, ErrClosed
	}
	if err == nil {
		c.sess = s
	}
	c.mu.Unlock()
	if err == nil {
		c.log(ctx, LevelDebug, "agent started", map[string]any{"duration_ms": time.Since(began).Milliseconds()})
	}
	st.sess, st.err = s, err
	close(st.done)
}

// startSession starts the loader, sends the script and checks the hello.
// The script and the hello go out in one write.
func (c *Client) startSession(ctx context.Context) (*session, error) {
	proc, err := c.starter.Start(ctx, agent.LoaderCommandLine())
	if err != nil {
		return nil, err
	}
	s := newSession(c, proc, []byte(agent.Script+agent.EndOfScript+"\n"))
	resp, _, err := s.roundTrip(ctx, c.request(agent.Hello.Name, c.helloParams()))
	if err == nil {
		err = c.checkHello(resp)
	}
	if err != nil {
		go func() { _ = s.shutdown(c.closeTimeout) }()
		return nil, err
	}
	return s, nil
}

func (c *Client) helloParams() json.RawMessage {
	raw, _ := json.Marshal(agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: agent.ScriptSHA256})
	return raw
}

// checkHello verifies that the agent runs exactly the script we sent.
func (c *Client) checkHello(resp agent.Response) error {
	if resp.Error != nil {
		return fmt.Errorf("agent on %s refused the hello: %w", c.name, resp.Error)
	}
	var h agent.HelloResult
	if err := json.Unmarshal(resp.Result, &h); err != nil {
		return fmt.Errorf("agent on %s: decoding the hello: %w", c.name, err)
	}
	if h.ScriptSHA256 != agent.ScriptSHA256 {
		return fmt.Errorf("agent on %s runs a different script (sha256 %s, expected %s): the script was altered on the way or by the host",
			c.name, h.ScriptSHA256, agent.ScriptSHA256)
	}
	if h.Protocol != agent.ProtocolVersion {
		return fmt.Errorf("agent on %s speaks protocol %d, expected %d", c.name, h.Protocol, agent.ProtocolVersion)
	}
	return nil
}

// retire stops giving s new requests (the next call starts another agent)
// and ends s once what it was sent is answered.
func (c *Client) retire(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.retired = append(c.retired, s)
	c.mu.Unlock()
	s.retire()
}

// Close ends the agent: its input is closed so it exits, then the command
// and its shell are closed. Calls after Close fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	s := c.sess
	c.sess = nil
	retired := c.retired
	c.retired = nil
	c.mu.Unlock()
	for _, r := range retired {
		go func() { _ = r.shutdown(c.closeTimeout) }()
	}
	if s != nil {
		return s.shutdown(c.closeTimeout)
	}
	return nil
}
