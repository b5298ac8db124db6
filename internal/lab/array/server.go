package array

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
func (s *session) pause(command bool) { s.a.pause(command) }

func (a *Array) pause(command bool) {
	a.mu.Lock()
	d := a.latency.rtt
	if command {
		d += a.latency.command
	}
	a.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
}

// Dialects the CLI speaks. Telnet serves ontap7 and msa; SSH serves all
// three.
const (
	DialectONTAP7 = "ontap7"
	DialectONTAP  = "ontap" // the clustered ONTAP 9 clustershell
	DialectMSA    = "msa"
)

// idleTimeout ends a telnet session nobody typed into, as devices do.
const idleTimeout = 30 * time.Minute

type server struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// Listen serves the telnet CLI of dialect (ontap7 or msa) on addr (e.g.
// "127.0.0.1:0") until Close.
func (a *Array) Listen(addr, dialect string) (net.Addr, error) {
	if dialect != DialectONTAP7 && dialect != DialectMSA {
		return nil, fmt.Errorf("array: telnet serves the dialects ontap7 and msa, not %q", dialect)
	}
	return a.listen(addr, func(c net.Conn) { a.serve(c, dialect) })
}

// listen accepts connections on addr and runs handle on each.
func (a *Array) listen(addr string, handle func(net.Conn)) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{ln: ln, conns: map[net.Conn]bool{}}
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
				handle(c)
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

// session is one login on the array, over telnet or SSH.
type session struct {
	a       *Array
	rw      io.ReadWriter // the telnet connection or the SSH channel
	conn    net.Conn      // for deadlines
	echo    func() bool   // whether the array echoes what is typed
	dialect string
	skipLF  bool
	pending []byte // read but not yet consumed (type-ahead)
	// rows is the clustershell pager: output pauses every rows-1 lines; 0
	// never pauses.
	rows int
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
	s := &session{a: a, rw: t, conn: c, echo: func() bool { return t.Local(telnetwire.OptEcho) }, dialect: dialect}
	_ = t.Offer(telnetwire.WILL, telnetwire.OptEcho)
	_ = t.Offer(telnetwire.WILL, telnetwire.OptSGA)
	_ = t.Offer(telnetwire.DO, telnetwire.OptSGA)
	if !s.login() {
		return
	}
	s.cli()
}

// cli runs the command loop of a logged-in session until logout or hangup.
func (s *session) cli() {
	a := s.a
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
		if err := s.output(out); err != nil || quit {
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
	switch s.dialect {
	case DialectMSA:
		return "# "
	case DialectONTAP:
		return s.a.cfg.Cluster + "::> "
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
			if s.echo() {
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
	_ = s.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := s.rw.Write([]byte(text))
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
			_ = s.conn.SetReadDeadline(time.Now().Add(idleTimeout))
			n, err := s.rw.Read(buf)
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
			doEcho := echo && s.echo()
			switch b {
			case '\r', '\n':
				s.skipLF = b == '\r'
				if s.echo() {
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
					_, _ = s.rw.Write([]byte{b})
				}
			}
			if line.Len() > 4096 {
				return "", errClosed
			}
		}
	}
}

func (s *session) exec(cmd string) (string, bool) {
	switch s.dialect {
	case DialectMSA:
		return s.a.execMSA(cmd)
	case DialectONTAP:
		return s.execCluster(cmd)
	}
	return s.a.execONTAP(cmd)
}

// output writes a command's answer. The clustershell pauses every rows-1
// lines at its pager prompt until a key: space for the next page, return
// for the next line, q to stop (the rows command of the ONTAP 9 command
// reference; 24 rows when the terminal's height is unknown). The other
// CLIs do not page.
func (s *session) output(out string) error {
	if s.dialect != DialectONTAP || s.rows <= 1 {
		return s.write(out)
	}
	lines := strings.SplitAfter(out, "\n")
	budget := s.rows - 1
	for len(lines) > 0 {
		n := min(budget, len(lines))
		if err := s.write(strings.Join(lines[:n], "")); err != nil {
			return err
		}
		lines = lines[n:]
		if len(lines) == 0 || (len(lines) == 1 && lines[0] == "") {
			return nil
		}
		if err := s.write(pagerPrompt); err != nil {
			return err
		}
		key, err := s.readKey()
		if err != nil {
			return err
		}
		if err := s.write("\r" + strings.Repeat(" ", len(pagerPrompt)) + "\r"); err != nil {
			return err
		}
		switch key {
		case ' ':
			budget = s.rows - 1
		case '\r', '\n':
			budget = 1
		default: // q, and anything else the pager does not know, stops
			return nil
		}
	}
	return nil
}

// pagerPrompt is the clustershell's pause.
const pagerPrompt = "Press <space> to page down, <return> for next line, or 'q' to quit... "

// readKey reads one keystroke (a CR LF pair counts as one).
func (s *session) readKey() (byte, error) {
	buf := make([]byte, 64)
	for len(s.pending) == 0 {
		_ = s.conn.SetReadDeadline(time.Now().Add(idleTimeout))
		n, err := s.rw.Read(buf)
		if err != nil {
			return 0, err
		}
		s.pending = append(s.pending, buf[:n]...)
	}
	b := s.pending[0]
	s.pending = s.pending[1:]
	s.skipLF = b == '\r'
	return b, nil
}
