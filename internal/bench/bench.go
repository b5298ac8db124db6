package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// Options configure one benchmark run.
type Options struct {
	Estate Estate
	// Terraform is the terraform binary; ProviderBin the built provider
	// (its directory becomes the dev_overrides directory, so the file must
	// be called terraform-provider-winfs).
	Terraform, ProviderBin string
	// ModuleRoot is the repository, where examples/failover is looked up.
	ModuleRoot string
	WorkDir    string
	Latencies  []lab.Latency
	// Runs are the provider settings measured (default DefaultRuns).
	Runs []RunSpec
	// Parallelism is terraform's -parallelism (0: terraform's default, 10).
	Parallelism int
	// LargeFailover is the estate measured beside examples/failover as
	// shipped (zero: none).
	LargeFailover FailoverEstate
	// FailoverOnly skips the refresh measurements and the DFS failover.
	FailoverOnly bool
	// Progress receives one line per step (nil: silent).
	Progress io.Writer
}

// Measurement is one refresh: a terraform plan of the estate in one mode
// (or of the terraform_data floor) under one latency model.
type Measurement struct {
	Latency       string
	Run           string // a RunSpec's name or "terraform_data floor"
	Mode          string // transport mode; "" for the floor
	NoReadCache   bool
	Resources     int
	Wall          time.Duration
	ProcessStarts int
	Shells        int
	HTTPRequests  int
	AgentRequests int
	Ops           map[string]int
	PeakRSSKB     int64 // the provider process; 0 for the floor
}

// Report is everything one run measured.
type Report struct {
	Estate    Estate
	Machine   Machine
	Terraform string // terraform version line
	Rows      []Measurement
	// Failovers are the planned and crash failovers of examples/failover,
	// then of the large estate.
	Failovers []Failover
	DFS       DFSFailover // the DFS failover, under the failover's latency model
	// Small is the persistent refresh of the estate without its registry
	// values (-target), beside the whole one for the memory per resource.
	Small *Measurement
	Hosts int

	// ServiceAddress is the failover with a service address, as clients saw it.
	ServiceAddress ClientOutage
}

const floorRun = "terraform_data floor"

// RunSpec is one provider setting to measure.
type RunSpec struct {
	Name string
	Mode string // "persistent" or "per_request"
	// NoReadCache turns off the sharing of listings between sibling reads
	// (WINFS_READ_CACHE_AGE=0): every resource's read is its own request.
	NoReadCache bool
}

// DefaultRuns are both transport modes, each with and without the read
// sharing: per_request without it is one PowerShell process per resource,
// the cost model of the neighbouring providers.
func DefaultRuns() []RunSpec {
	return []RunSpec{
		{Name: "winfs persistent", Mode: "persistent"},
		{Name: "winfs persistent, no read sharing", Mode: "persistent", NoReadCache: true},
		{Name: "winfs per_request", Mode: "per_request"},
		{Name: "winfs per_request, no read sharing", Mode: "per_request", NoReadCache: true},
	}
}

