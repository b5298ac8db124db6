// Package lab runs the emulated estate the provider is tested against: one
// WinRM listener pair (HTTP and HTTPS) per Windows host, the host models
// behind them, a SAN array with a telnet CLI (internal/lab/array), an
// authoritative DNS server for the scenario's zone, an admin API for tests
// and users, a timeline of every state change, fault injection and an
// invariant checker. It never imports the
// provider: it is a peer, as real servers are.
package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/addir"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsr"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pki"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pwsh"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// Options configure a lab.
type Options struct {
	Scenario Scenario
	Latency  Latency
	// Username and Password of the WinRM account; generated when empty.
	Username, Password string
	// SANUsername and SANPassword log into the array's telnet CLI
	// (default root and a generated password); SANDialect is the CLI it
	// speaks: ontap7 (default) or msa.
	SANUsername, SANPassword, SANDialect string
	// Locale is the Windows servers' display language: en-US (default),
	// de-DE or fr-FR. Built-in account names and the text of native tools
	// are localized; SIDs are not.
	Locale string
	// Kerberos joins the hosts to a realm served by a real MIT KDC
	// (krb5kdc, started on loopback): their WinRM listeners then accept
	// Kerberos in Negotiate besides NTLM and Basic.
	Kerberos bool
	// DisableNTLM makes the hosts refuse NTLM, as in an estate where
	// NTLM is turned off by policy ("Network security: Restrict NTLM").
	DisableNTLM bool
}

// Lab is a running estate.
type Lab struct {
	Timeline *timeline.Timeline

	opts        Options
	ca          *pki.CA
	servers     map[string]*server
	dns         *dnsService
	admin       *adminServer
	latency     Latency
	array       *array.Array
	lunData     *lundata.Store
	dfsDomain   *dfsn.Store            // domain-based DFS namespaces (dfs.go)
	dfsLocal    map[string]*dfsn.Store // standalone namespaces, by server
	dfsrGroups  *dfsr.Store            // DFS Replication configuration (dfsr_replication.go)
	replication *replicator
	net         *network // the LAN's devices beyond the servers (address.go)
	sanPort     int
	sanSSHPort  int
	mu          sync.Mutex
	probe       *probeWatcher  // the client probe's watcher, last started
	agents      atomic.Int64   // PowerShell processes running on any server
	krb         *kerberosRealm // nil without Options.Kerberos
	dir         *addir.Directory
	closed      bool
	closeFns    []func()
}

// server is one emulated Windows host and its WinRM listeners.
type server struct {
	name      string
	host      *winhost.Host
	winrm     *winrm.Server
	httpPort  int
	httpsPort int
	stats     *hostStats

	faultMu     sync.Mutex
	killAfterOp string       // kill_agent: the operation after which the agent dies
	hangOp      string       // hang_agent: the operation the agent never answers
	clockSkew   atomic.Int64 // nanoseconds the host's clock is ahead (fault clock_skew)
}

