// Package winrm is the lab's WinRM listener: WS-Management SOAP over HTTP(S) with Basic
// and NTLM authentication, cmd shells, commands with stdin Send and long-poll Receive,
// Signal and Delete, faithful enough that github.com/masterzen/winrm cannot tell it from
// a Windows host. Commands are not executed: a Handler emulates them.
package winrm

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/ntlm"
)

// Process is one command started in a shell.
type Process struct {
	CommandLine string   // text of rsp:Command
	Arguments   []string // rsp:Arguments, in order
	// Stdin holds the bytes of Send requests. In pipe mode it ends (io.EOF)
	// after a Send with End="true"; in console mode (WINRS_CONSOLEMODE_STDIN
	// TRUE) it behaves as a console does (console.go) and has IsConsole.
	Stdin  io.Reader
	Stdout io.Writer // buffered by the server and delivered by Receive
	Stderr io.Writer
}

// Handler runs one command to completion and returns its exit code. ctx is cancelled
// on Signal(terminate), shell Delete, or server Close.
type Handler interface {
	Run(ctx context.Context, p *Process) int
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, p *Process) int

// Run calls f.
func (f HandlerFunc) Run(ctx context.Context, p *Process) int { return f(ctx, p) }

// Config is the listener's identity and behaviour.
type Config struct {
	// Username and Password are the one accepted account (Basic and NTLM). The user part
	// of "user", "DOMAIN\user" or "user@domain" is compared case-insensitively.
	Username, Password string
	Handler            Handler
	// DisableBasic and DisableNTLM remove a scheme from the 401 offer and refuse it.
	DisableBasic, DisableNTLM bool
	// MaxOperationTimeout caps the client's OperationTimeout for long polls
	// (0 = honour the client's, PT60S when it sends none).
	MaxOperationTimeout time.Duration
	// Observe, when set, is called for every HTTP request, shell create and command
	// start, from the request's goroutine: it must be safe for concurrent use.
	Observe func(Stat)
	// NTLMTarget names the host in NTLM challenges (optional).
	NTLMTarget ntlm.Target
	// Kerberos, when set, accepts Kerberos tickets in Negotiate (the host is
	// joined to the realm); the ticket's client must be Username's user part.
	Kerberos *Kerberos
}

// Stat kinds passed to Config.Observe.
const (
	StatHTTPRequest  = "http_request"
	StatShellCreate  = "shell_create"
	StatCommandStart = "command_start"
)

// Stat is one event for the lab's counters. Action is the request's WS-Addressing
// Action ("" when the body was not a SOAP envelope).
type Stat struct {
	Kind   string
	Action string
}

// Faults are network failures injected in front of the listener.
type Faults struct {
	Unreachable bool          // new connections are reset at once and existing ones closed (a dead host)
	Latency     time.Duration // added before answering every HTTP request (network RTT model)
	// DropNext closes the connection of the next N authenticated SOAP requests without an
	// answer, after the request was read and, for Send and Command, acted on (a
	// connection dropped mid-request). Other requests are dropped before acting.
	DropNext   int
	DropAction string // only drop requests whose Action ends with this ("Receive", "Send", "Command"...)
}

// Server is one emulated Windows host's WinRM service.
type Server struct {
	cfg    Config
	target ntlm.Target
	ctx    context.Context // parent of every shell: cancelled by Close
	cancel context.CancelFunc

	mu        sync.Mutex
	faults    Faults
	shells    map[string]*shell
	servers   []*http.Server
	conns     map[*trackedConn]struct{}
	authByKey map[string]*connAuth // for ServeHTTP mounted on someone else's http.Server
	closed    bool
	replays   replayCache // Kerberos authenticators already accepted
}

// New makes a server; it serves nothing until ListenAndServe or ServeHTTP is used.
func New(cfg Config) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	target := cfg.NTLMTarget
	if target.NetBIOSDomain == "" {
		target.NetBIOSDomain = "LAB"
	}
	if target.NetBIOSComputer == "" {
		target.NetBIOSComputer = "WINRM-LAB"
	}
	return &Server{
		cfg:       cfg,
		target:    target,
		ctx:       ctx,
		cancel:    cancel,
		shells:    map[string]*shell{},
		conns:     map[*trackedConn]struct{}{},
		authByKey: map[string]*connAuth{},
	}
}

// SetFaults replaces the injected faults. Turning Unreachable on closes every open
// connection at once.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	var victims []*trackedConn
	if f.Unreachable {
		for c := range s.conns {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		resetConn(c.Conn)
	}
}

// Faults returns the faults in force.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Close stops the listeners, closes their connections and cancels running commands.
// It does not wait for handlers to return.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	s.servers = nil
	shells := s.shells
	s.shells = map[string]*shell{}
	s.mu.Unlock()

	s.cancel()
	for _, sh := range shells {
		sh.close()
	}
	var first error
	for _, hs := range servers {
		if err := hs.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Server) observe(kind, action string) {
	if s.cfg.Observe != nil {
		s.cfg.Observe(Stat{Kind: kind, Action: action})
	}
}

// takeDrop consumes one DropNext if the request's action matches the filter.
func (s *Server) takeDrop(action string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.faults
	if f.DropNext <= 0 || (f.DropAction != "" && !hasSuffixFold(action, f.DropAction)) {
		return false
	}
	f.DropNext--
	return true
}
