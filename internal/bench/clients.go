package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// ClientOutage is what the lab's Windows clients saw of a planned failover
// (server1 -> server2) with one way of failing over: the outage of a
// client that resolves afresh and, over clients whose caches were filled
// at moments drawn from a fixed pseudo-random sequence within the TTL before the failover, the median and the
// worst (lab.ClientFleet).
type ClientOutage struct {
	Approach string
	Example  string
	// Pending says why there is no measurement; empty when measured.
	Pending     string
	Fresh       time.Duration
	Median      time.Duration
	Worst       time.Duration
	Warm        int
	Unrecovered int
}

const (
	clientWarm = 20 // warm-cache clients per approach
	clientSeed = 17
	// The service address is examples/failover applied with this file.
	serviceAddressExample = "examples/failover-floating-ip"
	serviceAddressVars    = serviceAddressExample + "/service-address.tfvars"
	dfsClientPath         = `\\corp.example.com\files\Finance\readme.txt`
)

func clientOutage(approach, example string, r lab.FleetReport) ClientOutage {
	return ClientOutage{Approach: approach, Example: example, Fresh: r.Fresh, Median: r.Median, Worst: r.Worst, Warm: len(r.Warm), Unrecovered: r.Unrecovered}
}

// withClients runs fn (a failover) while the fleet f works, and reports
// it as approach's row.
func withClients(f *lab.ClientFleet, fleetErr error, approach, example string, fn func() error) (ClientOutage, error) {
	if fleetErr != nil {
		return ClientOutage{}, fleetErr
	}
	err := fn()
	rep := f.Settle()
	if err != nil {
		return ClientOutage{}, err
	}
	return clientOutage(approach, example, rep), nil
}

func clientFleetOptions(shares []string) lab.FleetOptions {
	return lab.FleetOptions{Shares: shares, Warm: clientWarm, Seed: clientSeed}
}

// runServiceAddressFailover is the planned failover of the example with a
// service address (winfs_service_address) on a lab of its own, under the
// failover's latency model.
func runServiceAddressFailover(ctx context.Context, o Options, tf *tfRunner, progress func(string, ...any)) (ClientOutage, error) {
	vars, err := os.ReadFile(filepath.Join(o.ModuleRoot, serviceAddressVars))
	if err != nil || !hasExample(o, failoverExample) {
		return ClientOutage{Approach: "service address", Example: serviceAddressExample, Pending: "not measured (winfs_service_address absent)"}, nil
	}
	l, dir, err := exampleLabIn(o, lab.DefaultScenario(), failoverExample, filepath.Base(serviceAddressExample), true, true)
	if err != nil {
		return ClientOutage{}, err
	}
	defer l.Close()
	apply := func(active string) error {
		_, err := applyActive(ctx, tf, dir, active)
		return err
	}
	// The hand-built estate's alias points at server1: it is adopted by
	// examples/failover first, then pointed at the address's name.
	progress("service address: applying %s with server1 active, then with %s", failoverExample, serviceAddressVars)
	if err := apply("server1"); err != nil {
		return ClientOutage{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "service-address.auto.tfvars"), vars, 0o644); err != nil {
		return ClientOutage{}, err
	}
	if err := apply("server1"); err != nil {
		return ClientOutage{}, err
	}
	progress("service address: server1 -> server2, %d Windows clients", clientWarm+1)
	f, ferr := l.StartClientFleet(clientFleetOptions(servedShares(l, "server1")))
	return withClients(f, ferr, "service address", serviceAddressExample, func() error { return apply("server2") })
}

// clientRows are the approaches in the order of the table: alias only,
// service address, DFS.
func (r *Report) clientRows() []ClientOutage {
	alias := ClientOutage{Pending: "pending " + failoverExample}
	if f := r.failover(failoverPlanned, SmallFailover); f != nil {
		alias = f.Clients
	}
	alias.Approach, alias.Example = "alias only", failoverExample
	dfs := r.DFS.Clients
	if r.DFS.Pending != "" {
		dfs = ClientOutage{Pending: r.DFS.Pending}
	}
	dfs.Approach, dfs.Example = "DFS", dfsFailoverExample
	return []ClientOutage{alias, r.ServiceAddress, dfs}
}

// clientLatency is the latency model the client table was measured under.
func (r *Report) clientLatency() string {
	if f := r.failover(failoverPlanned, SmallFailover); f != nil {
		return f.Latency
	}
	return "-"
}

// renderClients prints the client outage table.
func (r *Report) renderClients(w io.Writer) {
	fmt.Fprintf(w, "\nClient outage of the planned failover (server1 -> server2) under latency %s, as the lab's Windows clients saw it: "+
		"one resolving afresh, %d with caches filled at moments drawn from a fixed pseudo-random sequence within the TTL before it (same run):\n\n", r.clientLatency(), clientWarm)
	fmt.Fprintln(w, "| approach | example | fresh-resolve outage | warm-cache median | warm-cache worst | warm clients |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|")
	for _, c := range r.clientRows() {
		if c.Pending != "" {
			fmt.Fprintf(w, "| %s | %s | %s ||||\n", c.Approach, c.Example, c.Pending)
			continue
		}
		warm := fmt.Sprint(c.Warm)
		if c.Unrecovered > 0 {
			warm += fmt.Sprintf(" (%d never back)", c.Unrecovered)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", c.Approach, c.Example, secs(c.Fresh), secs(c.Median), secs(c.Worst), warm)
	}
}

// clientTargets: with a service address, the worst warm-cache client
// waits at most 1.5 times what a fresh-resolve client waits.
func (r *Report) clientTargets() []Target {
	const name = "service address: worst warm-cache client outage at most 1.5x the fresh-resolve outage"
	sa := r.ServiceAddress
	switch {
	case sa.Pending != "":
		return []Target{{Name: name, Status: "pending", Detail: sa.Pending}}
	case sa.Fresh <= 0:
		return []Target{verdict(name, sa.Worst == 0, fmt.Sprintf("fresh %s, worst %s", secs(sa.Fresh), secs(sa.Worst)))}
	}
	ratio := float64(sa.Worst) / float64(sa.Fresh)
	return []Target{verdict(name, ratio <= 1.5 && sa.Unrecovered == 0, fmt.Sprintf("%s vs %s: %.2fx", secs(sa.Worst), secs(sa.Fresh), ratio))}
}
