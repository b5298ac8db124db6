package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// The DFS part of the demo: examples/dfs-failover on a lab of its own,
// with a client working through \\corp.example.com\files\Finance.

// dfsClockSpeed: the probe client's clock runs this much faster, so the
// folder's 60-second referral TTL passes in 3 seconds of the demo.
const dfsClockSpeed = 20

const dfsProbePath = `\\corp.example.com\files\Finance\probe.txt`

type dfsStep struct {
	name     string
	apply    time.Duration // the terraform apply, 0 when none
	outage   time.Duration // the probe's outage during the step
	failures int
	server   string // where the client ended
}

func runDFS(lat lab.Latency, work, providerBin string) error {
	heading("DFS: a lab with each server's own D:\\Finance shared as Finance, DFS Namespaces and DFS Replication (" + lat.DFSReplication.String() + " replication delay)")
	l, err := lab.Start(lab.Options{Scenario: lab.DFSScenario(), Latency: lat})
	if err != nil {
		return err
	}
	defer l.Close()
	dir := filepath.Join(work, "dfs-failover")
	if err := tfcli.CopyConfig("examples/dfs-failover", dir); err != nil {
		return fmt.Errorf("%w (run from the repository root)", err)
	}
	caFile := filepath.Join(work, "dfs-lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		return err
	}
	vars, err := json.MarshalIndent(l.Ready(caFile).Variables(false, false), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "lab.auto.tfvars.json"), vars, 0o600); err != nil {
		return err
	}
	cli, err := tfcli.New("", providerBin, work)
	if err != nil {
		return err
	}
	d := &demo{l: l, dir: dir, cli: cli}
	if err := d.apply("DFS: namespace, folder and replication with server1 first", "active=server1"); err != nil {
		return err
	}
	probe := l.StartDFSProbe(dfsProbePath, 100*time.Millisecond, dfsClockSpeed)
	fmt.Printf("   a client writes and reads %s every 100 ms (its clock runs %dx: the 60 s referral TTL passes in %s)\n",
		dfsProbePath, dfsClockSpeed, 60*time.Second/dfsClockSpeed)
	dfsClients := func() (*lab.ClientFleet, error) {
		return l.StartDFSClientFleet(`\\corp.example.com\files\Finance\readme.txt`, fleetOptions)
	}
	var steps []dfsStep
	measure := func(name string, apply time.Duration, fn func() error) error {
		before := probe.Report()
		if err := fn(); err != nil {
			return err
		}
		after := probe.Report()
		steps = append(steps, dfsStep{name: name, apply: apply, outage: after.Outage - before.Outage, failures: after.Failures - before.Failures, server: probe.Server()})
		fmt.Printf("   client on %s; outage %s\n", probe.Server(), (after.Outage - before.Outage).Round(time.Millisecond))
		return nil
	}
	waitFor := func(server string) error {
		deadline := time.Now().Add(2 * time.Minute)
		for probe.Server() != server {
			if time.Now().After(deadline) {
				return fmt.Errorf("the client never reached %s", server)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		return nil
	}
	inStep := func(src, dst string) {
		for {
			a, _ := l.Host(src).ReadFile(`D:\Finance\probe.txt`)
			b, _ := l.Host(dst).ReadFile(`D:\Finance\probe.txt`)
			if a == b {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	planned := func(name, to, from string) error {
		heading(name + ": writes paused until DFS Replication is in step (the backlog precondition)")
		probe.SetWriting(false)
		time.Sleep(200 * time.Millisecond) // a write under way lands first
		inStep(from, to)
		var wall time.Duration
		err := measure(name, 0, func() error {
			if err := d.withClients(name, dfsClients, func() error { return d.apply(name, "active="+to) }); err != nil {
				return err
			}
			wall = d.steps[len(d.steps)-1].duration
			return waitFor(to)
		})
		if err != nil {
			return err
		}
		steps[len(steps)-1].apply = wall
		probe.SetWriting(true)
		return nil
	}
	// unplanned is a change of power with no Terraform run: the client
	// moves by itself, to the server it should end up on.
	unplanned := func(title, name string, power func() bool, to string) error {
		heading(title)
		return measure(name, 0, func() error {
			power()
			return waitFor(to)
		})
	}
	server2 := l.Host("server2")
	if err := planned("DFS planned failover to server2", "server2", "server1"); err != nil {
		return err
	}
	if err := unplanned("DFS: server2 crashes; no Terraform runs", "DFS crash of server2 (clients move by themselves)", server2.Crash, "server1"); err != nil {
		return err
	}
	if err := unplanned("DFS: server2 comes back; clients fail back when their referral expires",
		"DFS failback after server2 returns (target failback)", server2.Boot, "server2"); err != nil {
		return err
	}
	if err := planned("DFS planned failback to server1", "server1", "server2"); err != nil {
		return err
	}
	report := probe.Stop()
	heading("DFS summary")
	fmt.Printf("%-56s %10s %10s %8s  %s\n", "step", "apply", "outage", "failed", "client on")
	for _, s := range steps {
		apply := "-"
		if s.apply > 0 {
			apply = s.apply.Round(10 * time.Millisecond).String()
		}
		fmt.Printf("%-56s %10s %10s %8d  %s\n", s.name, apply, s.outage.Round(time.Millisecond), s.failures, s.server)
	}
	moves := make([]string, len(report.Moves))
	for i, m := range report.Moves {
		moves[i] = m.Server
	}
	fmt.Printf("client: %d probes, %d failed, %d writes lost; it went %s\n", report.Probes, report.Failures, report.Lost, strings.Join(moves, " -> "))
	fmt.Println("note: the lab's DFS client moves at its next open; a real client first waits for its SMB connection to the crashed server to time out, which the lab does not model.")
	d.clientSummary("DFS clients of the namespace (referral cache, folder TTL 60 s)")
	if v := l.Invariants(); len(v) != 0 {
		return fmt.Errorf("invariants violated: %v", v)
	}
	if report.Lost > 0 {
		return fmt.Errorf("the client lost %d writes", report.Lost)
	}
	return nil
}
