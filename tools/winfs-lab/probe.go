package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

const probeUsage = `usage:
  winfs-lab probe --ready-file PATH write SHARE PATH CONTENT
  winfs-lab probe --ready-file PATH read SHARE PATH
  winfs-lab probe --ready-file PATH watch start [--interval 100ms] [--alias NAME] SHARE...
  winfs-lab probe --ready-file PATH watch report [--json]
  winfs-lab probe --ready-file PATH watch stop [--json]`

// probeCmd drives the lab's client probe: a client opening \\files\SHARE
// through the alias, and the watcher that measures outages.
func probeCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	readyFile := fs.String("ready-file", "", "the lab's ready file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if *readyFile == "" || len(rest) == 0 {
		return errors.New(probeUsage)
	}
	rf, err := readReady(*readyFile)
	if err != nil {
		return err
	}
	c := adminClient{base: rf.AdminURL}
	switch rest[0] {
	case "write":
		if len(rest) != 4 {
			return errors.New(probeUsage)
		}
		var out struct{ Content string }
		if err := c.call("POST", "/v1/probe", lab.ProbeRequest{Op: "write", Share: rest[1], Path: rest[2], Content: rest[3]}, &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d byte(s) to \\\\files\\%s\\%s\n", len(rest[3]), rest[1], strings.ReplaceAll(rest[2], "/", `\`))
		return nil
	case "read":
		if len(rest) != 3 {
			return errors.New(probeUsage)
		}
		var out struct{ Content string }
		if err := c.call("POST", "/v1/probe", lab.ProbeRequest{Op: "read", Share: rest[1], Path: rest[2]}, &out); err != nil {
			return err
		}
		fmt.Fprint(stdout, out.Content)
		if !strings.HasSuffix(out.Content, "\n") {
			fmt.Fprintln(stdout)
		}
		return nil
	case "watch":
		return probeWatchCmd(c, rest[1:], stdout)
	}
	return errors.New(probeUsage)
}

func probeWatchCmd(c adminClient, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(probeUsage)
	}
	fs := flag.NewFlagSet("probe watch "+args[0], flag.ContinueOnError)
	interval := fs.Duration("interval", lab.DefaultProbeInterval, "how often each share is opened (start)")
	alias := fs.String("alias", "", "the alias clients use (start; default "+lab.AliasName+")")
	asJSON := fs.Bool("json", false, "print the report as JSON (report, stop)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var rep lab.ProbeReport
	switch args[0] {
	case "start":
		if fs.NArg() == 0 {
			return errors.New("probe watch start: name at least one share")
		}
		if *interval <= 0 || *interval%time.Millisecond != 0 {
			return fmt.Errorf("probe watch start: --interval %v must be a positive number of milliseconds", *interval)
		}
		req := lab.ProbeWatchRequest{Alias: *alias, Shares: fs.Args(), IntervalMS: int(*interval / time.Millisecond)}
		if err := c.call("POST", "/v1/probe/watch", req, &rep); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "probing %s of %s every %v\n", strings.Join(rep.Shares, ", "), rep.Alias, rep.Interval)
		return nil
	case "report":
		if err := c.call("GET", "/v1/probe/watch", nil, &rep); err != nil {
			return err
		}
	case "stop":
		if err := c.call("DELETE", "/v1/probe/watch", nil, &rep); err != nil {
			return err
		}
	default:
		return errors.New(probeUsage)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printProbeReport(stdout, rep)
	return nil
}

// printProbeReport prints what clients of the alias saw.
func printProbeReport(w io.Writer, r lab.ProbeReport) {
	state := "stopped"
	if r.Running {
		state = "running"
	}
	fmt.Fprintf(w, "client probe of %s (%s), every %v, %s\n", r.Alias, strings.Join(r.Shares, ", "), r.Interval, state)
	fmt.Fprintf(w, "probes: %d, failures: %d\n", r.Probes, r.Failures)
	if len(r.Outages) == 0 {
		fmt.Fprintln(w, "outages: none")
	} else {
		fmt.Fprintf(w, "outages: %d\n", len(r.Outages))
	}
	for i, o := range r.Outages {
		open := ""
		if o.Open {
			open = " (still failing)"
		}
		fmt.Fprintf(w, "  %d. %s -> %s  %v%s  shares: %s\n", i+1, o.Start.Local().Format("15:04:05.000"), o.End.Local().Format("15:04:05.000"),
			o.Duration.Round(time.Millisecond), open, strings.Join(o.Shares, ", "))
		for _, reason := range o.Reasons {
			fmt.Fprintf(w, "       %s\n", reason)
		}
	}
	fmt.Fprintf(w, "total outage: %v, longest: %v\n", r.TotalOutage.Round(time.Millisecond), r.LongestOutage.Round(time.Millisecond))
}

// adminClient calls the lab's admin API with JSON.
type adminClient struct{ base string }

func (c adminClient) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	status, ok, raw, err := adminRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if !ok {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("admin API answered %s", status)
	}
	return json.Unmarshal(raw, out)
}
