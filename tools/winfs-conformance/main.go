// Command winfs-conformance runs the conformance suite (internal/conformance)
// against the lab or a real Windows server, through the provider's own
// client, and prints one line per case and a closing summary (make
// conformance). See docs/guides/verify-on-your-servers.md.
//
//	winfs-conformance --target lab [--scenario default] [--locale en-US]
//	winfs-conformance --address fs-test.corp.example.com [--port 5986] [--https=true]
//	    [--ca-file ca.pem | --insecure] [--auth ntlm] [--scratch-dir C:\ProgramData\winfs-conformance]
//	    [--disk-serial SERIAL] [--dns-zone ZONE] [--dfs-server NAME]
//	    [--spare-address 192.168.0.77/24 --interface Ethernet] [--json]
//
// The account of a real server comes from WINFS_WINRM_USERNAME and
// WINFS_WINRM_PASSWORD. Exit status: 0 when every case passed or was
// skipped, 1 when one failed or the server could not be reached, 2 when a
// flag was refused (nothing was touched).
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/conformance"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// Environment variables holding a real server's account.
const (
	envUsername = "WINFS_WINRM_USERNAME"
	envPassword = "WINFS_WINRM_PASSWORD"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1
	exitRefused = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// options are the parsed flags.
type options struct {
	target, scenario, locale, server           string
	address, caFile, auth, tlsServerName       string
	port                                       int
	https, insecure, json, directory           bool
	scratchDir, diskSerial, dnsZone, dfsServer string
	spareAddress, iface                        string
	wait, connectTimeout                       time.Duration
	username, password                         string
	caPEM                                      []byte
	explicit                                   map[string]bool
}

// refusal is a flag refused before anything is touched.
type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error { return refusal{fmt.Sprintf(format, args...)} }

func parse(args []string, getenv func(string) string) (options, error) {
	var o options
	fs := flag.NewFlagSet("winfs-conformance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.target, "target", "", `"lab" (the in-process lab) or "server" (a real server at --address; the default when --address is given)`)
	fs.StringVar(&o.scenario, "scenario", "default", "lab: a built-in scenario name or a scenario JSON file")
	fs.StringVar(&o.locale, "locale", "en-US", "lab: the display language of the lab's hosts")
	fs.StringVar(&o.server, "server", "", "lab: the host under test (default: the scenario's first)")
	fs.StringVar(&o.address, "address", "", "server: the host name or IP address of the WinRM listener")
	fs.IntVar(&o.port, "port", 0, "server: the WinRM port (default 5986 with HTTPS, 5985 without)")
	fs.BoolVar(&o.https, "https", true, "server: use the HTTPS listener")
	fs.StringVar(&o.caFile, "ca-file", "", "server: PEM file of the CA that signed the listener's certificate")
	fs.BoolVar(&o.insecure, "insecure", false, "server: do not verify the listener's certificate (test servers only)")
	fs.StringVar(&o.tlsServerName, "tls-server-name", "", "server: the name to verify the certificate against (default: --address)")
	fs.StringVar(&o.auth, "auth", "ntlm", "server: ntlm or basic")
	fs.StringVar(&o.scratchDir, "scratch-dir", conformance.DefaultScratchDir, "the folder the suite creates and removes (its name must start with winfs-conformance)")
	fs.StringVar(&o.diskSerial, "disk-serial", "", "a spare disk (serial number or unique id) the storage cases may take offline, online and mount; without it they are skipped")
	fs.StringVar(&o.dfsServer, "dfs-server", "", "the server's host name, for the DFS cases (a standalone namespace \\\\NAME\\winfs-conformance-ns over a scratch share); without it they are skipped")
	fs.StringVar(&o.dnsZone, "dns-zone", "", "a scratch DNS zone the server hosts, for the DNS cases; without it they are skipped")
	fs.StringVar(&o.spareAddress, "spare-address", "", "an IPv4 address/prefix length of the server's subnet that no host uses, for the cases that add and remove a service address on --interface; without it they are skipped")
	fs.StringVar(&o.iface, "interface", "", "with --spare-address: the server's network adapter name, e.g. Ethernet")
	fs.BoolVar(&o.directory, "directory", false, "allow the case that adds a scratch SPN ("+conformance.ScratchSPNClass+"/<computer>) to the server's own computer account and removes it")
	fs.DurationVar(&o.wait, "wait", 60*time.Second, "how long a case waits for Windows to catch up (a volume appearing after its disk comes online)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 30*time.Second, "how long to wait for the server's first answer")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON instead of lines")
	if err := fs.Parse(args); err != nil {
		return o, refuse("%v", err)
	}
	if fs.NArg() > 0 {
		return o, refuse("unexpected argument %q: every option is a --flag", fs.Arg(0))
	}
	o.explicit = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.explicit[f.Name] = true })
	if o.target == "" && o.address != "" {
		o.target = "server"
	}
	switch o.target {
	case "lab":
		for _, f := range []string{"address", "port", "https", "ca-file", "insecure", "tls-server-name", "auth", "disk-serial", "dns-zone", "directory", "dfs-server", "spare-address", "interface"} {
			if o.explicit[f] {
				return o, refuse("--%s is for a real server (--target server); the lab target gives its own", f)
			}
		}
		if err := conformance.CheckLocale(o.locale); err != nil {
			return o, refuse("--locale: %v", err)
		}
	case "server":
		if err := o.checkServer(getenv); err != nil {
			return o, err
		}
	case "":
		return o, refuse("--target: give --target lab, or --address of a server")
	default:
		return o, refuse("--target %q: want lab or server", o.target)
	}
	return o, o.checkScratch()
}

func (o *options) checkServer(getenv func(string) string) error {
	for _, f := range []string{"scenario", "locale", "server"} {
		if o.explicit[f] {
			return refuse("--%s is for --target lab", f)
		}
	}
	if o.address == "" {
		return refuse("--address: required with --target server")
	}
	if o.port == 0 {
		o.port = 5985
		if o.https {
			o.port = 5986
		}
	}
	if o.port < 1 || o.port > 65535 {
		return refuse("--port %d: want 1 to 65535", o.port)
	}
	if o.auth != "ntlm" && o.auth != "basic" {
		return refuse("--auth %q: want ntlm or basic", o.auth)
	}
	if !o.https && (o.caFile != "" || o.insecure || o.tlsServerName != "") {
		return refuse("--ca-file, --insecure and --tls-server-name need --https")
	}
	if o.caFile != "" && o.insecure {
		return refuse("--ca-file and --insecure: give one")
	}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return refuse("--ca-file: %v", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return refuse("--ca-file %s: no PEM certificate in it", o.caFile)
		}
		o.caPEM = pem
	}
	o.username, o.password = getenv(envUsername), getenv(envPassword)
	if o.username == "" || o.password == "" {
		return refuse("%s and %s must hold the account of the server (an administrator)", envUsername, envPassword)
	}
	if o.dnsZone != "" && !dnsZonePattern.MatchString(o.dnsZone) {
		return refuse("--dns-zone %q: dotted labels without a trailing dot, e.g. winfs-conformance.corp.example.com", o.dnsZone)
	}
	if o.spareAddress != "" {
		p, err := netip.ParsePrefix(o.spareAddress)
		if err != nil || !p.Addr().Is4() || p.Bits() < 1 {
			return refuse("--spare-address %q: an IPv4 address and prefix length, e.g. 192.168.0.77/24", o.spareAddress)
		}
		if o.iface == "" {
			return refuse("--spare-address needs --interface, the network adapter to add it to (e.g. Ethernet)")
		}
	}
	if o.explicit["disk-serial"] && strings.TrimSpace(o.diskSerial) == "" {
		return refuse("--disk-serial: empty")
	}
	return nil
}

var dnsZonePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*$`)

// checkScratch refuses a scratch folder the suite could not safely remove.
func (o *options) checkScratch() error {
	if err := smbshare.ValidatePath(o.scratchDir); err != nil {
		return refuse("--scratch-dir: %v", err)
	}
	base := o.scratchDir[strings.LastIndex(o.scratchDir, `\`)+1:]
	if len(o.scratchDir) <= 3 || !strings.HasPrefix(strings.ToLower(base), conformance.ScratchDirName) {
		return refuse("--scratch-dir %s: the folder's own name must start with %s (the suite removes it with everything in it)", o.scratchDir, conformance.ScratchDirName)
	}
	if !strings.EqualFold(o.scratchDir[:2], "C:") {
		return refuse("--scratch-dir %s: must be on C: (the share and mount cases need a local NTFS volume that is always mounted)", o.scratchDir)
	}
	return nil
}

// startFailed reports an error before any case ran: a refusal (the run
// would be unsafe or is misconfigured) or a failure to connect.
func startFailed(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "winfs-conformance:", err)
	var r refusal
	if errors.As(err, &r) {
		return exitRefused
	}
	return exitFailed
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parse(args, getenv)
	if err != nil {
		return startFailed(stderr, err)
	}
	cfg, closeFn, err := connect(ctx, o)
	if err != nil {
		return startFailed(stderr, err)
	}
	defer closeFn()
	cfg.ScratchDir, cfg.Wait = o.scratchDir, o.wait
	if !o.json {
		fmt.Fprintf(stdout, "winfs-conformance: %s: %d cases over %d operations\n", cfg.Target, len(conformance.Cases), len(agent.Ops))
		cfg.Progress = stdout
	}
	rep := conformance.Execute(ctx, cfg)
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		if rep.Setup != "" {
			fmt.Fprintln(stdout, "SETUP FAILED:", rep.Setup)
		}
		if rep.Cleanup != "" {
			fmt.Fprintln(stdout, "CLEANUP FAILED:", rep.Cleanup)
		}
		fmt.Fprintln(stdout, rep.Summary())
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitOK
}

// connect starts the lab or reaches the server, and checks the spare disk.
// Nothing is changed on the server before it returns.
func connect(ctx context.Context, o options) (conformance.Config, func(), error) {
	if o.target == "lab" {
		t, err := conformance.StartLab(conformance.LabOptions{Scenario: o.scenario, Locale: o.locale, Server: o.server})
		if err != nil {
			return conformance.Config{}, nil, fmt.Errorf("starting the lab: %w", err)
		}
		return t.Config, t.Close, nil
	}
	ep := windows.Endpoint{Host: o.address, Port: o.port, HTTPS: o.https, Insecure: o.insecure, CACertPEM: o.caPEM,
		TLSServerName: o.tlsServerName, Auth: o.auth, Username: o.username, Password: o.password, Timeout: 2 * time.Minute}
	starter, err := windows.NewWinRMStarter(o.address, ep)
	if err != nil {
		return conformance.Config{}, nil, err
	}
	c, err := conformance.NewClient(o.address, starter)
	if err != nil {
		return conformance.Config{}, nil, err
	}
	closeFn := func() { _ = c.Close() }
	hctx, cancel := context.WithTimeout(ctx, o.connectTimeout)
	defer cancel()
	if _, err := c.Hello(hctx); err != nil {
		closeFn()
		return conformance.Config{}, nil, fmt.Errorf("cannot reach the agent on %s: %w", ep.Addr(), err)
	}
	if o.diskSerial != "" {
		if err := conformance.Preflight(hctx, c, o.diskSerial); err != nil {
			closeFn()
			return conformance.Config{}, nil, refuse("%v", err)
		}
	}
	scheme := "http"
	if o.https {
		scheme = "https"
	}
	cfg := conformance.Config{Target: fmt.Sprintf("%s://%s", scheme, ep.Addr()), Client: c, Host: conformance.RemoteHost{Starter: starter},
		DiskSerial: o.diskSerial, DNSZone: o.dnsZone, DFSServer: o.dfsServer, Endpoint: &ep, Directory: o.directory,
		SpareAddress: o.spareAddress, Interface: o.iface}
	return cfg, closeFn, nil
}
