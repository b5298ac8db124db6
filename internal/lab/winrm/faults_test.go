package winrm_test

import (
	"strings"
	"testing"
	"time"

	lab "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

func TestUnreachableFailsFastAndRecoversOnTheSamePort(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	runGreet(t, c)

	f.srv.SetFaults(lab.Faults{Unreachable: true})
	start := time.Now()
	if _, _, _, err := c.RunCmdWithContext(testContext(t), "greet x"); err == nil {
		t.Fatal("run succeeded against an unreachable host")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failing took %v: unreachable must fail fast", d)
	}

	f.srv.SetFaults(lab.Faults{})
	runGreet(t, c)
	if got := f.handler.started; len(got) != 2 {
		t.Errorf("%d commands ran, want 2 (none while unreachable)", len(got))
	}
}

func TestUnreachableCutsOpenConnections(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	_, cmd := startCommand(testContext(t), t, c, "block")
	<-f.handler.started
	// Wait until the client's Receive long poll is in flight, then kill the host.
	for st := range f.stats.notify {
		if strings.HasSuffix(st.Action, "/Receive") {
			break
		}
	}
	f.srv.SetFaults(lab.Faults{Unreachable: true})
	cmd.Wait() // the held Receive fails: the client gives up on the command
	if cmd.ExitCode() == 130 {
		t.Fatal("the command completed normally although its host died")
	}
}

func TestDropNextCommandActsButLosesTheReply(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	f.srv.SetFaults(lab.Faults{DropNext: 1, DropAction: "Command"})

	_, _, _, err := c.RunCmdWithContext(testContext(t), "greet dropped")
	if err == nil {
		t.Fatal("dropped Command reported success")
	}
	if line := <-f.handler.started; line != "greet dropped" {
		t.Fatalf("started %q", line)
	}
	if got := f.srv.Faults().DropNext; got != 0 {
		t.Fatalf("DropNext left at %d", got)
	}
	runGreet(t, c) // one drop only
}

func TestDropNextReceiveLooksLikeALostConnection(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	f.srv.SetFaults(lab.Faults{DropNext: 1, DropAction: "Receive"})
	_, _, code, err := c.RunCmdWithContext(testContext(t), "greet x")
	if err == nil || !strings.Contains(err.Error(), "EOF") || code != 16001 {
		t.Fatalf("code %d err %v, want the client's 16001 for a connection closed in Receive", code, err)
	}
}

func TestDropNextWithoutFilterDropsTheFirstRequest(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	f.srv.SetFaults(lab.Faults{DropNext: 1})
	if _, err := c.CreateShell(); err == nil {
		t.Fatal("dropped Create succeeded")
	}
	if n := f.stats.get("shell_create"); n != 0 {
		t.Fatalf("a dropped Create created %d shells: only Send and Command act before the drop", n)
	}
	runGreet(t, c)
}

func TestLatencyIsAddedToEveryRequest(t *testing.T) {
	const rtt = 40 * time.Millisecond
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	f.srv.SetFaults(lab.Faults{Latency: rtt})
	start := time.Now()
	if _, _, _, err := c.RunCmdWithContext(testContext(t), "greet x"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	// Create, Command, Receive, Signal, Delete: at least five round trips.
	if requests := f.stats.get("http_request"); elapsed < time.Duration(requests)*rtt || requests < 5 {
		t.Fatalf("%d requests took %v with %v latency each", requests, elapsed, rtt)
	}
}

func TestStatsCountShellsCommandsAndRequests(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	for range 3 {
		if _, _, _, err := c.RunCmdWithContext(testContext(t), "greet x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.stats.get("shell_create"); got != 3 {
		t.Errorf("shell_create %d, want one per run", got)
	}
	if got := f.stats.get("command_start"); got != 3 {
		t.Errorf("command_start %d, want one per run", got)
	}
	for _, action := range []string{"Create", "Command", "Signal", "Delete"} {
		if got := f.stats.get("http_request " + action); got != 3 {
			t.Errorf("http_request %s = %d, want 3", action, got)
		}
	}
	if got := f.stats.get("http_request Receive"); got < 3 {
		t.Errorf("http_request Receive = %d", got)
	}
}
