package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// Failover is one failover apply of examples/failover under the failover
// latency model, with a client probe running: planned (the active server
// hands over) or crash (the active server loses power, and the apply fences
// it with unreachable_delete = "fenced").
type Failover struct {
	// Pending says why there is no measurement (examples/failover does not
	// exist yet); empty when measured.
	Pending string
	Kind    string // failoverPlanned or failoverCrash
	Estate  FailoverEstate
	Latency string
	// From and To are the servers the shares move between.
	From, To string
	Wall     time.Duration
	// Outage is how long a client that resolves the alias afresh (no DNS
	// cache: the TTL is excluded) could not open every share, counted from
	// the crash for a crash failover.
	Outage time.Duration
	Floor  Floor
	// PeakRSSKB is the provider's peak memory during the apply.
	PeakRSSKB int64
	// Events are the lab's timeline from the apply (or the crash) on.
	Events []timeline.Event
	// Clients is what the lab's Windows clients saw of the planned
	// failover of the shipped estate (the client outage table's alias row).
	Clients ClientOutage
}

// Kinds of failover.
const (
	failoverPlanned = "planned"
	failoverCrash   = "crash"
)

// FailoverEstate is the size of a failover configuration: examples/failover
// as shipped (2 LUNs, 3 shares) or with its volumes and shares replaced by
// LUNs of their own and shares spread over them (an override file).
type FailoverEstate struct {
	LUNs, Shares int
}

// SmallFailover is examples/failover as shipped.
var SmallFailover = FailoverEstate{LUNs: 2, Shares: 3}

// LargeFailover is the large estate: 16 LUNs and volumes, 400 shares.
var LargeFailover = FailoverEstate{LUNs: 16, Shares: 400}

func (e FailoverEstate) String() string { return fmt.Sprintf("%d LUNs, %d shares", e.LUNs, e.Shares) }

// Ratio is the outage over the floor.
func (f Failover) Ratio() float64 { return f.Floor.Ratio(f.Outage) }

// Overhead is what the provider (and Terraform) add to the floor.
func (f Failover) Overhead() time.Duration { return f.Wall - f.Floor.Total }

const failoverExample = "examples/failover"

// runFailovers measures the planned and the crash failover of
// examples/failover on l (the estate as shipped), then of the large
// estate on a lab of its own.
func runFailovers(ctx context.Context, o Options, tf *tfRunner, l *lab.Lab, progress func(string, ...any)) ([]Failover, error) {
	src := filepath.Join(o.ModuleRoot, failoverExample)
	if _, err := os.Stat(filepath.Join(src, "main.tf")); err != nil {
		return []Failover{{Pending: "pending " + failoverExample, Kind: failoverPlanned, Estate: SmallFailover}}, nil //nolint:nilerr // no example yet is a pending row
	}
	out, err := failoverPair(ctx, o, tf, l, SmallFailover, progress)
	if err != nil {
		return nil, err
	}
	large := o.LargeFailover
	if large.LUNs == 0 {
		return out, nil
	}
	if !large.valid() {
		return nil, fmt.Errorf("the large failover estate %s: 1 to %d LUNs (one drive letter each) and at least one share per LUN", large, 'Z'-'D'+1)
	}
	ll, err := lab.Start(lab.Options{Scenario: largeFailoverScenario(large)})
	if err != nil {
		return nil, fmt.Errorf("starting the lab of the large failover: %w", err)
	}
	defer ll.Close()
	more, err := failoverPair(ctx, o, tf, ll, large, progress)
	return append(out, more...), err
}

