package windows_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	masterzen "github.com/masterzen/winrm"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pwsh"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	labwinrm "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// startLabWinRM serves a host through the lab's WinRM listener, so the
// masterzen-backed Starter is exercised over real HTTP.
func startLabWinRM(t *testing.T) (*labwinrm.Server, *winhost.Host, windows.Endpoint, *atomic.Int64) {
	t.Helper()
	return startLabWinRMWith(t, nil)
}

// startLabWinRMWith is startLabWinRM with the listener's configuration
// changed by configure first.
func startLabWinRMWith(t *testing.T, configure func(*labwinrm.Config)) (*labwinrm.Server, *winhost.Host, windows.Endpoint, *atomic.Int64) {
	t.Helper()
	host := winhost.New("server1", nil)
	commands := new(atomic.Int64)
	cfg := labwinrm.Config{
		Username: "Administrator", Password: secret,
		Handler: labwinrm.HandlerFunc(func(ctx context.Context, p *labwinrm.Process) int {
			return pwsh.Run(ctx, p.CommandLine, p.Arguments, p.Stdin, p.Stdout, p.Stderr, host)
		}),
		MaxOperationTimeout: 2 * time.Second,
		Observe: func(st labwinrm.Stat) {
			if st.Kind == labwinrm.StatCommandStart {
				commands.Add(1)
			}
		},
	}
	if configure != nil {
		configure(&cfg)
	}
	srv := labwinrm.New(cfg)
	t.Cleanup(func() { _ = srv.Close() })
	addr, err := srv.ListenAndServe("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	tcp := addr.(*net.TCPAddr)
	return srv, host, windows.Endpoint{Host: "127.0.0.1", Port: tcp.Port, Username: "Administrator", Password: secret, Timeout: 10 * time.Second}, commands
}

func TestOverLabWinRM(t *testing.T) {
	for _, auth := range []string{"ntlm", "basic"} {
		for _, mode := range []windows.Mode{windows.ModePersistent, windows.ModePerRequest} {
			t.Run(auth+"/"+string(mode), func(t *testing.T) {
				_, host, ep, _ := startLabWinRM(t)
				ep.Auth = auth
				c := newLabClient(t, ep, mode)
				ctx := testCtx(t)
				h, err := c.Hello(ctx)
				if err != nil || h.ComputerName != "SERVER1" {
					t.Fatalf("hello: %+v, %v", h, err)
				}
				p := agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyLanmanServerShares},
					Name: "Finance Team", Value: agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{"Path=X:\\Finance", "Remark=l'\u00e9quipe $x `y`"}}}
				if err := c.RegistrySet(ctx, p); err != nil {
					t.Fatal(err)
				}
				got, ok := host.RegistryValue("HKLM", winhost.KeyLanmanServerShares, "finance team")
				if !ok || !windows.SameRegistryValue(got, p.Value) {
					t.Fatalf("host holds %+v", got)
				}
			})
		}
	}
}

func TestOverLabWinRMReadSurvivesADroppedConnection(t *testing.T) {
	testReadSurvivesDrops(t, 1, "the dropped session and its replacement")
}

// testReadSurvivesDrops cuts the connection of the agent's first drops
// Receives; the read still answers, at the cost of one agent command per cut.
func testReadSurvivesDrops(t *testing.T, drops int, why string) {
	srv, _, ep, commands := startLabWinRM(t)
	c := newLabClient(t, ep, windows.ModePersistent)
	ctx := testCtx(t)
	// Set before the agent starts, so the cut hits its first Receive (the
	// one that would carry the answer), not a long poll already in flight.
	srv.SetFaults(labwinrm.Faults{DropNext: drops, DropAction: "Receive"})
	got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters}, Name: "CacheTimeout"})
	if err != nil || got.Value == nil || got.Value.Data != "600000" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if n := commands.Load(); n != int64(drops+1) {
		t.Errorf("%d agent commands started, want %d (%s)", n, drops+1, why)
	}
}

// newLabClient is a client of server1 at ep, over WinRM.
func newLabClient(t *testing.T, ep windows.Endpoint, mode windows.Mode) *windows.Client {
	t.Helper()
	st, err := windows.NewWinRMStarter("server1", ep)
	if err != nil {
		t.Fatal(err)
	}
	return newClientWith(t, st, mode)
}

func newClientWith(t *testing.T, st windows.Starter, mode windows.Mode) *windows.Client {
	t.Helper()
	return clientOf(t, st, mode, 10*time.Second)
}

