// Command winfs-demo is `make demo`: it starts the lab with realistic
// latency, applies examples/failover with the real terraform binary and the
// freshly built provider, fails over to server2 and back while a client
// probe watches the shares through the \\files alias, then runs a crash
// failover (server1 dies; unreachable_delete = "fenced"), and prints one
// summary: each step's duration, the client-visible outage the probe
// measured, and the invariant verdict. It exits non-zero if any invariant
// was violated.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/kdc"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

func main() {
	latency := flag.String("latency", "realistic", "lab latency model: none or realistic")
	workDir := flag.String("work", ".demo", "working directory (recreated)")
	flag.Parse()
	if err := run(*latency, *workDir); err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo failed:", err)
		os.Exit(1)
	}
}

type step struct {
	name     string
	began    time.Time
	duration time.Duration
	result   string
}

type demo struct {
	l      *lab.Lab
	dir    string
	cli    *tfcli.CLI
	steps  []step
	fleets []fleetRow
}

func run(latencyName, workDir string) error {
	lat, ok := lab.LatencyProfile(latencyName)
	if !ok {
		return fmt.Errorf("--latency %q: use none or realistic", latencyName)
	}
	work, err := filepath.Abs(workDir)
	if err != nil {
		return err
	}
	_ = os.RemoveAll(work)
	bin := filepath.Join(work, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	heading("building the provider")
	providerBin, err := tfcli.BuildProvider(".", bin)
	if err != nil {
		return err
	}

	// With MIT Kerberos installed the hosts join a realm served by a real
	// KDC and refuse NTLM, and the provider authenticates with tickets.
	auth := "Kerberos from a real KDC, NTLM refused"
	_, noKDC := kdc.Find()
	if noKDC != nil {
		auth = "NTLM; Kerberos needs the KDC: " + noKDC.Error()
	}
	heading("starting the lab: two Windows hosts (WinRM over HTTPS, " + auth + "), the array (SSH, ONTAP 9 clustershell; telnet 7-mode alongside), DNS (RFC 2136, TSIG)")
	l, err := lab.Start(lab.Options{Latency: lat, Kerberos: noKDC == nil, DisableNTLM: noKDC == nil})
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Printf("latency model %q; the initial estate, set up by hand:\n", lat.Name)
	fmt.Println("  LUNs files_x and files_y mapped to server1, mounted at X: and Y:, three shares, \\\\files -> server1 with a 24-hour TTL")

	d := &demo{l: l, dir: filepath.Join(work, "failover")}
	if err := d.prepare(work, providerBin); err != nil {
		return err
	}

	// 1. Adopt.
	if err := d.apply("adopt the hand-made estate", "active=server1"); err != nil {
		return err
	}
	if code, out := d.terraform("plan", "-detailed-exitcode", "-var", "active=server1"); code != 0 {
		return fmt.Errorf("the plan after the first apply is not empty (exit %d):\n%s", code, out)
	}
	fmt.Println("   terraform plan -detailed-exitcode: exit 0, nothing to change")
	if err := d.hardening(); err != nil {
		return err
	}

	// Drift: an administrator changes a value by hand; the plan catches it.
	if err := d.drift(); err != nil {
		return err
	}

	// 2. A client writes a file through the alias, and the probe starts.
	note := fmt.Sprintf("written through \\\\files at %s\n", time.Now().Format(time.RFC3339))
	heading(`a client writes \\files\Finance Team\demo.txt`)
	if err := l.ProbeWrite("Finance Team", "demo.txt", note); err != nil {
		return fmt.Errorf("client write: %w", err)
	}
	shares := []string{"Finance Team", "Projets Été", "Public"}
	if err := l.StartProbe("", shares, 100*time.Millisecond); err != nil {
		return err
	}
	fmt.Printf("   ok; a client probe now opens %s through the alias every 100 ms\n", strings.Join(quoteAll(shares), ", "))

	// 3. Failover, read back, failback; Windows clients work meanwhile.
	clients := func() (*lab.ClientFleet, error) {
		o := fleetOptions
		o.Shares = shares
		return l.StartClientFleet(o)
	}
	applyStep := func(name string, vars ...string) error {
		return d.withClients(name, clients, func() error { return d.apply(name, vars...) })
	}
	if err := applyStep("failover to server2", "active=server2"); err != nil {
		return err
	}
	if err := d.readBack(note); err != nil {
		return err
	}
	if err := applyStep("failback to server1", "active=server1"); err != nil {
		return err
	}

	// 4. Crash failover.
	var crashed time.Time
	crash := "crash failover to server2 (fenced)"
	if err := d.withClients(crash, clients, func() error {
		heading("server1 crashes (power loss): WinRM unreachable, nothing served")
		crashed = time.Now()
		if err := l.InjectFault(lab.FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
			return err
		}
		return d.apply(crash, "active=server2", "unreachable_delete=fenced")
	}); err != nil {
		return err
	}
	// The clients' outage began with the crash, not with the apply.
	last := &d.steps[len(d.steps)-1]
	last.duration += last.began.Sub(crashed)
	last.began = crashed
	last.result += "; outage counted from the crash"
	if err := d.readBack(note); err != nil {
		return err
	}
	heading("server1 comes back")
	l.ClearFaults()
	if code, out := d.terraform("plan", "-detailed-exitcode", "-var", "active=server2"); code != 0 {
		return fmt.Errorf("the plan after server1 came back is not empty (exit %d):\n%s", code, out)
	}
	fmt.Println("   it no longer sees the LUNs (the array unmapped them: the fence); terraform plan: exit 0")

	report := l.StopProbe()
	if err := d.summary(report); err != nil {
		return err
	}
	return runDFS(lat, work, providerBin)
}

// prepare copies examples/failover, writes the lab's variables next to it
// and a CLI configuration that uses the built provider.
func (d *demo) prepare(work, providerBin string) error {
	if err := tfcli.CopyConfig("examples/failover", d.dir); err != nil {
		return fmt.Errorf("%w (run from the repository root)", err)
	}
	caFile := filepath.Join(work, "lab-ca.pem")
	if err := os.WriteFile(caFile, d.l.CACertPEM(), 0o644); err != nil {
		return err
	}
	vars, err := json.MarshalIndent(d.l.Ready(caFile).Variables(true, true), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.dir, "lab.auto.tfvars.json"), vars, 0o600); err != nil {
		return err
	}
	d.cli, err = tfcli.New("", providerBin, work)
	return err
}

