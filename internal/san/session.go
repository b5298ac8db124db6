// Package san is the array side of the provider: a session on the array's
// CLI over SSH or telnet (login, prompts, a time limit on every wait) and dialects
// that turn typed operations (map, unmap, list mappings, serial) into the
// commands of one CLI family and parse its answers. The provider never
// builds CLI text itself.
package san

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/telnetwire"
)

// DefaultTimeout bounds every wait on the array: connect, each prompt, each
// command's answer.
const DefaultTimeout = 30 * time.Second

// Log levels passed to a Logger.
const (
	LevelDebug = "debug"
	LevelWarn  = "warn"
)

// Logger receives the client's log lines; fields never hold a secret.
type Logger func(ctx context.Context, level, msg string, fields map[string]any)

// Transports to the array's CLI.
const (
	TransportSSH    = "ssh"
	TransportTelnet = "telnet"
)

// Config is how to reach and log into an array.
type Config struct {
	Address   string // host:port
	Transport string // TransportTelnet (default) or TransportSSH
	Username  string
	Password  string // telnet login; over SSH, password authentication when set
	SSH       SSHConfig
	// Prompt overrides the dialect's prompt pattern. It is matched against
	// the last, unfinished line of output.
	Prompt  *regexp.Regexp
	Timeout time.Duration
	Logger  Logger
	// ListingAge is how long one listing of the mappings (and of the
	// igroups) answers the reads that follow it; 0 reads the array every
	// time. See Client.
	ListingAge time.Duration
}

// ErrOutcomeUnknown is wrapped by errors of commands whose session broke
// after the command was sent: the array may or may not have run it.
var ErrOutcomeUnknown = errors.New("the array session broke after the command was sent, so whether it ran is unknown")

// outcomeUnknown is a command whose session broke after it was sent. It is
// ErrOutcomeUnknown for a command that changes the array; a read drops it
// (Client.read), since whether a read ran changes nothing.
type outcomeUnknown struct{ err error }

func (e *outcomeUnknown) Error() string   { return ErrOutcomeUnknown.Error() + ": " + e.err.Error() }
func (e *outcomeUnknown) Unwrap() []error { return []error{ErrOutcomeUnknown, e.err} }

// LoginError is a login the array refused.
type LoginError struct {
	Address, Username, Answer string
	SSH                       bool
}

func (e *LoginError) Error() string {
	if e.SSH {
		return fmt.Sprintf("the array at %s refused the SSH login of user %q (%s); check san.username and san.private_key, san.private_key_file or san.password",
			e.Address, e.Username, e.Answer)
	}
	return fmt.Sprintf("the array at %s refused the login of user %q (it answered %q); check san.username and san.password",
		e.Address, e.Username, e.Answer)
}

// The login dialogue: prompts matched against the last line of output.
var (
	loginPrompt    = regexp.MustCompile(`(?i)(login|username|user name)\s*:\s*$`)
	passwordPrompt = regexp.MustCompile(`(?i)password\s*:\s*$`)
	loginRefused   = regexp.MustCompile(`(?i)(login incorrect|access denied|authentication failed|permission denied|invalid (user|login|password))`)
)

// session is one logged-in CLI session, over telnet or an SSH shell
// channel. It is not safe for concurrent use: Client serializes commands.
type session struct {
	cfg    Config
	prompt *regexp.Regexp
	conn   io.ReadWriter // the telnet connection or the SSH shell channel
	end    func() error  // closes conn and everything under it
	once   sync.Once
	done   chan struct{} // closed by close
	chunks chan []byte   // what a reader goroutine received; closed at EOF or error
	rerr   error         // why chunks closed; read after it is closed
	buf    bytes.Buffer  // received, not yet consumed
	cr     bool          // the last byte received was CR
}

// dial connects and logs in over the configured transport, then runs the
// dialect's session setup (e.g. turning the pager off).
func dial(ctx context.Context, cfg Config, d Dialect) (*session, error) {
	prompt := d.Prompt()
	if cfg.Prompt != nil {
		prompt = cfg.Prompt
	}
	var s *session
	var err error
	switch cfg.Transport {
	case "", TransportTelnet:
		s, err = dialTelnet(ctx, cfg, prompt)
	case TransportSSH:
		s, err = dialSSH(ctx, cfg, prompt)
	default:
		return nil, fmt.Errorf("unknown SAN transport %q; transports: %s, %s", cfg.Transport, TransportSSH, TransportTelnet)
	}
	if err != nil {
		return nil, err
	}
	for _, cmd := range d.SessionSetup() {
		out, err := s.run(ctx, cmd)
		if err == nil && strings.TrimSpace(out) != "" {
			err = &ArrayError{Command: cmd, Output: out}
		}
		if err != nil {
			_ = s.close()
			return nil, fmt.Errorf("setting up the session on the array at %s: %w", cfg.Address, err)
		}
	}
	return s, nil
}

func dialTelnet(ctx context.Context, cfg Config, prompt *regexp.Regexp) (*session, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	c, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("connecting to the array at %s: %w", cfg.Address, err)
	}
	// We let the array echo and suppress go-ahead, as a terminal would;
	// everything else (terminal type, window size, linemode) is refused.
	t := telnetwire.New(c, telnetwire.Policy{
		Will: []byte{telnetwire.OptSGA},
		Do:   []byte{telnetwire.OptEcho, telnetwire.OptSGA},
	})
	s := newSession(cfg, prompt, t, t.Close)
	if err := s.login(ctx); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

