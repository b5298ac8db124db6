package lab

import (
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

const (
	testNamespace = `\\corp.example.com\files`
	testFolder    = testNamespace + `\Finance`
)

// startDFSLab is the DFS scenario with the namespace and the folder of the
// DFS article made through server1's agent: server1 first among all
// targets, server2 last, TTL 60 s.
func startDFSLab(t *testing.T, failback bool) *Lab {
	t.Helper()
	l, err := Start(Options{Scenario: DFSScenario()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	h := l.Host("server1")
	agentDo[agent.DFSNamespaceSetResult](t, h, agent.DFSNamespaceSet.Name, agent.DFSNamespaceSetParams{Path: testNamespace,
		DFSNamespaceSettings: agent.DFSNamespaceSettings{Type: agent.DFSTypeDomainV2, RootTargets: []string{`\\server1\files`, `\\server2\files`}, TTL: 300, TargetFailback: failback}})
	agentDo[agent.DFSFolderSetResult](t, h, agent.DFSFolderSet.Name, agent.DFSFolderSetParams{Path: testFolder,
		DFSFolderSettings: agent.DFSFolderSettings{TTL: 60, TargetFailback: failback, Targets: []agent.DFSTarget{
			{Path: `\\server1\Finance`, State: "online", PriorityClass: "global_high"},
			{Path: `\\server2\Finance`, State: "online", PriorityClass: "global_low"},
		}}})
	return l
}

func wantServer(t *testing.T, what string, o DFSOpen, err error, server string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if o.Server != server {
		t.Fatalf("%s: went to %s, want %s", what, o, server)
	}
}

// The article's failover: clients use the first target; when its server
// crashes they move to the backup by themselves at the next open; when it
// returns they stay on the backup until the referral expires, then fail
// back with target failback on, and stay without it.
func TestDFSClientFailoverAndFailback(t *testing.T) {
	for _, failback := range []bool{true, false} {
		l := startDFSLab(t, failback)
		clock := NewClientClock(time.Unix(1_800_000_000, 0))
		c := l.NewDFSClient(clock.Now)
		o, err := c.Write(testFolder+`\a.txt`, "one")
		wantServer(t, "first open", o, err, "server1")
		if !l.Host("server1").Crash() {
			t.Fatal("server1 did not crash")
		}
		o, err = c.Write(testFolder+`\b.txt`, "two")
		wantServer(t, "after the crash", o, err, "server2")
		if !l.Host("server1").Boot() {
			t.Fatal("server1 did not boot")
		}
		clock.Add(30 * time.Second)
		_, o, err = c.Read(testFolder + `\b.txt`)
		wantServer(t, "back up, referral not expired", o, err, "server2")
		clock.Add(31 * time.Second)
		_, o, err = c.Read(testFolder + `\readme.txt`)
		want := "server2"
		if failback {
			want = "server1"
		}
		wantServer(t, "after the referral expired", o, err, want)
	}
}

// A priority swap (the planned failover) reaches a client only when its
// cached referral expires; an offline target is not referred at all.
func TestDFSClientFollowsPrioritiesAfterTTL(t *testing.T) {
	l := startDFSLab(t, true)
	clock := NewClientClock(time.Unix(1_800_000_000, 0))
	c := l.NewDFSClient(clock.Now)
	o, err := c.Write(testFolder+`\a.txt`, "one")
	wantServer(t, "first open", o, err, "server1")
	err = l.DFSDomain().UpdateFolder(testFolder, func(f *dfsn.Folder) error {
		f.Targets[0].Class, f.Targets[1].Class = "global_low", "global_high"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err = c.Write(testFolder+`\a.txt`, "two")
	wantServer(t, "cached referral", o, err, "server1")
	clock.Add(61 * time.Second)
	o, err = c.Write(testFolder+`\a.txt`, "three")
	wantServer(t, "new referral", o, err, "server2")
	err = l.DFSDomain().UpdateFolder(testFolder, func(f *dfsn.Folder) error { f.Targets[1].State = "offline"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	c.Flush()
	o, err = c.Write(testFolder+`\a.txt`, "four")
	wantServer(t, "backup offline", o, err, "server1")
	if _, err := c.Write(testNamespace+`\Nowhere\x.txt`, "x"); err == nil {
		t.Fatal("a path below no folder was opened")
	}
}

// An online target whose server does not serve its share is a violation;
// set offline, it is not.
func TestDFSTargetsServeInvariant(t *testing.T) {
	l := startDFSLab(t, true)
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("sound estate: %v", v)
	}
	err := l.DFSDomain().UpdateFolder(testFolder, func(f *dfsn.Folder) error {
		f.Targets = append(f.Targets, dfsn.Target{Path: `\\server2\Nothing`, State: "online", Class: "global_low"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v := l.Invariants()
	if len(v) != 1 || v[0].Invariant != DFSTargetsServe {
		t.Fatalf("want one %s violation, got %v", DFSTargetsServe, v)
	}
	err = l.DFSDomain().UpdateFolder(testFolder, func(f *dfsn.Folder) error { f.Targets[2].State = "offline"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if v := l.Invariants(); len(v) != 0 {
		t.Fatalf("offline target: %v", v)
	}
}
