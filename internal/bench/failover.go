package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// Failover is the failover apply of examples/failover (server1 ->
// server2) under the last latency model measured.
type Failover struct {
	// Pending says why there is no measurement (examples/failover does not
	// exist yet); empty when measured.
	Pending string
	Latency string
	Wall    time.Duration
	// Outage is how long a client that resolves the alias afresh (no DNS
	// cache: the TTL is excluded) could not open every share.
	Outage time.Duration
	// Waits is the time the hosts spent in rescans, NTFS checks and DNS
	// updates, which no provider can avoid: what the lab's latency model
	// charged (Stats.HostWait), summed though some of it overlapped.
	Waits time.Duration
	// PeakRSSKB is the provider's peak memory during the apply.
	PeakRSSKB int64
	// Clients is what the lab's Windows clients saw of the apply.
	Clients ClientOutage
}

// Overhead is what the provider (and Terraform) add to the unavoidable waits.
func (f Failover) Overhead() time.Duration { return f.Wall - f.Waits }

const failoverExample = "examples/failover"

// runFailover applies examples/failover with server1 active under no
// latency, then measures the failover to server2 under the realistic
// model (or the last one asked for), with a client probe running.
func runFailover(ctx context.Context, o Options, tf *tfRunner, l *lab.Lab, progress func(string, ...any)) (Failover, error) {
	if !hasExample(o, failoverExample) {
		return Failover{Pending: "pending " + failoverExample}, nil
	}
	dir, err := copyExample(o, l, failoverExample, filepath.Base(failoverExample), true, true)
	if err != nil {
		return Failover{}, err
	}
	progress("failover: applying %s with server1 active", failoverExample)
	if _, err := applyActive(ctx, tf, dir, "server1"); err != nil {
		return Failover{}, err
	}
	lat := failoverLatency(o)
	l.SetLatency(lat)
	l.ResetStats()
	shares := servedShares(l, "server1")
	if err := l.StartProbe("", shares, probeInterval); err != nil {
		return Failover{}, err
	}
	progress("failover: server1 -> server2 under latency %s, a client probe on %d shares", lat.Name, len(shares))
	var res result
	fleet, ferr := l.StartClientFleet(clientFleetOptions(shares))
	clients, err := withClients(fleet, ferr, "alias only", failoverExample, func() (err error) {
		res, err = applyActive(ctx, tf, dir, "server2")
		return err
	})
	report := l.StopProbe()
	if err != nil {
		return Failover{}, err
	}
	f := Failover{Latency: lat.Name, Wall: res.wall, Outage: report.TotalOutage, PeakRSSKB: res.peakKB, Clients: clients}
	for _, st := range l.Stats() {
		f.Waits += st.HostWait
	}
	return f, nil
}

// failoverLatency is the model the failovers are measured under: realistic
// when it was asked for, else the last one.
func failoverLatency(o Options) lab.Latency {
	lat := o.Latencies[len(o.Latencies)-1]
	if r, ok := lab.LatencyProfile("realistic"); ok {
		for _, x := range o.Latencies {
			if x.Name == r.Name {
				lat = x
			}
		}
	}
	return lat
}

// hasExample says whether the repository has an example (without it, its
// row is pending rather than failed).
func hasExample(o Options, example string) bool {
	_, err := os.Stat(filepath.Join(o.ModuleRoot, example, "main.tf"))
	return err == nil
}

// exampleLab starts a lab of its own for an example, under the failovers'
// latency model, and copies the example for it (see copyExample). The
// caller closes the lab.
func exampleLab(o Options, sc lab.Scenario, example string, san, dns bool) (*lab.Lab, string, error) {
	return exampleLabIn(o, sc, example, filepath.Base(example), san, dns)
}

// exampleLabIn is exampleLab with the copy in the work directory's folder
// name (two runs of one example need two folders).
func exampleLabIn(o Options, sc lab.Scenario, example, name string, san, dns bool) (*lab.Lab, string, error) {
	l, err := lab.Start(lab.Options{Scenario: sc, Latency: failoverLatency(o)})
	if err != nil {
		return nil, "", fmt.Errorf("starting a lab for %s: %w", example, err)
	}
	dir, err := copyExample(o, l, example, name, san, dns)
	if err != nil {
		l.Close()
		return nil, "", err
	}
	return l, dir, nil
}

// applyActive is terraform apply -var active=<server> in dir.
func applyActive(ctx context.Context, tf *tfRunner, dir, active string) (result, error) {
	return tf.mustSucceed(ctx, dir, nil, []int{0}, "apply", "-auto-approve", "-no-color", "-input=false", "-var", "active="+active)
}

// copyExample copies an example into the work directory with the lab's CA
// and its endpoints and credentials, as `winfs-lab tfvars` prints them
// (san, dns: its --san and --dns).
func copyExample(o Options, l *lab.Lab, example, name string, san, dns bool) (string, error) {
	dir := filepath.Join(o.WorkDir, name)
	if err := tfcli.CopyConfig(filepath.Join(o.ModuleRoot, example), dir); err != nil {
		return "", err
	}
	caFile := filepath.Join(dir, "lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		return "", err
	}
	raw, err := json.Marshal(l.Ready(caFile).Variables(san, dns))
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "lab.auto.tfvars.json"), raw, 0o600)
}

// servedShares lists the shares a host serves outside C: (the failover's).
func servedShares(l *lab.Lab, server string) []string {
	var out []string
	for _, s := range l.Host(server).Shares() {
		if !s.Special && s.Available && !strings.HasPrefix(strings.ToUpper(s.Path), `C:`) {
			out = append(out, s.Name)
		}
	}
	return out
}

// probeInterval is how often the lab's client probe opens every share
// through the alias (resolved afresh each time: the TTL is excluded).
const probeInterval = 20 * time.Millisecond

// String is the failover row's measurement cell.
func (f Failover) String() string {
	if f.Pending != "" {
		return f.Pending
	}
	share := 0.0
	if f.Wall > 0 {
		share = 100 * float64(f.Waits) / float64(f.Wall)
	}
	return fmt.Sprintf("%s wall, %s client-visible outage, %s (%.0f%%) in rescan/repair waits, provider overhead %s",
		secs(f.Wall), secs(f.Outage), secs(f.Waits), share, secs(f.Overhead()))
}
