package array

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/telnetwire"
)

// Faults are the failures an operator can inject into the array's CLI.
type Faults struct {
	// CutNext cuts the telnet session of the next CutNext commands whose
	// text starts with CutCommand ("" = any command) after they ran and
	// before their answer is written: the client cannot know the outcome.
	CutNext    int    `json:"cut_next,omitempty"`
	CutCommand string `json:"cut_command,omitempty"`
	// RefuseLogin answers every login with "Login incorrect".
	RefuseLogin bool `json:"refuse_login,omitempty"`
	// Latency delays every answer (and the login prompts).
	Latency time.Duration `json:"latency,omitempty"`
	// EchoPassword echoes the password as it is typed and repeats it in
	// the answer to a refused login. Under RFC 857 the side that agreed to
	// ECHO echoes whatever it receives, and a device that does not turn
	// echo off at its password prompt sends the password back in clear;
	// some also repeat the rejected input. The lab does neither by default.
	EchoPassword bool `json:"echo_password,omitempty"`
}

// SetFaults replaces the active faults.
func (a *Array) SetFaults(f Faults) {
	a.mu.Lock()
	a.faults = f
	a.mu.Unlock()
}

// Faults returns the active faults.
func (a *Array) Faults() Faults {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.faults
}

// takeCut consumes one cut for a command, if one is armed for it.
func (a *Array) takeCut(cmd string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.faults.CutNext > 0 && strings.HasPrefix(cmd, a.faults.CutCommand) {
		a.faults.CutNext--
		return true
	}
	return false
}

// SetLatency sets the latency model: rtt before every answer and login
// prompt, command for the array's own work on every command. Faults add to it.
func (a *Array) SetLatency(rtt, command time.Duration) {
	a.mu.Lock()
	a.latency.rtt, a.latency.command = rtt, command
	a.mu.Unlock()
}

// Stats counts the CLI's work: logins and commands, over every session.
type Stats struct {
	Logins   int `json:"logins"`
	Commands int `json:"commands"`
}

// Stats returns the counters.
func (a *Array) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// ResetStats zeroes the counters.
func (a *Array) ResetStats() {
	a.mu.Lock()
	a.stats = Stats{}
	a.mu.Unlock()
}

func (a *Array) count(f func(*Stats)) {
	a.mu.Lock()
	f(&a.stats)
	a.mu.Unlock()
}

// pause sleeps for the model's round trip, plus the command cost when
// command is true.
func (s *session) pause(command bool) {
	s.a.mu.Lock()
	d := s.a.latency.rtt
	if command {
		d += s.a.latency.command
	}
	s.a.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
}

// Dialects the CLI speaks.
const (
	DialectONTAP7 = "ontap7"
	DialectMSA    = "msa"
)

// idleTimeout ends a telnet session nobody typed into, as devices do.
const idleTimeout = 30 * time.Minute

type server struct {
	ln      net.Listener
	dialect string
	mu      sync.Mutex
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

// Listen serves the CLI of dialect on addr (e.g. "127.0.0.1:0") until Close.
func (a *Array) Listen(addr, dialect string) (net.Addr, error) {
	if dialect != DialectONTAP7 && dialect != DialectMSA {
		return nil, fmt.Errorf("array: unknown dialect %q (ontap7, msa)", dialect)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{ln: ln, dialect: dialect, conns: map[net.Conn]bool{}}
	a.mu.Lock()
	a.servers = append(a.servers, s)
	a.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				a.serve(c, dialect)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
		}
	}()
	return ln.Addr(), nil
}

// Close stops every listener and ends every session.
func (a *Array) Close() {
	a.mu.Lock()
	servers := a.servers
	a.servers = nil
	a.mu.Unlock()
	for _, s := range servers {
		_ = s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	}
}

// session is one telnet login on the array.
type session struct {
	a       *Array
	t       *telnetwire.Conn
	dialect string
	skipLF  bool
	pending []byte // read but not yet consumed (type-ahead)
}

var errClosed = errors.New("session closed")

func (a *Array) serve(c net.Conn, dialect string) {
	defer c.Close()
	// The array echoes (so the client does not) and suppresses go-ahead,
	// as devices that offer character-at-a-time mode do. Everything else,
	// terminal type and window size included, is refused.
	t := telnetwire.New(c, telnetwire.Policy{
		Will: []byte{telnetwire.OptEcho, telnetwire.OptSGA},
		Do:   []byte{telnetwire.OptSGA},
	})
	s := &session{a: a, t: t, dialect: dialect}
	_ = t.Offer(telnetwire.WILL, telnetwire.OptEcho)
	_ = t.Offer(telnetwire.WILL, telnetwire.OptSGA)
	_ = t.Offer(telnetwire.DO, telnetwire.OptSGA)
	if !s.login() {
		return
	}
	for {
		s.delay()
		if err := s.write(s.prompt()); err != nil {
			return
		}
		line, err := s.readLine(true)
		if err != nil {
			return
		}
		cmd := strings.Join(strings.Fields(line), " ")
		if cmd == "" {
			continue
		}
		a.count(func(st *Stats) { st.Commands++ })
		out, quit := s.exec(cmd)
		s.pause(true)
		if a.takeCut(cmd) {
			a.cfg.Timeline.Record("array", "fault.cut", fmt.Sprintf("session cut after %q ran, before its answer", cmd))
			return
		}
		s.delay()
		if err := s.write(out); err != nil || quit {
			return
		}
	}
}