// clientOf is a client of server1 through st, closed when the test ends.
func clientOf(t *testing.T, st windows.Starter, mode windows.Mode, startTimeout time.Duration) *windows.Client {
	t.Helper()
	c, err := windows.New("server1", st, mode, windows.WithStartTimeout(startTimeout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Two cuts in a row (the replacement agent's connection is cut too) still
// cost only reconnects. go-ntlmssp reports a cut during its handshake as a
// 401, which must not end the retries.
func TestOverLabWinRMReadSurvivesTwoDroppedConnections(t *testing.T) {
	testReadSurvivesDrops(t, 2, "two cut sessions and the one that answered")
}

// A connection dropped while the agent starts (the command that starts
// powershell.exe) is retried like a read, even for a write: nothing of the
// request ran. When every start is dropped, the error says so, with the
// cause.
func TestOverLabWinRMAgentStartSurvivesADroppedConnection(t *testing.T) {
	for _, action := range []string{"Command"} {
		t.Run(action, func(t *testing.T) {
			srv, host, ep, _ := startLabWinRM(t)
			c := newLabClient(t, ep, windows.ModePersistent)
			ctx := testCtx(t)
			srv.SetFaults(labwinrm.Faults{DropNext: 1, DropAction: action})
			p := agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters},
				Name: "StartRetry", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "set"}}
			if err := c.RegistrySet(ctx, p); err != nil {
				t.Fatalf("a write after a dropped %s: %v", action, err)
			}
			if got, ok := host.RegistryValue("HKLM", winhost.KeyNetBTParameters, "StartRetry"); !ok || got.Data != "set" {
				t.Fatalf("host holds %+v", got)
			}
		})
	}
	t.Run("gives up", func(t *testing.T) {
		srv, _, ep, _ := startLabWinRM(t)
		c := newLabClient(t, ep, windows.ModePersistent)
		srv.SetFaults(labwinrm.Faults{DropNext: 10, DropAction: "Command"})
		_, err := c.Hello(testCtx(t))
		if err == nil || !strings.Contains(err.Error(), "starting the agent on server1 failed 3 times, each time on a dropped connection") ||
			!strings.Contains(err.Error(), "starting the agent: ") {
			t.Fatalf("want the give-up with its reason, got %v", err)
		}
	})
}

// The client asks WinRM for pipe-mode stdin, so a request line far longer
// than the 254 characters a console would pass reaches the agent whole.
func TestOverLabWinRMLongRequestsReachTheAgent(t *testing.T) {
	_, host, ep, _ := startLabWinRM(t)
	if err := host.SetRegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\X:`, agent.RegistryValue{Type: agent.RegBinary, Data: "00"}); err != nil {
		t.Fatal(err)
	}
	c := newLabClient(t, ep, windows.ModePersistent)
	share := agent.Share{Name: "Finance", Path: `X:\Finance`, CachingMode: agent.CachingManual,
		Description: strings.Repeat("quarterly closing ", 20),
		Access:      []agent.ShareAccess{{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow}}}
	p := agent.ShareSetParams{Share: share, Scope: []string{`X:\`}}
	if raw, _ := json.Marshal(p); len(raw) <= 400 {
		t.Fatalf("the request is only %d bytes long", len(raw))
	}
	if _, err := c.ShareSet(testCtx(t), p); err != nil {
		t.Fatal(err)
	}
	list, err := c.ShareList(testCtx(t), []string{`X:\`})
	if err != nil || len(list.Shares) != 1 || list.Shares[0].Description != share.Description {
		t.Fatalf("list %+v, %v", list, err)
	}
}

// On a console stdin the loader refuses to start, and the client says why.
func TestConsoleStdinIsRefusedLoudly(t *testing.T) {
	lab := newLab()
	lab.console = true
	c := newClient(t, lab, windows.ModePersistent)
	_, err := c.Hello(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), agent.ConsoleStdinRefusal) || !strings.Contains(err.Error(), "code 3") {
		t.Fatalf("want the loader's refusal with exit code 3, got %v", err)
	}
}

// masterzen/winrm asks for console mode: the lab's WinRM server then gives
// powershell.exe a console stdin and the loader refuses it.
func TestOverLabWinRMConsoleModeIsRefusedByTheLoader(t *testing.T) {
	_, _, ep, _ := startLabWinRM(t)
	c, err := masterzen.NewClient(&masterzen.Endpoint{Host: ep.Host, Port: ep.Port, Timeout: ep.Timeout}, ep.Username, ep.Password)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code, err := c.RunWithContextWithString(testCtx(t), agent.LoaderCommandLine(), agent.Script+agent.EndOfScript+"\r\n")
	if err != nil || code != agent.ExitConsoleStdin || stdout != "" || !strings.Contains(stderr, agent.ConsoleStdinRefusal) {
		t.Fatalf("code %d, stdout %q, stderr %q, %v", code, stdout, stderr, err)
	}
}
