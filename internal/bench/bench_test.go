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
	fast := lab.Latency{Name: "tiny", RTT: time.Millisecond, ProcessStart: 5 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{
		Estate:    Estate{Servers: []string{"server1", "server2"}, ValuesPerServer: 4, ValuesPerKey: 2, Shares: 4, ShareSets: 1, Volumes: 2},
		Terraform: tf, ProviderBin: bin, ModuleRoot: root, WorkDir: work,
		Latencies: []lab.Latency{fast, none},
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
	if f := rep.Failover; f.Pending != "" || f.Wall <= 0 || f.PeakRSSKB == 0 {
		t.Errorf("the failover was not measured: %+v", f)
	}
	if d := rep.DFS; d.Pending != "" || d.PlannedWall <= 0 || d.Latency != rep.Failover.Latency {
		t.Errorf("the DFS failover was not measured under the failover's model: %+v", d)
	}
	for _, c := range []ClientOutage{rep.Failover.Clients, rep.DFS.Clients} {
		if c.Pending != "" || c.Warm != clientWarm || c.Unrecovered != 0 {
			t.Errorf("the Windows clients were not measured through the %s failover: %+v", c.Approach, c)
		}
	}
	// A warm client keeps the old server's address for the rest of its
	// cached answer's TTL; the median one has about half of 60 s left.
	if c := rep.Failover.Clients; c.Median < 10*time.Second || c.Worst < c.Median || c.Fresh >= c.Median {
		t.Errorf("alias only: fresh %s, warm median %s, worst %s", c.Fresh, c.Median, c.Worst)
	}
	_, noExample := os.Stat(filepath.Join(root, serviceAddressVars))
	if sa := rep.ServiceAddress; (noExample != nil) != (sa.Pending != "") {
		t.Errorf("service address row %+v, example there: %v", sa, noExample == nil)
	}
	var out bytes.Buffer
	rep.Render(&out)
	for _, want := range []string{"| none | winfs persistent |", "terraform_data floor", "failover apply (server1 -> server2)", "DFS failover of examples/dfs-failover", "Targets:",
		"| alias only | examples/failover |", "| service address | " + serviceAddressExample + " |", "| DFS | examples/dfs-failover |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}
