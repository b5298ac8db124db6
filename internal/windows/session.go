package windows

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// session is one running agent. Callers queue requests; a writer goroutine
// sends everything queued in one stdin write (one WinRM Send for many
// requests), and a reader goroutine hands each response line to the caller
// waiting for its id, in whatever order the agent answers (it runs
// requests concurrently).
type session struct {
	c    *Client
	proc Process

	mu      sync.Mutex
	prefix  []byte              // the agent script, written before the first batch
	queue   []*pending          // not yet written
	waiting map[uint64]*pending // queued or written, no answer yet
	cause   error               // why the session ended; nil while it runs
	closing bool                // Close asked for the end: not a failure
	retired bool                // a call got stuck: no new requests; ends once the others are answered
	broken  chan struct{}       // closed when cause is set
	wake    chan struct{}       // tells the writer that queue is not empty
	stderr  tail                // the end of the agent's stderr, for errors
	exited  chan struct{}       // closed when Wait returns
	exit    struct {
		code int
		err  error
	}
}

// pending is one request waiting for its response.
type pending struct {
	id   uint64
	line []byte
	sent bool // handed to stdin: the agent may have seen it
	done chan struct{}
	resp agent.Response
	err  error
}

func newSession(c *Client, proc Process, prefix []byte) *session {
	s := &session{
		c: c, proc: proc, prefix: prefix,
		waiting: map[uint64]*pending{},
		broken:  make(chan struct{}),
		wake:    make(chan struct{}, 1),
		exited:  make(chan struct{}),
	}
	go s.writeLoop()
	go s.readLoop()
	go func() { _, _ = io.Copy(&s.stderr, proc.Stderr()) }() // an unread stderr would stall WinRM output
	go func() {
		s.exit.code, s.exit.err = proc.Wait()
		close(s.exited)
	}()
	return s
}

func (s *session) isBroken() bool {
	select {
	case <-s.broken:
		return true
	default:
		return false
	}
}

// roundTrip queues req and waits for its response or ctx. A response that
// arrives after ctx ended is dropped; a request still queued is not sent.
func (s *session) roundTrip(ctx context.Context, req agent.Request) (agent.Response, bool, error) {
	line, err := agent.EncodeLine(req)
	if err != nil {
		return agent.Response{}, false, fmt.Errorf("%s on %s: encoding the request: %w", req.Op, s.c.name, err)
	}
	p := &pending{id: req.ID, line: line, done: make(chan struct{})}
	s.mu.Lock()
	if s.cause != nil {
		err := s.brokenError()
		s.mu.Unlock()
		return agent.Response{}, false, err
	}
	if s.retired {
		s.mu.Unlock()
		return agent.Response{}, false, &SessionError{Host: s.c.name, Cause: errors.New("the agent was retired after a request got stuck")}
	}
	s.queue = append(s.queue, p)
	s.waiting[p.id] = p
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // the writer is already due to run
	}

	began := time.Now()
	select {
	case <-p.done:
		return p.resp, p.sent, p.err
	case <-ctx.Done():
	}
	s.mu.Lock()
	select {
	case <-p.done: // answered while we were giving up: use it
		s.mu.Unlock()
		return p.resp, p.sent, p.err
	default:
	}
	s.dropWaitingLocked(p.id)
	for i, q := range s.queue {
		if q == p {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			break
		}
	}
	sent := p.sent
	s.mu.Unlock()
	if !sent || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return agent.Response{}, sent, ctx.Err()
	}
	// A request the agent does not answer in time (a storage call stuck on
	// a LUN whose paths are gone) holds a runspace of the agent, and its
	// serial key (agent.Serial) keeps the requests of the same key waiting
	// behind it. The requests already sent go on (the agent runs them
	// concurrently); new ones go to a new agent, and this one is ended once
	// the others are answered.
	stuck := &NoAnswerError{Host: s.c.name, Op: req.Op, Waited: time.Since(began).Round(time.Millisecond), Err: ctx.Err()}
	s.c.retire(s)
	return agent.Response{}, sent, stuck
}

// retire takes the session out of service: it accepts no new request and
// shuts down once nothing it was sent is waiting for an answer. Requests
// of a key held by a stuck request may never be answered: they fail when
// their callers' contexts end.
func (s *session) retire() {
	s.mu.Lock()
	s.retired = true
	idle := len(s.waiting) == 0
	s.mu.Unlock()
	if idle {
		go func() { _ = s.shutdown(s.c.closeTimeout) }()
	}
}

