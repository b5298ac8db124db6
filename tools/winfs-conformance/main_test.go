package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/conformance"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

func runTool(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code = run(ctx, args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

var account = map[string]string{envUsername: "admin", envPassword: "secret"}

// Bad flags are refused (exit 2) naming the flag, before any connection:
// the address given is one where nothing could answer in time.
func TestBadFlagsAreRefusedNamingTheFlag(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{}, "--target"},
		{nil, []string{"--target", "windows"}, `--target "windows"`},
		{nil, []string{"--target", "lab", "--bogus"}, "-bogus"},
		{nil, []string{"--target", "lab", "--locale", "xx-XX"}, "--locale: unsupported locale"},
		{nil, []string{"--target", "lab", "--disk-serial", "X"}, "--disk-serial is for a real server"},
		{nil, []string{"--target", "lab", "--scratch-dir", `C:\ProgramData`}, "--scratch-dir"},
		{nil, []string{"--target", "lab", "--scratch-dir", `D:\winfs-conformance`}, "--scratch-dir"},
		{nil, []string{"--target", "lab", "extra"}, `unexpected argument "extra"`},
		{account, []string{"--target", "server"}, "--address"},
		{account, []string{"--address", "192.0.2.1", "--ca-file", missing}, "--ca-file"},
		{account, []string{"--address", "192.0.2.1", "--ca-file", notPEM}, "--ca-file"},
		{account, []string{"--address", "192.0.2.1", "--auth", "kerberos"}, "--auth"},
		{account, []string{"--address", "192.0.2.1", "--port", "70000"}, "--port"},
		{account, []string{"--address", "192.0.2.1", "--https=false", "--insecure"}, "--insecure"},
		{account, []string{"--address", "192.0.2.1", "--scenario", "default"}, "--scenario is for --target lab"},
		{account, []string{"--address", "192.0.2.1", "--dns-zone", "zone."}, "--dns-zone"},
		{map[string]string{envUsername: "admin"}, []string{"--address", "192.0.2.1"}, envPassword},
	} {
		start := time.Now()
		code, stdout, stderr := runTool(t, tc.env, tc.args...)
		if code != exitRefused || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", tc.args, code, stderr, stdout, tc.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%v: refused after %s: something was contacted first", tc.args, d)
		}
	}
}

// An address where nothing listens fails at once, with the address and the
// usual cause in the message.
func TestNothingListeningFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	start := time.Now()
	code, stdout, stderr := runTool(t, account, "--address", "127.0.0.1", "--port", strconv.Itoa(port), "--insecure")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
	want := "cannot reach the agent on 127.0.0.1:" + strconv.Itoa(port)
	if code != exitFailed || !strings.Contains(stderr, want) || !strings.Contains(stderr, "is the WinRM service listening") || stdout != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
}

// The lab target passes with every case run, and --json is the report.
func TestLabTargetJSON(t *testing.T) {
	acctest.RequireAcc(t)
	code, stdout, stderr := runTool(t, nil, "--target", "lab", "--json")
	var rep conformance.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("exit %d, stderr %q: %v\n%s", code, stderr, err, stdout)
	}
	if code != exitOK || rep.Failed != 0 || rep.Skipped != 0 || rep.Passed != len(conformance.Cases) || len(rep.Results) != rep.Cases {
		t.Fatalf("exit %d: %s", code, rep.Summary())
	}
}

// The real-server path against the lab's WinRM listener: TLS with the CA
// file, NTLM with the account from the environment, then the spare disk
// check, which refuses a disk with a mounted volume before anything changes.
func TestServerTargetRefusesADiskInUse(t *testing.T) {
	l := acctest.StartLab(t, lab.Options{})
	_, httpsPort, _ := l.Ports("server1")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, l.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envUsername: l.Username(), envPassword: l.Password()}
	serialOfX := lab.DefaultScenario().SAN.LUNs[0].Serial
	before := l.Timeline.LastSeq()
	code, stdout, stderr := runTool(t, env, "--address", "127.0.0.1", "--port", strconv.Itoa(httpsPort), "--ca-file", ca,
		"--tls-server-name", "server1", "--disk-serial", serialOfX)
	if code != exitRefused || !strings.Contains(stderr, "--disk-serial") || !strings.Contains(stderr, "mounted volume") || stdout != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	if after := l.Timeline.LastSeq(); after != before {
		t.Fatalf("the refusal changed the lab: %d timeline events before, %d after", before, after)
	}
}

// A real server needs the scratch folders made by a PowerShell command the
// lab does not emulate: the run reports the failed setup and exits 1, every
// case skipped, rather than passing anything.
func TestServerTargetReportsAFailedSetup(t *testing.T) {
	l := acctest.StartLab(t, lab.Options{})
	_, httpsPort, _ := l.Ports("server1")
	env := map[string]string{envUsername: l.Username(), envPassword: l.Password()}
	code, stdout, _ := runTool(t, env, "--address", "127.0.0.1", "--port", strconv.Itoa(httpsPort), "--insecure")
	if code != exitFailed || !strings.Contains(stdout, "SETUP FAILED") || !strings.Contains(stdout, "0 passed, 0 failed, "+strconv.Itoa(len(conformance.Cases))+" skipped") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}