// Run builds the estate in a lab, applies it once, then measures a
// refresh (terraform plan) of it in every mode under every latency model,
// beside the terraform_data floor, and the failover apply.
func Run(ctx context.Context, o Options) (*Report, error) {
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...)
		}
	}
	if len(o.Runs) == 0 {
		o.Runs = DefaultRuns()
	}
	if len(o.Latencies) == 0 {
		none, _ := lab.LatencyProfile("none")
		o.Latencies = []lab.Latency{none}
	}
	rep := &Report{Estate: o.Estate, Machine: DescribeMachine(), Hosts: len(o.Estate.Servers)}

	sc := lab.DefaultScenario()
	sc.Name = "bench"
	sc.Servers = o.Estate.Servers
	san := *sc.SAN
	san.LUNs = slices.Clone(san.LUNs)
	san.Mappings = slices.Clone(san.Mappings)
	sc.Volumes = slices.Clone(sc.Volumes)
	for _, v := range o.Estate.volumes() {
		san.LUNs = append(san.LUNs, array.LUN{Path: v.lun, Serial: v.serial, Size: 10 << 30})
		san.Mappings = append(san.Mappings, array.Mapping{LUN: v.lun, IGroup: v.server, ID: v.lunID})
		sc.Volumes = append(sc.Volumes, lab.VolumeSeed{Server: v.server, Serial: v.serial, MountPoint: v.mountPoint})
	}
	sc.SAN = &san
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		return nil, fmt.Errorf("starting the lab: %w", err)
	}
	defer l.Close()

	tf, err := newTFRunner(o.Terraform, o.ProviderBin, o.WorkDir)
	if err != nil {
		return nil, err
	}
	if res, err := tf.mustSucceed(ctx, o.WorkDir, nil, []int{0}, "version"); err == nil {
		rep.Terraform = firstLine(res.output)
	}
	par := []string{}
	if o.Parallelism > 0 {
		par = append(par, fmt.Sprintf("-parallelism=%d", o.Parallelism))
	}

	if o.FailoverOnly {
		rep.Failovers, err = runFailovers(ctx, o, tf, l, progress)
		return rep, err
	}
	estateDir, err := writeEstate(o.WorkDir, o.Estate, l)
	if err != nil {
		return nil, err
	}
	floorDir := filepath.Join(o.WorkDir, "floor")
	if err := writeFile(filepath.Join(floorDir, "main.tf"), floorConfig(o.Estate.Resources())); err != nil {
		return nil, err
	}

	progress("applying the estate (%s)", o.Estate)
	if _, err := tf.mustSucceed(ctx, estateDir, nil, []int{0}, append([]string{"apply", "-auto-approve", "-no-color", "-input=false", "-var", "transport=persistent"}, par...)...); err != nil {
		return nil, err
	}
	progress("applying the floor (%d terraform_data)", o.Estate.Resources())
	if _, err := tf.mustSucceed(ctx, floorDir, nil, []int{0}, append([]string{"apply", "-auto-approve", "-no-color", "-input=false"}, par...)...); err != nil {
		return nil, err
	}

	for _, lat := range o.Latencies {
		l.SetLatency(lat)
		progress("latency %s", lat)
		m, err := measurePlan(ctx, tf, l, floorDir, nil, nil, par)
		if err != nil {
			return nil, err
		}
		m.Latency, m.Run, m.Resources = lat.Name, floorRun, o.Estate.Resources()
		m.PeakRSSKB = 0
		rep.Rows = append(rep.Rows, m)
		progress("  %s: %s", m.Run, m.Wall.Round(time.Millisecond))
		// One unmeasured plan first: the first plan of the estate after the
		// floor's was consistently slower (1.6x here) whatever ran first,
		// so without it the order of the runs decides their ranking.
		if _, err := measurePlan(ctx, tf, l, estateDir, nil, []string{"-var", "transport=persistent"}, par); err != nil {
			return nil, err
		}
		for _, run := range o.Runs {
			var env []string
			if run.NoReadCache {
				env = append(env, "WINFS_READ_CACHE_AGE=0")
			}
			m, err := measurePlan(ctx, tf, l, estateDir, env, []string{"-var", "transport=" + run.Mode}, par)
			if err != nil {
				return nil, err
			}
			m.Latency, m.Run, m.Mode, m.NoReadCache, m.Resources = lat.Name, run.Name, run.Mode, run.NoReadCache, o.Estate.Resources()
			rep.Rows = append(rep.Rows, m)
			progress("  %s: %s, %d PowerShell starts, %d HTTP requests", m.Run, m.Wall.Round(time.Millisecond), m.ProcessStarts, m.HTTPRequests)
		}
	}

	// The same refresh limited to the share sets and volumes: what the
	// provider's memory grows by per resource refreshed.
	progress("refresh of the share sets and volumes only (-target), for the memory growth per resource")
	small, err := measurePlan(ctx, tf, l, estateDir, nil, append([]string{"-var", "transport=persistent"}, o.Estate.memoryTargets()...), par)
	if err != nil {
		return nil, err
	}
	small.Latency, small.Run, small.Mode = l.Latency().Name, "winfs persistent, share sets and volumes only", "persistent"
	small.Resources = len(o.Estate.Servers)*o.Estate.ShareSets + o.Estate.Volumes
	rep.Small = &small

	rep.Failovers, err = runFailovers(ctx, o, tf, l, progress)
	if err != nil {
		return nil, err
	}
	rep.DFS, err = runDFSFailover(ctx, o, tf, progress)
	if err != nil {
		return nil, err
	}
	rep.ServiceAddress, err = runServiceAddressFailover(ctx, o, tf, progress)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// memoryTargets limit a plan to the estate's share sets and volumes.
func (e Estate) memoryTargets() []string {
	out := []string{"-target=winfs_smb_share_set.s"}
	for i := range e.Volumes {
		out = append(out, fmt.Sprintf("-target=winfs_volume_mount.v%d", i))
	}
	return out
}

// measurePlan runs one terraform plan with the lab's counters zeroed. The
// plan must find nothing to change: a refresh, not drift.
func measurePlan(ctx context.Context, tf *tfRunner, l *lab.Lab, dir string, env, vars, par []string) (Measurement, error) {
	l.ResetStats()
	args := append([]string{"plan", "-detailed-exitcode", "-no-color", "-input=false", "-lock=false"}, vars...)
	res, err := tf.mustSucceed(ctx, dir, env, []int{0}, append(args, par...)...)
	if err != nil {
		return Measurement{}, fmt.Errorf("the refresh found changes or failed: %w", err)
	}
	m := Measurement{Wall: res.wall, PeakRSSKB: res.peakKB, Ops: map[string]int{}}
	for _, st := range l.Stats() {
		m.ProcessStarts += st.ProcessStarts
		m.Shells += st.Shells
		m.HTTPRequests += st.HTTPRequests
		m.AgentRequests += st.AgentRequests
		for op, n := range st.Ops {
			m.Ops[op] += n
		}
	}
	return m, nil
}

// writeEstate writes the estate's configuration and its credentials
// (terraform.tfvars.json, private to the user) into dir/estate.
func writeEstate(workDir string, e Estate, l *lab.Lab) (string, error) {
	dir := filepath.Join(workDir, "estate")
	ports := map[string]int{}
	for _, s := range e.Servers {
		_, https, ok := l.Ports(s)
		if !ok {
			return "", fmt.Errorf("the lab has no server %q", s)
		}
		ports[s] = https
	}
	if err := writeFile(filepath.Join(dir, "main.tf"), e.winfsConfig(ports)); err != nil {
		return "", err
	}
	ca := filepath.Join(workDir, "lab-ca.pem")
	if err := os.WriteFile(ca, l.CACertPEM(), 0o644); err != nil {
		return "", err
	}
	vars, _ := json.Marshal(map[string]string{"winrm_username": l.Username(), "winrm_password": l.Password(), "winrm_ca_certificate_file": ca})
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), vars, 0o600); err != nil {
		return "", err
	}
	return dir, nil
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