func (d *demo) terraform(args ...string) (int, string) {
	res, err := d.cli.Run(context.Background(), d.dir, nil, append(args, "-no-color")...)
	if err != nil {
		return -1, err.Error()
	}
	return res.Code, res.Output
}

// hardening prints what winfs_server_status (data.winfs_server_status.
// hardening of examples/failover, read after the apply) reports: the Server
// service restarted by winfs_service has the alias settings in effect;
// NetBT's CacheTimeout waits for a reboot. It fails when a setting the
// Server service reads is still pending.
func (d *demo) hardening() error {
	code, out := d.terraform("show", "-json")
	if code != 0 {
		return fmt.Errorf("terraform show -json (exit %d):\n%s", code, out)
	}
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string `json:"address"`
					Values  struct {
						Server   string `json:"server"`
						Settings map[string]struct {
							Configured *string `json:"configured"`
							Pending    string  `json:"pending"`
						} `json:"settings"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return fmt.Errorf("terraform show -json: %w", err)
	}
	heading("the hardening, as data.winfs_server_status reads it after the first apply")
	seen := 0
	for _, r := range st.Values.RootModule.Resources {
		if !strings.HasPrefix(r.Address, "data.winfs_server_status.hardening[") {
			continue
		}
		seen++
		var parts []string
		for _, name := range []string{"DisableStrictNameChecking", "OptionalNames", "CacheTimeout"} {
			s, ok := r.Values.Settings[name]
			switch {
			case !ok:
				return fmt.Errorf("%s: server_status reports no %s", r.Values.Server, name)
			case s.Pending == "restart":
				return fmt.Errorf("%s: %s still pending a restart of its service after the apply", r.Values.Server, name)
			case s.Pending != "":
				parts = append(parts, name+" pending a "+s.Pending)
			default:
				parts = append(parts, name+" in effect")
			}
		}
		fmt.Printf("   %s: %s\n", r.Values.Server, strings.Join(parts, ", "))
	}
	if seen == 0 {
		return fmt.Errorf("the state has no data.winfs_server_status.hardening")
	}
	fmt.Println("   (winfs_service restarted the Server service with Net Logon, Computer Browser and DFS; NetBT reads CacheTimeout at boot)")
	return nil
}

// apply runs terraform apply with -var settings, printing the lab's
// timeline as it happens.
func (d *demo) apply(name string, vars ...string) error {
	heading(name + ": terraform apply -var " + strings.Join(vars, " -var "))
	args := []string{"apply", "-auto-approve"}
	for _, v := range vars {
		args = append(args, "-var", v)
	}
	began := time.Now()
	stop := d.follow(began)
	code, out := d.terraform(args...)
	stop()
	dur := time.Since(began)
	if code != 0 {
		return fmt.Errorf("%s failed (exit %d):\n%s", name, code, out)
	}
	result := summaryLine(out)
	if n := strings.Count(out, "Warning: Server unreachable"); n > 0 {
		result += fmt.Sprintf(", %d fencing warnings", n)
	}
	fmt.Printf("   %s in %s\n", result, dur.Round(10*time.Millisecond))
	d.steps = append(d.steps, step{name: name, began: began, duration: dur, result: result})
	// Let the probe see the shares answer again before the next step, so
	// each outage window belongs to one step.
	time.Sleep(500 * time.Millisecond)
	return nil
}

// follow prints every lab event from now on until stop is called.
func (d *demo) follow(began time.Time) (stop func()) {
	mark := d.l.Timeline.LastSeq()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			evs, next := d.l.Timeline.Since(mark)
			for _, ev := range evs {
				mark = ev.Seq
				if strings.HasPrefix(ev.Kind, "fault.") && ev.Kind != "fault.fire" {
					continue
				}
				fmt.Printf("   %+7.3fs  %-8s %-21s %s\n", ev.Time.Sub(began).Seconds(), ev.Host, ev.Kind, ev.Detail)
			}
			select {
			case <-next:
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}

// drift has an administrator set server2's NetBT CacheTimeout back to the
// Windows default through the lab's admin API, shows terraform plan
// -detailed-exitcode catching it (exit 2), and applies the fix.
func (d *demo) drift() error {
	heading("an administrator sets CacheTimeout back to 600000 on server2, by hand (lab admin API)")
	body := `{"op":"registry.set","params":{"hive":"HKLM","key":"SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters","name":"CacheTimeout","value":{"type":"REG_DWORD","data":"600000"},"create_key":false}}`
	resp, err := http.Post(d.l.AdminURL()+"/v1/servers/server2/agent", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	resp.Body.Close()
	code, out := d.terraform("plan", "-detailed-exitcode", "-var", "active=server1")
	if code != 2 {
		return fmt.Errorf("terraform plan did not catch the drift (exit %d, want 2):\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "# ") || strings.HasPrefix(t, "~ value") || strings.HasPrefix(t, "Plan:") {
			fmt.Println("   " + t)
		}
	}
	fmt.Println("   terraform plan -detailed-exitcode: exit 2, drift caught")
	return d.apply("repair the drift", "active=server1")
}

func (d *demo) readBack(want string) error {
	got, err := d.l.ProbeRead("Finance Team", "demo.txt")
	if err != nil {
		return fmt.Errorf(`a client cannot read \\files\Finance Team\demo.txt: %w`, err)
	}
	if got != want {
		return fmt.Errorf(`\\files\Finance Team\demo.txt changed: %q, want %q`, got, want)
	}
	target, _, _ := d.l.Resolve("files.corp.example.com.")
	fmt.Printf("   a client reads \\\\files\\Finance Team\\demo.txt back through the alias (now %s): intact\n", target)
	return nil
}

func (d *demo) summary(report lab.ProbeReport) error {
	heading("summary")
	fmt.Printf("%-38s %10s %16s  %s\n", "step", "duration", "client outage", "resources")
	for _, s := range d.steps {
		end := s.began.Add(s.duration)
		var outage time.Duration
		for _, w := range report.Outages {
			from, to := w.Start, w.End
			if from.Before(s.began) {
				from = s.began
			}
			if to.After(end) {
				to = end
			}
			if to.After(from) {
				outage += to.Sub(from)
			}
		}
		fmt.Printf("%-38s %10s %16s  %s\n", s.name, s.duration.Round(10*time.Millisecond), outage.Round(10*time.Millisecond), s.result)
	}
	fmt.Printf("\nclient probe: %d probes of %d shares, %d failed; longest outage %s, total %s\n",
		report.Probes, len(report.Shares), report.Failures, report.LongestOutage.Round(10*time.Millisecond), report.TotalOutage.Round(10*time.Millisecond))
	fmt.Println("(the probe resolves the alias on every attempt: the fresh-resolve figure; the table below has the warm-cache one)")
	d.clientSummary("Windows clients of \\\\files (the lab's client model: DNS client cache, NetBIOS name cache, SMB connections)")
	kerberos := 0
	for _, w := range report.Outages {
		for _, r := range w.Reasons {
			if strings.HasPrefix(r, "Kerberos:") {
				kerberos++
			}
		}
	}
	fmt.Printf("outage reasons due to Kerberos (a ticket for the alias unusable on the server it leads to): %d\n", kerberos)
	violations := d.l.Invariants()
	if len(violations) > 0 {
		fmt.Println("\ninvariants VIOLATED:")
		for _, v := range violations {
			fmt.Printf("  %s: %s\n", v.Invariant, v.Detail)
		}
		return fmt.Errorf("%d invariant(s) violated", len(violations))
	}
	fmt.Println("invariants: none violated (one host per LUN, one host per disk, no mount without its disk, no dirty volume served, the alias serves the shares, one account per SPN, the alias's SPNs on its target)")
	return nil
}

// summaryLine is terraform's "Apply complete! Resources: ..." line.
func summaryLine(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Apply complete!") {
			return strings.TrimSuffix(strings.TrimPrefix(line, "Apply complete! Resources: "), ".")
		}
	}
	return "applied"
}

func heading(s string) { fmt.Printf("\n\033[1m== %s\033[0m\n", s) }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `\\files\` + s
	}
	return out
}