// dropWaitingLocked forgets a request nobody waits for any more, and ends a
// retired session that has nothing left to answer.
func (s *session) dropWaitingLocked(id uint64) {
	delete(s.waiting, id)
	if s.retired && len(s.waiting) == 0 && s.cause == nil {
		go func() { _ = s.shutdown(s.c.closeTimeout) }()
	}
}

func (s *session) writeLoop() {
	for {
		select {
		case <-s.wake:
		case <-s.broken:
			return
		}
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		buf := s.prefix
		s.prefix = nil
		for _, p := range batch {
			p.sent = true
			buf = append(buf, p.line...)
		}
		s.mu.Unlock()
		if len(buf) == 0 {
			continue
		}
		if _, err := s.proc.Stdin().Write(buf); err != nil {
			// A process that ended closed its stdin: say why it ended (its
			// exit code and stderr, e.g. the loader refusing a console),
			// not only that the write failed.
			select {
			case <-s.exited:
				s.fail(s.exitError())
			case <-time.After(250 * time.Millisecond):
				s.fail(fmt.Errorf("writing to the agent: %w", err))
			}
			return
		}
	}
}

func (s *session) readLoop() {
	r := bufio.NewReaderSize(s.proc.Stdout(), 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			s.deliver(line)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = s.exitError()
			} else {
				err = fmt.Errorf("reading from the agent: %w", err)
			}
			s.fail(err)
			return
		}
	}
}

func (s *session) deliver(line []byte) {
	resp, err := agent.DecodeResponse(line)
	if err != nil {
		// Stray output is a bug on the agent side, but not a reason to drop
		// every other request.
		s.c.log(context.Background(), LevelWarn, "ignoring agent output that is not a response",
			map[string]any{"line": truncate(string(line), 200), "error": err.Error()})
		return
	}
	s.mu.Lock()
	p := s.waiting[resp.ID]
	s.dropWaitingLocked(resp.ID)
	s.mu.Unlock()
	if p == nil {
		s.c.log(context.Background(), LevelDebug, "dropping a late agent response", map[string]any{"id": resp.ID})
		return
	}
	p.resp = resp
	close(p.done)
}

// exitError describes the agent's end once its output ended.
func (s *session) exitError() error {
	select {
	case <-s.exited:
	case <-time.After(250 * time.Millisecond):
		return errors.New("the agent closed its output")
	}
	msg := fmt.Sprintf("the agent exited with code %d", s.exit.code)
	if s.exit.err != nil {
		msg += fmt.Sprintf(" (%v)", s.exit.err)
	}
	if t := s.stderr.String(); t != "" {
		msg += ": " + t
	}
	return errors.New(msg)
}

// fail ends the session: every waiting call fails with a SessionError, and
// the process is shut down. Only the first cause counts.
func (s *session) fail(cause error) {
	s.mu.Lock()
	if s.cause != nil {
		s.mu.Unlock()
		return
	}
	s.cause = cause
	close(s.broken)
	err := s.brokenError()
	waiting := s.waiting
	s.waiting = map[uint64]*pending{}
	s.queue = nil
	closing := s.closing
	s.mu.Unlock()
	for _, p := range waiting {
		p.err = err
		close(p.done)
	}
	if !closing {
		s.c.log(context.Background(), LevelWarn, "agent session ended", map[string]any{"error": cause.Error(), "failed_calls": len(waiting)})
		go func() { _ = s.shutdown(s.c.closeTimeout) }()
	}
}

func (s *session) brokenError() error {
	if s.closing {
		return ErrClosed
	}
	return &SessionError{Host: s.c.name, Cause: s.cause}
}

// shutdown closes the agent's input so that it exits on its own, waits up
// to wait for that, then closes the command.
func (s *session) shutdown(wait time.Duration) error {
	s.mu.Lock()
	if s.cause == nil {
		s.closing = true
	}
	s.mu.Unlock()
	_ = s.proc.Stdin().Close()
	select {
	case <-s.exited:
	case <-time.After(wait):
	}
	s.fail(errors.New("closed"))
	return s.proc.Close()
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2 << 10

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(b), nil
}

// String is the tail in one line, with PowerShell's CLIXML line escapes undone.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.NewReplacer("_x000D_", "", "_x000A_", " ", "\r", "", "\n", " ").Replace(string(t.buf))
	return strings.TrimSpace(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
