package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// DFSFailover is the DFS way to fail over, examples/dfs-failover on a DFS
// lab under the alias failover's latency model: a planned switch of the
// priorities (server1 -> server2) and a crash of the new active server,
// with a client working through the namespace path.
type DFSFailover struct {
	// Pending says why there is no measurement; empty when measured.
	Pending string
	Latency string
	// PlannedWall is the planned failover's apply; PlannedOutage and
	// CrashOutage what the client could not do from the apply (or the
	// crash) until it worked on the other server.
	PlannedWall   time.Duration
	PlannedOutage time.Duration
	CrashOutage   time.Duration
	// Clients is what the lab's DFS clients saw of the planned failover.
	Clients ClientOutage
}

const (
	dfsFailoverExample = "examples/dfs-failover"
	dfsProbePath       = `\\corp.example.com\files\Finance\bench.txt`
	// dfsClockSpeed: the probe's DFS client lets the 60-second referral TTL
	// pass in 3 seconds; outages are on the wall clock.
	dfsClockSpeed = 20
)

func runDFSFailover(ctx context.Context, o Options, tf *tfRunner, progress func(string, ...any)) (DFSFailover, error) {
	if !hasExample(o, dfsFailoverExample) {
		return DFSFailover{Pending: "pending " + dfsFailoverExample}, nil
	}
	lat := failoverLatency(o)
	l, dir, err := exampleLab(o, lab.DFSScenario(), dfsFailoverExample, false, false)
	if err != nil {
		return DFSFailover{}, err
	}
	defer l.Close()
	apply := func(active string) (result, error) { return applyActive(ctx, tf, dir, active) }
	progress("dfs failover: applying %s with server1 active", dfsFailoverExample)
	if _, err := apply("server1"); err != nil {
		return DFSFailover{}, err
	}
	probe := l.StartDFSProbe(dfsProbePath, probeInterval, dfsClockSpeed)
	defer probe.Stop()
	reach := func(server string) error {
		deadline := time.Now().Add(time.Minute)
		for probe.Server() != server {
			if time.Now().After(deadline) {
				return fmt.Errorf("dfs failover: the client never reached %s", server)
			}
			time.Sleep(probeInterval)
		}
		return nil
	}
	if err := reach("server1"); err != nil {
		return DFSFailover{}, err
	}
	// A planned switch waits for the writes to replicate (the example's
	// backlog precondition): the probe stops writing until both copies match.
	probe.SetWriting(false)
	time.Sleep(2 * probeInterval)
	for {
		a, _ := l.Host("server1").ReadFile(`D:\Finance\bench.txt`)
		b, _ := l.Host("server2").ReadFile(`D:\Finance\bench.txt`)
		if a == b {
			break
		}
		time.Sleep(probeInterval)
	}
	progress("dfs failover: server1 -> server2 under latency %s, a client on %s", lat.Name, dfsProbePath)
	before := probe.Report().Outage
	var res result
	fleet, ferr := l.StartDFSClientFleet(dfsClientPath, lab.FleetOptions{Warm: clientWarm, Seed: clientSeed})
	clients, err := withClients(fleet, ferr, "DFS", dfsFailoverExample, func() (err error) {
		res, err = apply("server2")
		return err
	})
	if err != nil {
		return DFSFailover{}, err
	}
	if err := reach("server2"); err != nil {
		return DFSFailover{}, err
	}
	f := DFSFailover{Latency: lat.Name, PlannedWall: res.wall, PlannedOutage: probe.Report().Outage - before, Clients: clients}
	probe.SetWriting(true)
	progress("dfs failover: server2 crashes")
	before = probe.Report().Outage
	l.Host("server2").Crash()
	if err := reach("server1"); err != nil {
		return DFSFailover{}, err
	}
	f.CrashOutage = probe.Report().Outage - before
	if r := probe.Stop(); r.Lost > 0 {
		return DFSFailover{}, fmt.Errorf("dfs failover: the client lost %d writes", r.Lost)
	}
	return f, nil
}

// String is the DFS row's measurement cell.
func (f DFSFailover) String() string {
	if f.Pending != "" {
		return f.Pending
	}
	return fmt.Sprintf("planned: %s wall, %s client-visible outage; crash of the active server: %s client-visible outage, no apply "+
		"(the lab's client moves at its next open; a real client first waits for its SMB connection to the dead server to time out)",
		secs(f.PlannedWall), secs(f.PlannedOutage), secs(f.CrashOutage))
}
