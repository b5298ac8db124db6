package main

import (
	"fmt"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The client outage as Windows clients see it: around each failover step
// a fleet of the lab's Windows clients (lab.ClientFleet) works on the
// shares, one resolving the alias afresh and the others with DNS caches
// filled at moments drawn from a fixed pseudo-random sequence within the alias's TTL before the step.

const (
	fleetWarm = 20 // warm-cache clients per step
	fleetSeed = 17 // draws the moments their caches were filled
)

type fleetRow struct {
	step string
	rep  lab.FleetReport
}

// fleetOptions: every fleet of the demo has the same clients.
var fleetOptions = lab.FleetOptions{Warm: fleetWarm, Seed: fleetSeed}

// withClients runs fn (a step that changes the estate) with the client
// fleet start starts, and keeps what it measured under the step's name.
func (d *demo) withClients(step string, start func() (*lab.ClientFleet, error), fn func() error) error {
	f, err := start()
	if err != nil {
		return err
	}
	err = fn()
	rep := f.Settle()
	if err != nil {
		return err
	}
	d.fleets = append(d.fleets, fleetRow{step: step, rep: rep})
	fmt.Printf("   Windows clients: fresh-resolve outage %s; %d warm-cache clients: median %s, worst %s\n",
		rounded(rep.Fresh), len(rep.Warm), rounded(rep.Median), rounded(rep.Worst))
	return nil
}

// clientSummary prints both figures of every measured step side by side;
// what says which clients they are.
func (d *demo) clientSummary(what string) {
	if len(d.fleets) == 0 {
		return
	}
	fmt.Printf("\nclient outage as %s see it:\n", what)
	fmt.Printf("%-38s %14s %14s %14s %12s\n", "step", "fresh-resolve", "warm median", "warm worst", "unrecovered")
	for _, r := range d.fleets {
		fmt.Printf("%-38s %14s %14s %14s %12d\n", r.step, rounded(r.rep.Fresh), rounded(r.rep.Median), rounded(r.rep.Worst), r.rep.Unrecovered)
	}
	fmt.Printf("(%d warm clients per step, caches filled at moments drawn from a fixed pseudo-random sequence within the TTL (60 s) before it; each client's outage runs from its\n"+
		" first failed request to its next success. Requests run on the wall clock during the apply; once the estate is at rest the\n"+
		" clients' clock is stepped without sleeping, honouring every cache lifetime and timeout: see DESIGN.md, the lab.)\n", fleetWarm)
}

func rounded(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
