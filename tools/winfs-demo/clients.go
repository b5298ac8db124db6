package main

import (
	"fmt"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The client outage as Windows clients see it: around each failover step
// a fleet of the lab's Windows clients (lab.ClientFleet) works on the
// shares, one resolving the alias afresh and the others with DNS caches
// filled at seeded moments within the alias's TTL before the step.

const (
	fleetWarm = 20 // warm-cache clients per step
	fleetSeed = 17 // draws the moments their caches were filled
)

type fleetRow struct {
	step string
	rep  lab.FleetReport
}

// withClients runs fn (a step that changes the estate) with a client fleet
// working on shares, and keeps what it measured under the step's name.
func (d *demo) withClients(step string, shares []string, fn func() error) error {
	f, err := d.l.StartClientFleet(lab.FleetOptions{Shares: shares, Warm: fleetWarm, Seed: fleetSeed})
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

// clientSummary prints both figures of every measured step side by side.
func (d *demo) clientSummary() {
	if len(d.fleets) == 0 {
		return
	}
	fmt.Printf("\nclient outage by client (the lab's Windows client model; alias only, TTL 60 s):\n")
	fmt.Printf("%-38s %14s %14s %14s %12s\n", "step", "fresh-resolve", "warm median", "warm worst", "unrecovered")
	for _, r := range d.fleets {
		fmt.Printf("%-38s %14s %14s %14s %12d\n", r.step, rounded(r.rep.Fresh), rounded(r.rep.Median), rounded(r.rep.Worst), r.rep.Unrecovered)
	}
	fmt.Printf("(%d warm clients per step, caches filled at seeded moments within the TTL before it; each client's outage runs from its\n"+
		" first failed request to its next success. Requests run on the wall clock during the apply; once the estate is at rest the\n"+
		" clients' clock is stepped without sleeping, honouring every cache lifetime and timeout: see DESIGN.md, the lab.)\n", fleetWarm)
}

func rounded(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
