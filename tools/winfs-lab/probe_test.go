package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestProbeCommand drives `winfs-lab probe` against a lab in this process.
func TestProbeCommand(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ready := filepath.Join(t.TempDir(), "lab.json")
	if err := l.WriteReadyFile(ready); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(agent.ShareSetParams{Scope: []string{`X:\`}, Share: agent.Share{Name: "Team Docs", Path: `X:\Team Docs`, CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{{Account: "Everyone", Right: agent.RightFull, Type: agent.AccessAllow}}}})
	if _, aerr := l.Host("server1").Execute(agent.ShareSet.Name, raw); aerr != nil {
		t.Fatal(aerr)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := probeCmd(append([]string{"--ready-file", ready}, args...), &out)
		return out.String(), err
	}
	if out, err := run("write", "Team Docs", "dir/a.txt", "hello"); err != nil || !strings.Contains(out, `wrote 5 byte(s) to \\files\Team Docs\dir\a.txt`) {
		t.Fatalf("write: %q %v", out, err)
	}
	if out, err := run("read", "Team Docs", "dir/a.txt"); err != nil || out != "hello\n" {
		t.Fatalf("read: %q %v", out, err)
	}
	if _, err := run("read", "Team Docs", "nope.txt"); err == nil || !strings.Contains(err.Error(), "file not found") {
		t.Fatalf("read missing: %v", err)
	}
	for _, bad := range [][]string{{}, {"write", "x"}, {"read"}, {"watch"}, {"watch", "start"}, {"watch", "bogus"}, {"frob"},
		{"watch", "start", "--interval", "0s", "Team Docs"}} {
		if _, err := run(bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := run("watch", "report"); err == nil || !strings.Contains(err.Error(), "no probe watcher") {
		t.Fatalf("report before start: %v", err)
	}
	if out, err := run("watch", "start", "--interval", "10ms", "Team Docs"); err != nil || !strings.Contains(out, "probing Team Docs of files.corp.example.com. every 10ms") {
		t.Fatalf("start: %q %v", out, err)
	}
	crashed := time.Now()
	if err := l.InjectFault(lab.FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	reported := time.Now()
	if out, err := run("watch", "report"); err != nil || !strings.Contains(out, "(still failing)") || !strings.Contains(out, ", running") {
		t.Fatalf("report: %q %v", out, err)
	}
	l.ClearFaults()
	time.Sleep(30 * time.Millisecond)
	out, err := run("watch", "stop")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"client probe of files.corp.example.com. (Team Docs), every 10ms, stopped", "outages: 1\n", "  1. ", "shares: Team Docs", "server1 is down", "total outage: ", "longest: "} {
		if !strings.Contains(out, want) {
			t.Errorf("stop output lacks %q:\n%s", want, out)
		}
	}
	out, err = run("watch", "report", "--json")
	var r lab.ProbeReport
	if err != nil || json.Unmarshal([]byte(out), &r) != nil || r.Running || len(r.Outages) != 1 {
		t.Fatalf("json report: %q %v", out, err)
	}
	// The window opens with the crash and closes after the report that
	// found it still open (timestamps, not a duration that a loaded
	// machine shortens by delaying the first failed probe). A window's
	// times are its ticks', and a tick may begin up to one interval
	// before the probes it then runs.
	const tick = 10 * time.Millisecond
	if o := r.Outages[0]; o.Start.Before(crashed.Add(-tick)) || o.End.Before(reported.Add(-tick)) || o.Duration != o.End.Sub(o.Start) {
		t.Fatalf("outage window %s - %s (%s), crash at %s, reported still failing at %s", o.Start, o.End, o.Duration, crashed, reported)
	}
}