// Start brings the whole estate up on 127.0.0.1 ports of its own choosing.
func Start(opts Options) (*Lab, error) {
	if opts.Scenario.Name == "" {
		opts.Scenario = DefaultScenario()
	}
	if opts.Username == "" {
		opts.Username = "winfs-admin"
	}
	if opts.Password == "" {
		opts.Password = randomPassword()
	}
	if opts.SANUsername == "" {
		opts.SANUsername = "root"
	}
	if opts.SANPassword == "" {
		opts.SANPassword = randomPassword()
	}
	if opts.SANDialect == "" {
		opts.SANDialect = array.DialectONTAP7
	}
	if err := secdesc.CheckLocale(opts.Locale); err != nil {
		return nil, err
	}
	ca, err := pki.NewCA("winfs lab CA")
	if err != nil {
		return nil, err
	}
	l := &Lab{
		Timeline: timeline.New(),
		opts:     opts,
		ca:       ca,
		servers:  map[string]*server{},
		latency:  opts.Latency,
	}
	if opts.Kerberos {
		if err := l.startKerberos(); err != nil {
			l.Close()
			return nil, err
		}
	}
	for _, hs := range opts.Scenario.Servers {
		if err := l.startServer(hs); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.startDirectory()
	l.joinDFS()
	l.startReplication()
	if err := l.startDNS(); err != nil {
		l.Close()
		return nil, err
	}
	if err := l.startNetwork(); err != nil {
		l.Close()
		return nil, err
	}
	if err := l.startArray(opts.Scenario.san()); err != nil {
		l.Close()
		return nil, err
	}
	l.applyLatency(opts.Latency)
	if err := opts.Scenario.apply(l); err != nil {
		l.Close()
		return nil, err
	}
	if err := l.seedAliasSPNs(opts.Scenario.AliasSPNs); err != nil {
		l.Close()
		return nil, err
	}
	admin, err := startAdmin(l)
	if err != nil {
		l.Close()
		return nil, err
	}
	l.admin = admin
	return l, nil
}

func (l *Lab) startServer(name string) error {
	h := winhost.New(name, l.Timeline)
	if err := h.SetLocale(l.opts.Locale); err != nil {
		return err
	}
	s := &server{name: name, host: h, stats: &hostStats{}}
	var krb *winrm.Kerberos
	if l.krb != nil {
		var err error
		if krb, err = l.joinRealm(name, &s.clockSkew); err != nil {
			return err
		}
	}
	s.winrm = winrm.New(winrm.Config{
		Username:    l.opts.Username,
		Password:    l.opts.Password,
		Handler:     winrm.HandlerFunc(func(ctx context.Context, p *winrm.Process) int { return l.runCommand(ctx, s, p) }),
		Observe:     s.stats.observe,
		Kerberos:    krb,
		DisableNTLM: l.opts.DisableNTLM,
	})
	tlsCfg, err := l.ca.ServerTLSConfig("127.0.0.1", "localhost", name, name+".corp.example.com")
	if err != nil {
		return err
	}
	httpAddr, err := s.winrm.ListenAndServe("127.0.0.1:0", nil)
	if err != nil {
		return fmt.Errorf("lab %s: WinRM HTTP listener: %w", name, err)
	}
	httpsAddr, err := s.winrm.ListenAndServe("127.0.0.1:0", tlsCfg)
	if err != nil {
		s.winrm.Close()
		return fmt.Errorf("lab %s: WinRM HTTPS listener: %w", name, err)
	}
	s.httpPort = httpAddr.(*net.TCPAddr).Port
	s.httpsPort = httpsAddr.(*net.TCPAddr).Port
	s.winrm.SetFaults(winrm.Faults{Latency: l.latency.RTT})
	h.SetVolumeArrival(l.latency.VolumeArrival)
	l.servers[name] = s
	l.closeFns = append(l.closeFns, func() { _ = s.winrm.Close() })
	return nil
}

// runCommand is what a Windows host does with a command from a WinRM shell:
// powershell.exe is emulated (the agent among it), anything else answers as
// cmd.exe does for an unknown program.
func (l *Lab) runCommand(ctx context.Context, s *server, p *winrm.Process) int {
	if isPowerShell(p.CommandLine) {
		l.agents.Add(1)
		defer l.agents.Add(-1)
		s.stats.add(func(st *Stats) { st.ProcessStarts++ })
		if d := l.Latency().ProcessStart; d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return 1
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := &gatedWriter{w: p.Stdout}
	exec := hostExec{ctx: ctx, lab: l, s: s, next: &faultingExecutor{ctx: ctx, lab: l, s: s, out: out, kill: cancel}}
	return pwsh.Run(ctx, p.CommandLine, p.Arguments, p.Stdin, out, p.Stderr, exec)
}

// Host returns a host model by server name (nil if unknown).
func (l *Lab) Host(name string) *winhost.Host {
	if s, ok := l.servers[name]; ok {
		return s.host
	}
	return nil
}

// ServerNames lists the hosts, sorted.
func (l *Lab) ServerNames() []string {
	names := make([]string, 0, len(l.servers))
	for n := range l.servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Username and Password of the lab's WinRM account.
func (l *Lab) Username() string { return l.opts.Username }
func (l *Lab) Password() string { return l.opts.Password }

// CACertPEM is the CA that signed every HTTPS listener.
func (l *Lab) CACertPEM() []byte { return l.ca.CertPEM() }

// Ports returns a server's WinRM HTTP and HTTPS ports.
func (l *Lab) Ports(name string) (httpPort, httpsPort int, ok bool) {
	s, ok := l.servers[name]
	if !ok {
		return 0, 0, false
	}
	return s.httpPort, s.httpsPort, true
}

// AdminURL is the base URL of the admin API.
func (l *Lab) AdminURL() string { return l.admin.url }

// Close stops every listener and running command.
func (l *Lab) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	fns := l.closeFns
	probe := l.probe
	l.mu.Unlock()
	if probe != nil {
		probe.halt()
	}
	if l.admin != nil {
		l.admin.close()
	}
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// isPowerShell says whether a command line starts powershell.exe, which is
// what costs a process start on Windows.
func isPowerShell(commandLine string) bool {
	exe := strings.TrimSpace(commandLine)
	if strings.HasPrefix(exe, `"`) {
		exe, _, _ = strings.Cut(exe[1:], `"`)
	} else {
		exe, _, _ = strings.Cut(exe, " ")
	}
	if i := strings.LastIndexAny(exe, `\/`); i >= 0 {
		exe = exe[i+1:]
	}
	exe = strings.ToLower(exe)
	return exe == "powershell" || exe == "powershell.exe" || exe == "pwsh" || exe == "pwsh.exe"
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	// Characters that break naive quoting, so the lab exercises "data, not code".
	return "Lab$`'\"" + hex.EncodeToString(b)
}
