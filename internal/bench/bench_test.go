package bench

import (
	"bytes"
	"context"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

// TestHarnessOnATinyEstate runs the whole harness (build, apply, refreshes
// in both modes beside the floor, the table) on a few resources, so that
// `make bench` cannot rot. It measures nothing worth reading.
func TestHarnessOnATinyEstate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the terraform binary: set TF_ACC=1 (make test does)")
	}
	tf, err := exec.LookPath(tfcli.Binary())
	if err != nil {
		t.Fatalf("terraform not found: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin, err := tfcli.BuildProvider(root, filepath.Join(work, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	none, _ := lab.LatencyProfile("none")
	// Every modelled wait of a failover is set, small and distinct, so the
	// floor can be checked against the model.
	fast := lab.Latency{Name: "tiny", RTT: time.Millisecond, ProcessStart: 5 * time.Millisecond, Rescan: 60 * time.Millisecond,
		FullCheckBase: 40 * time.Millisecond, CheckPerMillionFiles: 40 * time.Millisecond, SpotFix: 40 * time.Millisecond, VolumeArrival: 30 * time.Millisecond, ArrayCommand: 20 * time.Millisecond, DNSUpdate: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{
		Estate:    Estate{Servers: []string{"server1", "server2"}, ValuesPerServer: 4, ValuesPerKey: 2, Shares: 4, ShareSets: 1, Volumes: 2},
		Terraform: tf, ProviderBin: bin, ModuleRoot: root, WorkDir: work,
		Latencies: []lab.Latency{none, fast}, LargeFailover: FailoverEstate{LUNs: 3, Shares: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 10 {
		t.Fatalf("got %d rows, want 10 (the floor and four runs under two latency models)", len(rep.Rows))
	}
	for _, m := range rep.Rows {
		if m.Run == floorRun {
			continue
		}
		if m.HTTPRequests == 0 || m.PeakRSSKB == 0 {
			t.Errorf("%s under %s: %d HTTP requests, peak RSS %d KiB: the counters or the sampler saw nothing", m.Run, m.Latency, m.HTTPRequests, m.PeakRSSKB)
		}
		if m.Mode == "persistent" && m.ProcessStarts != 2 {
			t.Errorf("persistent refresh under %s started %d PowerShell processes, want one per host", m.Latency, m.ProcessStarts)
		}
		if m.Mode == "per_request" && m.ProcessStarts != m.AgentRequests {
			t.Errorf("per_request refresh started %d PowerShell processes for %d agent requests, want one each", m.ProcessStarts, m.AgentRequests)
		}
		if m.NoReadCache && m.AgentRequests != m.Resources {
			t.Errorf("%s: %d agent requests for %d resources, want one each", m.Run, m.AgentRequests, m.Resources)
		}
	}
	if len(rep.Failovers) != 4 {
		t.Fatalf("got %d failovers, want the planned and crash failovers of two estates: %+v", len(rep.Failovers), rep.Failovers)
	}
	// The planned failover's floor is the model's: one unmap and one map
	// (each an array command and its round trip), one rescan, volumes
	// surfacing once, one DNS update (with its round trip), whatever the
	// number of LUNs, since work of one kind on different LUNs overlaps.
	plannedFloor := 2*(fast.RTT+fast.ArrayCommand) + fast.Rescan + fast.VolumeArrival + fast.RTT + fast.DNSUpdate
	for _, f := range rep.Failovers {
		if f.Pending != "" || f.Wall <= 0 || f.Outage <= 0 || f.PeakRSSKB == 0 || f.Latency != fast.Name {
			t.Errorf("the %s failover (%s) was not measured: %+v", f.Kind, f.Estate, f)
			continue
		}
		var sum time.Duration
		for _, p := range f.Floor.Parts {
			sum += p.Longest
		}
		if sum != f.Floor.Total || f.Ratio() != float64(f.Outage)/float64(f.Floor.Total) {
			t.Errorf("%s failover (%s): floor %v is not the sum of its parts (%v), or the ratio %.2f is not outage/floor", f.Kind, f.Estate, f.Floor.Total, sum, f.Ratio())
		}
		switch f.Kind {
		case failoverPlanned:
			if f.Floor.Total != plannedFloor {
				t.Errorf("planned failover (%s): floor %v (%s), want %v from the model", f.Estate, f.Floor.Total, f.Floor, plannedFloor)
			}
		case failoverCrash:
			// The crash adds the work on the dirty volumes (a wait of a kind
			// the planned failover has not), at the price the model puts on it.
			planned := map[string]bool{"lun.unmap": true, "lun.map": true, lab.WaitKind("storage.rescan"): true, winhost.WaitVolumeArrival: true, lab.WaitDNSUpdate: true}
			extra := false
			for _, p := range f.Floor.Parts {
				extra = extra || !planned[p.Kind]
			}
			if f.Floor.Total <= plannedFloor || !extra {
				t.Errorf("crash failover (%s): floor %v (%s), want the planned floor %v and the dirty volumes' work", f.Estate, f.Floor.Total, f.Floor, plannedFloor)
			}
		}
	}
	if d := rep.DFS; d.Pending != "" || d.PlannedWall <= 0 || d.Latency != fast.Name {
		t.Errorf("the DFS failover was not measured under the failover's model: %+v", d)
	}
	planned := rep.failover(failoverPlanned, SmallFailover)
	if planned == nil {
		t.Fatalf("no planned failover of the shipped estate: %+v", rep.Failovers)
	}
	for _, c := range []ClientOutage{planned.Clients, rep.DFS.Clients} {
		if c.Pending != "" || c.Warm != clientWarm || c.Unrecovered != 0 {
			t.Errorf("the Windows clients were not measured through the %s failover: %+v", c.Approach, c)
		}
	}
	// A warm client keeps the old server's address for the rest of its
	// cached answer's TTL; the median one has about half of 60 s left.
	if c := planned.Clients; c.Median < 10*time.Second || c.Worst < c.Median || c.Fresh >= c.Median {
		t.Errorf("alias only: fresh %s, warm median %s, worst %s", c.Fresh, c.Median, c.Worst)
	}
	_, noExample := os.Stat(filepath.Join(root, serviceAddressVars))
	if sa := rep.ServiceAddress; (noExample != nil) != (sa.Pending != "") {
		t.Errorf("service address row %+v, example there: %v", sa, noExample == nil)
	}
	var out bytes.Buffer
	rep.Render(&out)
	for _, want := range []string{"| none | winfs persistent |", "terraform_data floor", "| planned (server1 -> server2) | 2 LUNs, 3 shares |", "| crash (server2 -> server1) | 3 LUNs, 7 shares |", "with 3 LUNs, 7 shares at most 1.5x", "DFS failover of examples/dfs-failover", "Targets:",
		"| alias only | examples/failover |", "| service address | " + serviceAddressExample + " |", "| DFS | examples/dfs-failover |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}