// failoverPair applies the estate with server1 active (no latency), then
// under the failover model: the planned failover to server2, and the crash
// of server2 with the failover back to server1.
func failoverPair(ctx context.Context, o Options, tf *tfRunner, l *lab.Lab, e FailoverEstate, progress func(string, ...any)) ([]Failover, error) {
	dir := filepath.Join(o.WorkDir, fmt.Sprintf("failover-%d", e.LUNs))
	if err := tfcli.CopyConfig(filepath.Join(o.ModuleRoot, failoverExample), dir); err != nil {
		return nil, err
	}
	if e != SmallFailover {
		if err := writeFile(filepath.Join(dir, "estate_override.tf"), e.override()); err != nil {
			return nil, err
		}
	}
	if err := writeFailoverVars(dir, o.WorkDir, l); err != nil {
		return nil, err
	}
	apply := func(vars ...string) (result, error) {
		args := []string{"apply", "-auto-approve", "-no-color", "-input=false"}
		for _, v := range vars {
			args = append(args, "-var", v)
		}
		return tf.mustSucceed(ctx, dir, nil, []int{0}, args...)
	}
	none, _ := lab.LatencyProfile("none")
	l.SetLatency(none)
	progress("failover (%s): applying %s with server1 active", e, failoverExample)
	if _, err := apply("active=server1"); err != nil {
		return nil, err
	}
	lat := failoverLatency(o)
	l.SetLatency(lat)
	defer l.SetLatency(none)

	measure := func(kind, from, to string, start func() error, vars ...string) (Failover, error) {
		shares := probeShares(l, from)
		if err := l.StartProbe("", shares, probeInterval); err != nil {
			return Failover{}, err
		}
		progress("failover (%s): %s, %s -> %s under latency %s, a client probe on %d shares", e, kind, from, to, lat.Name, len(shares))
		mark := l.Timeline.LastSeq()
		var res result
		run := func() error {
			err := start()
			if err == nil {
				res, err = apply(vars...)
			}
			return err
		}
		var clients ClientOutage
		var err error
		if kind == failoverPlanned && e == SmallFailover {
			fleet, ferr := l.StartClientFleet(clientFleetOptions(servedShares(l, from)))
			clients, err = withClients(fleet, ferr, "alias only", failoverExample, run)
		} else {
			err = run()
		}
		report := l.StopProbe()
		if err != nil {
			return Failover{}, err
		}
		events, _ := l.Timeline.Since(mark)
		f := Failover{Kind: kind, Estate: e, Latency: lat.Name, From: from, To: to, Wall: res.wall, Outage: report.TotalOutage,
			Floor: FloorOf(events), PeakRSSKB: res.peakKB, Events: events, Clients: clients}
		progress("  outage %s, floor %s (%s): %.2fx", secs(f.Outage), secs(f.Floor.Total), f.Floor, f.Ratio())
		return f, nil
	}
	planned, err := measure(failoverPlanned, "server1", "server2", func() error { return nil }, "active=server2")
	if err != nil {
		return nil, err
	}
	crash, err := measure(failoverCrash, "server2", "server1", func() error {
		return l.InjectFault(lab.FaultRequest{Server: "server2", Kind: "crash"})
	}, "active=server1", "unreachable_delete=fenced")
	l.ClearFaults()
	if err != nil {
		return nil, err
	}
	return []Failover{planned, crash}, nil
}

// largeFailoverScenario is the default estate with its data LUNs replaced
// by e.LUNs LUNs mapped to server1 and mounted there at D:, E:, ..., each
// with the folders of its shares (one file in each).
func largeFailoverScenario(e FailoverEstate) lab.Scenario {
	sc := lab.DefaultScenario()
	sc.Name = "bench-failover"
	san := *sc.SAN
	san.LUNs, san.Mappings = nil, nil
	sc.Volumes, sc.Shares, sc.Files = nil, nil, nil
	for i := range e.LUNs {
		lun, serial := largeLUN(i), fmt.Sprintf("BENCHFO%03d", i)
		san.LUNs = append(san.LUNs, array.LUN{Path: lun, Serial: serial, Size: 100 << 30})
		san.Mappings = append(san.Mappings, array.Mapping{LUN: lun, IGroup: "server1", ID: i})
		sc.Volumes = append(sc.Volumes, lab.VolumeSeed{Server: "server1", Serial: serial, MountPoint: largeMountPoint(i)})
	}
	for i := range e.Shares {
		sc.Files = append(sc.Files, lab.FileSeed{Server: "server1", Path: fmt.Sprintf(`%s\%s\readme.txt`, largeMountPoint(i%e.LUNs), largeFolder(i)), Content: "bench\n"})
	}
	sc.SAN = &san
	return sc
}

func largeLUN(i int) string          { return fmt.Sprintf("/vol/vol1/files_%02d", i) }
func largeMountPoint(i int) string   { return fmt.Sprintf("%c:", 'D'+i) }
func largeFolder(i int) string       { return fmt.Sprintf("S%03d", i) }
func largeVolumeKey(i int) string    { return fmt.Sprintf("v%02d", i) }
func largeShareName(i int) string    { return fmt.Sprintf("Share%03d", i) }
func (e FailoverEstate) valid() bool { return e.LUNs > 0 && e.LUNs <= 'Z'-'D'+1 && e.Shares >= e.LUNs }