func newSession(cfg Config, prompt *regexp.Regexp, conn io.ReadWriter, end func() error) *session {
	s := &session{cfg: cfg, prompt: prompt, conn: conn, end: end, done: make(chan struct{}), chunks: make(chan []byte, 16)}
	// One reader for the session's life: every wait selects on it, a timer
	// and the context, so no wait depends on the transport's deadlines.
	go func() {
		defer close(s.chunks)
		for {
			p := make([]byte, 4096)
			n, err := conn.Read(p)
			if n > 0 {
				select {
				case s.chunks <- p[:n]:
				case <-s.done:
					return
				}
			}
			if err != nil {
				s.rerr = err
				return
			}
		}
	}()
	return s
}

func (s *session) close() error {
	err := net.ErrClosed
	s.once.Do(func() {
		close(s.done)
		err = s.end()
	})
	return err
}

func (s *session) login(ctx context.Context) error {
	if _, err := s.expect(ctx, "the login prompt", loginPrompt); err != nil {
		return err
	}
	s.buf.Reset()
	if err := s.send(s.cfg.Username); err != nil {
		return s.cfg.RedactErr(fmt.Errorf("sending the user name to %s: %w", s.cfg.Address, err))
	}
	if _, err := s.expect(ctx, "the password prompt", passwordPrompt); err != nil {
		return err
	}
	s.buf.Reset()
	if err := s.send(s.cfg.Password); err != nil {
		return s.cfg.RedactErr(fmt.Errorf("sending the password to %s: %w", s.cfg.Address, err))
	}
	i, err := s.expect(ctx, "the command prompt after login", s.prompt, loginPrompt, passwordPrompt)
	if err != nil {
		return err
	}
	if i != 0 {
		answer := "a new login prompt"
		for _, line := range strings.Split(s.buf.String(), "\n") {
			if loginRefused.MatchString(line) {
				answer = strings.TrimSpace(line)
			}
		}
		return &LoginError{Address: s.cfg.Address, Username: s.cfg.Username, Answer: s.cfg.Redact(answer)}
	}
	s.buf.Reset()
	return nil
}

// run sends one command and returns its output: the echoed command line
// and the closing prompt removed, line ends normalized to \n.
func (s *session) run(ctx context.Context, cmd string) (string, error) {
	s.buf.Reset()
	if err := s.send(cmd); err != nil {
		return "", &outcomeUnknown{s.cfg.RedactErr(fmt.Errorf("sending %q to %s: %w", cmd, s.cfg.Address, err))}
	}
	if _, err := s.expect(ctx, "the answer to "+fmt.Sprintf("%q", cmd), s.prompt); err != nil {
		return "", &outcomeUnknown{err}
	}
	out := s.cfg.Redact(s.buf.String())
	s.buf.Reset()
	lines := strings.Split(out, "\n")
	lines = lines[:len(lines)-1] // the prompt
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == strings.TrimSpace(cmd) {
		lines = lines[1:] // the array's echo of what we typed
	}
	return strings.Join(lines, "\n"), nil
}

// send writes one line. A write the array does not take within the
// timeout ends the session, so a full window or a dead peer cannot hang us.
func (s *session) send(line string) error {
	stuck := time.AfterFunc(s.cfg.Timeout, func() { _ = s.close() })
	defer stuck.Stop()
	_, err := s.conn.Write([]byte(line + "\r\n"))
	return err
}

// expect reads until the last, unfinished line of output matches one of
// the patterns and returns which. Every wait ends: at the timeout, at the
// context's end, or when the array closes the connection.
func (s *session) expect(ctx context.Context, what string, patterns ...*regexp.Regexp) (int, error) {
	wait := s.cfg.Timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
		wait = time.Until(d)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if i := s.match(patterns); i >= 0 {
			return i, nil
		}
		var err error
		select {
		case p, ok := <-s.chunks:
			if ok {
				s.append(p)
				if s.buf.Len() > 4<<20 {
					return -1, fmt.Errorf("waiting for %s from the array at %s: more than 4 MiB of output without a prompt; check san.prompt", what, s.cfg.Address)
				}
				continue
			}
			if i := s.match(patterns); i >= 0 {
				return i, nil
			}
			err = s.rerr
		case <-timer.C:
			err = fmt.Errorf("timed out after %s", s.cfg.Timeout)
		case <-ctx.Done():
			err = ctx.Err()
		}
		return -1, s.cfg.RedactErr(fmt.Errorf("waiting for %s from the array at %s: %w (last output: %q)", what, s.cfg.Address, err, s.tail()))
	}
}

// append adds received data with CR LF, CR NUL and a bare CR as \n.
func (s *session) append(p []byte) {
	for _, b := range p {
		wasCR := s.cr
		s.cr = b == '\r'
		switch {
		case b == '\r':
			s.buf.WriteByte('\n')
		case b == '\n' && wasCR:
		case b == 0 || b == '\a':
		default:
			s.buf.WriteByte(b)
		}
	}
}

func (s *session) match(patterns []*regexp.Regexp) int {
	last := s.buf.Bytes()
	if i := bytes.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	for i, p := range patterns {
		if p.Match(last) {
			return i
		}
	}
	return -1
}

// tail is the end of the output received, the password redacted before it
// is cut so that no part of it is left.
func (s *session) tail() string {
	b := s.cfg.Redact(s.buf.String())
	if len(b) > 200 {
		b = "..." + b[len(b)-200:]
	}
	return b
}
