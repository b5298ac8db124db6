// Command winfs-bench measures the provider against the lab and prints one
// table (make bench): the refresh of a large estate in both transport
// modes beside the terraform_data floor, with the lab's latency set to
// realistic and to none, the provider's peak memory, and the failover apply
// of examples/failover. See docs/guides/benchmarks.md.
//
//	winfs-bench [--values 500] [--shares 200] [--latency realistic,none] [--quick] [--keep DIR]
//	            [--failover-luns 16] [--failover-shares 400] [--failover-only] [--timelines]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/bench"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "winfs-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	e := bench.LargeEstate()
	values := flag.Int("values", e.ValuesPerServer, "registry values per server")
	perKey := flag.Int("values-per-key", e.ValuesPerKey, "registry values under one key")
	shares := flag.Int("shares", e.Shares, "shares in all (spread over 2 share sets per server)")
	latencies := flag.String("latency", "realistic,none", "latency models to measure under, in order")
	quick := flag.Bool("quick", false, "measure only the runs as shipped (persistent and per_request with read sharing)")
	runs := flag.String("runs", "", "runs in this order, by mode with an optional -unshared suffix (e.g. persistent-unshared,persistent); default: all four")
	parallelism := flag.Int("parallelism", 0, "terraform -parallelism (0: terraform's default)")
	keep := flag.String("keep", "", "work in this directory and keep it (default: a temporary one, removed)")
	tfBin := flag.String("terraform", "terraform", "the terraform binary")
	foLUNs := flag.Int("failover-luns", bench.LargeFailover.LUNs, "LUNs (and volumes) of the large failover estate (0: none)")
	foShares := flag.Int("failover-shares", bench.LargeFailover.Shares, "shares of the large failover estate, spread over its volumes")
	failoverOnly := flag.Bool("failover-only", false, "measure only the failovers (no refresh, no DFS)")
	timelines := flag.Bool("timelines", false, "print each failover's timeline after the table")
	flag.Parse()
	e.ValuesPerServer, e.ValuesPerKey, e.Shares = *values, *perKey, *shares

	o := bench.Options{Estate: e, Parallelism: *parallelism, Progress: os.Stderr, FailoverOnly: *failoverOnly,
		LargeFailover: bench.FailoverEstate{LUNs: *foLUNs, Shares: *foShares}}
	for _, id := range strings.Split(*runs, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		mode, unshared := strings.CutSuffix(id, "-unshared")
		if mode != "persistent" && mode != "per_request" {
			return fmt.Errorf("--runs: %q is not persistent or per_request (with an optional -unshared)", id)
		}
		name := "winfs " + mode
		if unshared {
			name += ", no read sharing"
		}
		o.Runs = append(o.Runs, bench.RunSpec{Name: name, Mode: mode, NoReadCache: unshared})
	}
	if *quick {
		for _, r := range bench.DefaultRuns() {
			if !r.NoReadCache {
				o.Runs = append(o.Runs, r)
			}
		}
	}
	for _, name := range strings.Split(*latencies, ",") {
		lat, ok := lab.LatencyProfile(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("--latency: unknown model %q (%s)", name, strings.Join(lab.LatencyProfiles, ", "))
		}
		o.Latencies = append(o.Latencies, lat)
	}
	var err error
	if o.Terraform, err = exec.LookPath(*tfBin); err != nil {
		return fmt.Errorf("terraform not found: %w", err)
	}
	if o.ModuleRoot, err = moduleRoot(); err != nil {
		return err
	}
	if *keep != "" {
		o.WorkDir, err = filepath.Abs(*keep)
		if err == nil {
			err = os.MkdirAll(o.WorkDir, 0o755)
		}
	} else {
		o.WorkDir, err = os.MkdirTemp("", "winfs-bench-")
		defer os.RemoveAll(o.WorkDir)
	}
	if err != nil {
		return err
	}
	if o.ProviderBin, err = tfcli.BuildProvider(o.ModuleRoot, filepath.Join(o.WorkDir, "bin")); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	rep.Render(os.Stdout)
	if *timelines {
		rep.RenderTimelines(os.Stdout)
	}
	return nil
}

// moduleRoot is the repository: the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run winfs-bench inside the repository (make bench)")
	}
	return filepath.Dir(mod), nil
}
