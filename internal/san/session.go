// Package san is the array side of the provider: a telnet session to the
// array's CLI (login, prompts, a time limit on every wait) and dialects
// that turn typed operations (map, unmap, list mappings, serial) into the
// commands of one CLI family and parse its answers. The provider never
// builds CLI text itself.
package san

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
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

// Config is how to reach and log into an array.
type Config struct {
	Address  string // host:port
	Username string
	Password string
	// Prompt overrides the dialect's prompt pattern. It is matched against
	// the last, unfinished line of output.
	Prompt  *regexp.Regexp
	Timeout time.Duration
	Logger  Logger
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
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("the array at %s refused the login of user %q (it answered %q); check san.username and san.password",
		e.Address, e.Username, e.Answer)
}

// The login dialogue: prompts matched against the last line of output.
var (
	loginPrompt    = regexp.MustCompile(`(?i)(login|username|user name)\s*:\s*$`)
	passwordPrompt = regexp.MustCompile(`(?i)password\s*:\s*$`)
	loginRefused   = regexp.MustCompile(`(?i)(login incorrect|access denied|authentication failed|permission denied|invalid (user|login|password))`)
)

// session is one logged-in telnet connection. It is not safe for
// concurrent use: Client serializes commands.
type session struct {
	cfg    Config
	prompt *regexp.Regexp
	t      *telnetwire.Conn
	buf    bytes.Buffer // received, not yet consumed
	cr     bool         // the last byte received was CR
}

// dial connects and logs in.
func dial(ctx context.Context, cfg Config, prompt *regexp.Regexp) (*session, error) {
	if cfg.Prompt != nil {
		prompt = cfg.Prompt
	}
	d := net.Dialer{Timeout: cfg.Timeout}
	c, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("connecting to the array at %s: %w", cfg.Address, err)
	}
	// We let the array echo and suppress go-ahead, as a terminal would;
	// everything else (terminal type, window size, linemode) is refused.
	s := &session{cfg: cfg, prompt: prompt, t: telnetwire.New(c, telnetwire.Policy{
		Will: []byte{telnetwire.OptSGA},
		Do:   []byte{telnetwire.OptEcho, telnetwire.OptSGA},
	})}
	if err := s.login(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) close() error { return s.t.Close() }

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

func (s *session) send(line string) error {
	_ = s.t.SetWriteDeadline(time.Now().Add(s.cfg.Timeout))
	_, err := s.t.Write([]byte(line + "\r\n"))
	return err
}

// expect reads until the last, unfinished line of output matches one of
// the patterns and returns which. Every wait ends: at the timeout, at the
// context's end, or when the array closes the connection.
func (s *session) expect(ctx context.Context, what string, patterns ...*regexp.Regexp) (int, error) {
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = s.t.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = s.t.SetReadDeadline(time.Now()) })
	defer stop()
	chunk := make([]byte, 4096)
	for {
		if i := s.match(patterns); i >= 0 {
			return i, nil
		}
		n, err := s.t.Read(chunk)
		s.append(chunk[:n])
		if err != nil {
			if i := s.match(patterns); i >= 0 {
				return i, nil
			}
			var ne net.Error
			switch {
			case ctx.Err() != nil:
				err = ctx.Err()
			case errors.As(err, &ne) && ne.Timeout():
				err = fmt.Errorf("timed out after %s", s.cfg.Timeout)
			}
			return -1, s.cfg.RedactErr(fmt.Errorf("waiting for %s from the array at %s: %w (last output: %q)", what, s.cfg.Address, err, s.tail()))
		}
		if s.buf.Len() > 4<<20 {
			return -1, fmt.Errorf("waiting for %s from the array at %s: more than 4 MiB of output without a prompt; check san.prompt", what, s.cfg.Address)
		}
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
