package lab

import (
	"context"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// TestAliasInvariantJudgedWhenNoCommandRuns: the alias pointing at a server
// without the shares is not judged while an agent runs (a command at work,
// as in the moment between share creation and the alias switch of a
// failover), and is reported once no agent runs.
func TestAliasInvariantJudgedWhenNoCommandRuns(t *testing.T) {
	l := startLab(t)
	if err := l.Zone().SetCNAME(AliasName, "server2."+DNSZone, 60, "test"); err != nil {
		t.Fatal(err)
	}
	httpPort, _, _ := l.Ports("server2")
	st, err := windows.NewWinRMStarter("server2", windows.Endpoint{Host: "127.0.0.1", Port: httpPort, Username: l.Username(), Password: l.Password(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := windows.New("server2", st, windows.ModePersistent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hello(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("judged while an agent runs: %+v", v)
	}
	_ = c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// Both alias checks fire: the shares and the alias's SPNs are on
		// server1 while the alias names server2.
		v := l.Invariants()
		kinds := map[Invariant]int{}
		for _, x := range v {
			kinds[x.Invariant]++
		}
		if len(kinds) == 2 && kinds[AliasServesShares] == 1 && kinds[AliasSPNsOnTarget] == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("once no agent runs, want the alias violation, got %+v", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
