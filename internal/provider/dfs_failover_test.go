package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

const dfsFailoverDir = "../../examples/dfs-failover"

// TestAccDFSFailover_example: examples/dfs-failover on the dfs lab. A
// planned failover waits for DFS Replication (the backlog precondition),
// then moves a client once its referral expires, and it reads back what it
// wrote; a crash of the active server moves the client by itself, and it
// fails back when the referral expires after the server returns; a planned
// failback. No invariant is violated.
func TestAccDFSFailover_example(t *testing.T) {
	t.Parallel()
	l := acctest.StartLab(t, lab.Options{Scenario: lab.DFSScenario(), Latency: lab.Latency{Name: "test", DFSReplication: 3 * time.Second}})
	tf := acctest.NewTerraform(t, testProvider)
	tf.CopyConfig(dfsFailoverDir)
	caFile := filepath.Join(t.TempDir(), "lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	vars, _ := json.Marshal(l.Ready(caFile).Variables(false, false))
	tf.WriteFile("lab.auto.tfvars.json", string(vars))

	path := `\\corp.example.com\files\Finance\ledger.txt`
	clock := lab.NewClientClock(time.Unix(1_800_000_000, 0))
	client := l.NewDFSClient(clock.Now)
	open := func(what, server, want string) {
		t.Helper()
		got, o, err := client.Read(path)
		if err != nil || o.Server != server || got != want {
			t.Fatalf("%s: read %q from %s (%v), want %q from %s", what, got, o.Server, err, want, server)
		}
	}
	write := func(what, server, content string) {
		t.Helper()
		o, err := client.Write(path, content)
		if err != nil || o.Server != server {
			t.Fatalf("%s: wrote to %s (%v), want %s", what, o.Server, err, server)
		}
	}
	inStep := func(src, dst string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for l.Host(dst) != nil {
			a, _ := l.Host(src).ReadFile(`D:\Finance\ledger.txt`)
			b, _ := l.Host(dst).ReadFile(`D:\Finance\ledger.txt`)
			if a == b {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never caught up with %s", dst, src)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	tf.Apply("-var", "active=server1")
	tf.PlanIsEmpty("-var", "active=server1")
	// The write waits in the backlog for as long as the plan takes: a
	// replication delay that a loaded machine's plan could outlast would
	// let the change reach server2 first (the test once failed so).
	replication := l.Latency()
	held := replication
	held.DFSReplication = time.Hour
	l.SetLatency(held)
	write("first write", "server1", "v1")

	// Planned failover right after the write: the backlog holds it.
	tf.ExpectPlanError(acctest.Phrases("DFS Replication has not yet copied every change of server1 to server2"), "-var", "active=server2")
	l.SetLatency(replication)
	inStep("server1", "server2")
	tf.Apply("-var", "active=server2")
	open("cached referral after the switch", "server1", "v1")
	clock.Add(61 * time.Second)
	open("referral expired after the switch", "server2", "v1")

	// Crash of the active server: the client moves by itself.
	l.Host("server2").Crash()
	open("after the crash", "server1", "v1")
	write("write during the outage", "server1", "v2")
	l.Host("server2").Boot()
	inStep("server1", "server2")
	open("server2 back, referral not expired", "server1", "v2")
	clock.Add(61 * time.Second)
	open("failback after the referral expired", "server2", "v2")

	// Planned failback.
	tf.Apply("-var", "active=server1")
	clock.Add(61 * time.Second)
	open("after the planned failback", "server1", "v2")
	tf.PlanIsEmpty("-var", "active=server1")
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("invariants violated: %v", v)
	}
}
