package windows_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

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
				st, err := windows.NewWinRMStarter("server1", ep)
				if err != nil {
					t.Fatal(err)
				}
				c := newClientWith(t, st, mode)
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
	srv, _, ep, commands := startLabWinRM(t)
	st, err := windows.NewWinRMStarter("server1", ep)
	if err != nil {
		t.Fatal(err)
	}
	c := newClientWith(t, st, windows.ModePersistent)
	ctx := testCtx(t)
	// Set before the agent starts, so the cut hits its first Receive (the
	// one that would carry the answer), not a long poll already in flight.
	srv.SetFaults(labwinrm.Faults{DropNext: 1, DropAction: "Receive"})
	got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters}, Name: "CacheTimeout"})
	if err != nil || got.Value == nil || got.Value.Data != "600000" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if n := commands.Load(); n != 2 {
		t.Errorf("%d agent commands started, want 2 (the dropped session and its replacement)", n)
	}
}

func newClientWith(t *testing.T, st windows.Starter, mode windows.Mode) *windows.Client {
	t.Helper()
	c, err := windows.New("server1", st, mode, windows.WithStartTimeout(10*time.Second))
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
	srv, _, ep, commands := startLabWinRM(t)
	st, err := windows.NewWinRMStarter("server1", ep)
	if err != nil {
		t.Fatal(err)
	}
	c := newClientWith(t, st, windows.ModePersistent)
	ctx := testCtx(t)
	srv.SetFaults(labwinrm.Faults{DropNext: 2, DropAction: "Receive"})
	got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters}, Name: "CacheTimeout"})
	if err != nil || got.Value == nil || got.Value.Data != "600000" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if n := commands.Load(); n != 3 {
		t.Errorf("%d agent commands started, want 3 (two cut sessions and the one that answered)", n)
	}
}
