package lab

import (
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

func setGroup(t *testing.T, l *Lab, schedule bool) {
	t.Helper()
	agentDo[agent.DFSRGroupSetResult](t, l.Host("server1"), agent.DFSRGroupSet.Name, agent.DFSRGroupSetParams{Name: "Files", DFSRGroupSettings: agent.DFSRGroupSettings{
		Members: []string{"server1", "server2"},
		Folders: []agent.DFSRFolder{{Name: "Finance", Memberships: []agent.DFSRMembership{
			{Member: "server1", ContentPath: `D:\Finance`}, {Member: "server2", ContentPath: `D:\Finance`}}}},
		Connections: []agent.DFSRConnection{{A: "server1", B: "server2"}},
		Schedule:    schedule,
	}})
}

func backlog(t *testing.T, l *Lab, src, dst string) int64 {
	t.Helper()
	return agentDo[agent.DFSRBacklogGetResult](t, l.Host("server2"), agent.DFSRBacklogGet.Name,
		agent.DFSRBacklogGetParams{Group: "Files", Folder: "Finance", Source: src, Destination: dst}).Files
}

// waitBacklog waits until the backlog from src to dst is zero.
func waitBacklog(t *testing.T, l *Lab, src, dst string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for backlog(t, l, src, dst) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backlog %s -> %s never reached zero", src, dst)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A write through the namespace lands on the preferred target, is in the
// backlog until the replication delay has passed, then is on the backup:
// after a crash of the primary the client reads it back there. With the
// schedule off nothing replicates.
func TestDFSRReplicatesAndFailoverKeepsWrites(t *testing.T) {
	l := startDFSLab(t, true)
	l.SetLatency(Latency{Name: "test", DFSReplication: 300 * time.Millisecond})
	setGroup(t, l, true)
	c := l.NewDFSClient(nil)
	o, err := c.Write(testFolder+`\ledger.txt`, "v1")
	wantServer(t, "write", o, err, "server1")
	if n := backlog(t, l, "server1", "server2"); n != 1 {
		t.Fatalf("backlog right after the write: %d, want 1", n)
	}
	waitBacklog(t, l, "server1", "server2")
	l.Host("server1").Crash()
	got, o, err := c.Read(testFolder + `\ledger.txt`)
	wantServer(t, "read after the crash", o, err, "server2")
	if got != "v1" {
		t.Fatalf("read %q after the failover, want v1", got)
	}
	// Written on the backup while the primary is down: it goes back when
	// the primary returns.
	if _, err := c.Write(testFolder+`\ledger.txt`, "v2"); err != nil {
		t.Fatal(err)
	}
	l.Host("server1").Boot()
	waitBacklog(t, l, "server2", "server1")
	if got, _ := l.Host("server1").ReadFile(`D:\Finance\ledger.txt`); got != "v2" {
		t.Fatalf("server1 has %q after replication back, want v2", got)
	}

	setGroup(t, l, false)
	if _, err := c.Write(testFolder+`\paused.txt`, "x"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if n := backlog(t, l, "server2", "server1"); n != 1 {
		t.Fatalf("with the schedule off: backlog %d, want 1", n)
	}
}