// override replaces the example's volumes and shares (Terraform override
// files replace locals one by one).
func (e FailoverEstate) override() string {
	var b strings.Builder
	b.WriteString("# The bench's large estate: the example's volumes and shares replaced.\nlocals {\n  volumes = {\n")
	for i := range e.LUNs {
		fmt.Fprintf(&b, "    %s = { lun = %q, mount_point = %q }\n", largeVolumeKey(i), largeLUN(i), largeMountPoint(i))
	}
	b.WriteString("  }\n  shares = {\n")
	for i := range e.Shares {
		fmt.Fprintf(&b, "    %q = { volume = %q, folder = %q, full_access = [\"BUILTIN\\\\Administrators\"] }\n",
			largeShareName(i), largeVolumeKey(i%e.LUNs), largeFolder(i))
	}
	b.WriteString("  }\n}\n")
	return b.String()
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

// writeFailoverVars gives the example the lab's endpoints and credentials,
// as `winfs-lab tfvars --san --dns` prints them.
func writeFailoverVars(dir, workDir string, l *lab.Lab) error {
	return writeLabVars(dir, filepath.Join(workDir, fmt.Sprintf("lab-ca-%p.pem", l)), l, true, true)
}

// writeLabVars writes the lab's CA to caFile and its endpoints and
// credentials (san, dns: `winfs-lab tfvars --san --dns`) into dir.
func writeLabVars(dir, caFile string, l *lab.Lab, san, dns bool) error {
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		return err
	}
	raw, err := json.Marshal(l.Ready(caFile).Variables(san, dns))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "lab.auto.tfvars.json"), raw, 0o600)
}

// probeShares is one share of every data volume a host serves (outside
// C:): the shares of one volume come and go together, and probing 400
// shares every 20 ms would load the machine the failover is measured on.
func probeShares(l *lab.Lab, server string) []string {
	first := map[string]string{}
	for _, s := range l.Host(server).Shares() {
		root := strings.ToUpper(s.Path[:min(2, len(s.Path))])
		if s.Special || !s.Available || root == "C:" {
			continue
		}
		if cur, ok := first[root]; !ok || s.Name < cur {
			first[root] = s.Name
		}
	}
	out := make([]string, 0, len(first))
	for _, name := range first {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
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

// copyExample copies an example into the work directory's folder name
// with the lab's CA and its endpoints and credentials (see writeLabVars).
func copyExample(o Options, l *lab.Lab, example, name string, san, dns bool) (string, error) {
	dir := filepath.Join(o.WorkDir, name)
	if err := tfcli.CopyConfig(filepath.Join(o.ModuleRoot, example), dir); err != nil {
		return "", err
	}
	return dir, writeLabVars(dir, filepath.Join(dir, "lab-ca.pem"), l, san, dns)
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

// probeInterval is how often the lab's client probe opens the shares
// through the alias (resolved afresh each time: the TTL is excluded).
const probeInterval = 20 * time.Millisecond

// String is the failover row's measurement cell.
func (f Failover) String() string {
	if f.Pending != "" {
		return f.Pending
	}
	return fmt.Sprintf("%s wall, %s client-visible outage, floor %s, %.2fx the floor", secs(f.Wall), secs(f.Outage), secs(f.Floor.Total), f.Ratio())
}

// failover returns the measured failover of a kind and estate, or nil.
func (r *Report) failover(kind string, e FailoverEstate) *Failover {
	for i, f := range r.Failovers {
		if f.Kind == kind && f.Estate == e && f.Pending == "" {
			return &r.Failovers[i]
		}
	}
	return nil
}

// timelineSummary is a failover's timeline from its start, each run of
// events of one host and kind shown by its first and last.
func (f Failover) timelineSummary() []string {
	if len(f.Events) == 0 {
		return nil
	}
	t0 := f.Events[0].Time
	line := func(ev timeline.Event, n int) string {
		s := fmt.Sprintf("%+8.3fs  %-8s %-24s %s", ev.Time.Sub(t0).Seconds(), ev.Host, ev.Kind, ev.Detail)
		if ev.Cost > 0 {
			s += fmt.Sprintf(" [modelled wait %.3f s]", ev.Cost.Seconds())
		}
		if n > 1 {
			s += fmt.Sprintf(" (the last of %d in a row)", n)
		}
		return s
	}
	var out []string
	evs := slices.Clone(f.Events)
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].Host == evs[i].Host && evs[j].Kind == evs[i].Kind {
			j++
		}
		out = append(out, line(evs[i], 1))
		if j-i > 1 {
			out = append(out, line(evs[j-1], j-i))
		}
		i = j
	}
	return out
}