func (s *session) delay() {
	if d := s.a.Faults().Latency; d > 0 {
		time.Sleep(d)
	}
}

func (s *session) prompt() string {
	if s.dialect == DialectMSA {
		return "# "
	}
	return s.a.cfg.Hostname + "> "
}

// login runs the device's login dialogue: three tries, then hang up.
func (s *session) login() bool {
	banner := "\r\nData ONTAP (" + s.a.cfg.Hostname + ".corp.example.com)\r\n"
	userPrompt := "login: "
	if s.dialect == DialectMSA {
		banner = "\r\nHP StorageWorks MSA Storage " + s.a.cfg.Hostname + "\r\n"
		userPrompt = "Login: "
	}
	if s.write(banner) != nil {
		return false
	}
	for try := 0; try < 3; try++ {
		s.delay()
		s.pause(false)
		if s.write(userPrompt) != nil {
			return false
		}
		user, err := s.readLine(true)
		if err != nil {
			return false
		}
		s.pause(false)
		if s.write("Password: ") != nil {
			return false
		}
		echoPass := s.a.Faults().EchoPassword
		pass, err := s.readLine(echoPass)
		if err != nil {
			return false
		}
		ok := user == s.a.cfg.Username && pass == s.a.cfg.Password && !s.a.Faults().RefuseLogin
		if ok {
			s.a.count(func(st *Stats) { st.Logins++ })
			echo := "off"
			if s.t.Local(telnetwire.OptEcho) {
				echo = "on"
			}
			s.a.cfg.Timeline.Record("array", "array.login", fmt.Sprintf("user %s logged in over telnet (%s, server echo %s)", user, s.dialect, echo))
			if s.dialect == DialectMSA {
				return s.write("\r\nHP StorageWorks MSA Storage\r\nSystem Name: "+s.a.cfg.Hostname+"\r\n\r\n") == nil
			}
			return true
		}
		s.a.cfg.Timeline.Record("array", "array.login_failed", "login refused for user "+user)
		time.Sleep(20 * time.Millisecond)
		refusal := "Login incorrect\r\n"
		if echoPass {
			refusal = fmt.Sprintf("Login incorrect: user %s, password %s\r\n", user, pass)
		}
		if s.write(refusal) != nil {
			return false
		}
	}
	return false
}

// write sends text with every line end as CR LF.
func (s *session) write(text string) error {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	_ = s.t.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := s.t.Write([]byte(text))
	return err
}

// readLine reads one line, echoing it when the client let us echo and
// echo is true. CR LF, CR NUL (already a bare CR here), bare CR and bare LF
// all end a line; backspace and DEL erase.
func (s *session) readLine(echo bool) (string, error) {
	var line bytes.Buffer
	buf := make([]byte, 256)
	for {
		if len(s.pending) == 0 {
			_ = s.t.SetReadDeadline(time.Now().Add(idleTimeout))
			n, err := s.t.Read(buf)
			if err != nil {
				return "", err
			}
			s.pending = append(s.pending, buf[:n]...)
		}
		for len(s.pending) > 0 {
			b := s.pending[0]
			s.pending = s.pending[1:]
			if s.skipLF {
				s.skipLF = false
				if b == '\n' {
					continue
				}
			}
			doEcho := echo && s.t.Local(telnetwire.OptEcho)
			switch b {
			case '\r', '\n':
				s.skipLF = b == '\r'
				if s.t.Local(telnetwire.OptEcho) {
					_ = s.write("\r\n")
				}
				return line.String(), nil
			case 0x08, 0x7f:
				if line.Len() > 0 {
					line.Truncate(line.Len() - 1)
					if doEcho {
						_ = s.write("\b \b")
					}
				}
			case 0x03, 0x04: // ^C, ^D
				return "", errClosed
			default:
				if b < 0x20 {
					continue
				}
				line.WriteByte(b)
				if doEcho {
					_, _ = s.t.Write([]byte{b})
				}
			}
			if line.Len() > 4096 {
				return "", errClosed
			}
		}
	}
}

func (s *session) exec(cmd string) (string, bool) {
	if s.dialect == DialectMSA {
		return s.a.execMSA(cmd)
	}
	return s.a.execONTAP(cmd)
}
