package provider

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// labAlias checks the alias as the lab's zone holds it, not as the state
// claims it. target "" means no alias.
func labAlias(l *lab.Lab, owner, target string, ttl uint32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, gotTTL, ok := l.Zone().CNAME(owner)
		switch {
		case target == "" && ok:
			return fmt.Errorf("%s: want no alias, the zone has -> %s", owner, got)
		case target == "":
			return nil
		case !ok:
			return fmt.Errorf("%s: no alias in the zone", owner)
		case got != target || gotTTL != ttl:
			return fmt.Errorf("%s: the zone has -> %s TTL %d, want -> %s TTL %d", owner, got, gotTTL, target, ttl)
		}
		return nil
	}
}

func cnameConfig(l *lab.Lab, o acctest.ProviderOpts, name, target string, ttl int) string {
	return acctest.ProviderBlock(l, o) + fmt.Sprintf(`
resource "winfs_dns_cname" "alias" {
  zone   = "corp.example.com."
  name   = %s
  target = %s
  ttl    = %d
}
`, acctest.HCLString(name), acctest.HCLString(target), ttl)
}

// eachDNSBackend runs test in parallel for both DNS backends, each on its
// own lab, with the provider options that select the backend.
func eachDNSBackend(t *testing.T, test func(t *testing.T, l *lab.Lab, o acctest.ProviderOpts, backend string)) {
	t.Parallel()
	for _, backend := range []string{"rfc2136", "windows"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			test(t, testLab(t), acctest.ProviderOpts{DNS: backend}, backend)
		})
	}
}

// TestAccDNSCNAME_lifecycle: create, import, switch target, change TTL
// (both in place, each as one change on the server), drift, destroy, for
// both backends against the same lab zone.
func TestAccDNSCNAME_lifecycle(t *testing.T) {
	eachDNSBackend(t, func(t *testing.T, l *lab.Lab, o acctest.ProviderOpts, backend string) {
		name := "acc-life-" + backend
		owner := name + ".corp.example.com."
		s1, s2 := "server1.corp.example.com.", "server2.corp.example.com."
		var seq uint64
		mark := func() { seq = acctest.Mark(l) }
		oneChange := func(*terraform.State) error {
			evs := acctest.EventsSince(l, seq)
			var dnsEvs []string
			for _, ev := range evs {
				if ev.Host == "dns" {
					dnsEvs = append(dnsEvs, ev.Kind+" "+ev.Detail)
				}
			}
			if len(dnsEvs) != 1 || !strings.HasPrefix(dnsEvs[0], "dns.replace "+owner) {
				return fmt.Errorf("an update must be exactly one replace of the alias, got %q", dnsEvs)
			}
			return nil
		}
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction("winfs_dns_cname.alias", plancheck.ResourceActionUpdate),
		}}
		accTest(t, resource.TestCase{
			CheckDestroy: labAlias(l, owner, "", 0),
			Steps: []resource.TestStep{
				{
					// Spelling differences are not diffs (no trailing dot,
					// upper case): the plans after the apply are empty.
					Config: cnameConfig(l, o, name, "server1.corp.example.com", 60),
					Check: resource.ComposeAggregateTestCheckFunc(
						labAlias(l, owner, s1, 60),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						acctest.Attr("winfs_dns_cname.alias", "id", knownvalue.StringExact(owner)),
					},
				},
				{
					ResourceName:            "winfs_dns_cname.alias",
					ImportState:             true,
					ImportStateId:           strings.ToUpper(owner),
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"target"}, // imported as the server spells it
				},
				{
					PreConfig:        mark,
					Config:           cnameConfig(l, o, name, s2, 60),
					ConfigPlanChecks: update,
					Check:            resource.ComposeAggregateTestCheckFunc(labAlias(l, owner, s2, 60), oneChange),
				},
				{
					PreConfig:        mark,
					Config:           cnameConfig(l, o, name, s2, 300),
					ConfigPlanChecks: update,
					Check:            resource.ComposeAggregateTestCheckFunc(labAlias(l, owner, s2, 300), oneChange),
				},
				{
					// Someone points the alias back by hand: the plan shows it
					// and the apply switches it back in place.
					PreConfig: func() {
						if err := l.Zone().SetCNAME(owner, s1, 300, "test"); err != nil {
							t.Fatal(err)
						}
					},
					Config:           cnameConfig(l, o, name, s2, 300),
					ConfigPlanChecks: update,
					Check:            labAlias(l, owner, s2, 300),
				},
				{
					PreConfig: func() {
						if err := l.Zone().SetCNAME(owner, s2, 86400, "test"); err != nil {
							t.Fatal(err)
						}
					},
					Config:             cnameConfig(l, o, name, s2, 300),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				},
				{
					// Deleted by hand: created again.
					PreConfig: func() { l.Zone().DeleteRRset(owner, 5, "test") },
					Config:    cnameConfig(l, o, name, s2, 300),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("winfs_dns_cname.alias", plancheck.ResourceActionCreate),
					}},
					Check: labAlias(l, owner, s2, 300),
				},
			},
		})
	})
}

// TestAccDNSCNAME_adoptAndRefuse: an alias made by hand exactly as declared
// is adopted; one pointing elsewhere is refused with import advice; a name
// holding other data is refused.
func TestAccDNSCNAME_adoptAndRefuse(t *testing.T) {
	eachDNSBackend(t, func(t *testing.T, l *lab.Lab, o acctest.ProviderOpts, backend string) {
		legacy := "acc-legacy-" + backend
		owner := legacy + ".corp.example.com."
		if err := l.Zone().AddRecord(legacy+" 86400 IN CNAME server1", "test"); err != nil {
			t.Fatal(err)
		}
		if err := l.Zone().AddRecord("acc-host-"+backend+" 3600 IN A 192.0.2.7", "test"); err != nil {
			t.Fatal(err)
		}
		accTest(t, resource.TestCase{
			CheckDestroy: labAlias(l, owner, "", 0),
			Steps: []resource.TestStep{
				{
					Config:      cnameConfig(l, o, legacy, "server2.corp.example.com.", 60),
					ExpectError: regexp.MustCompile(`(?s)already an alias of\s+server1\.corp\.example\.com\..*terraform import`),
				},
				{
					Config:      cnameConfig(l, o, "acc-host-"+backend, "server2.corp.example.com.", 60),
					ExpectError: regexp.MustCompile(`(?s)CNAME and other data.*holds A records`),
				},
				{
					// Same target: adopted, the TTL fixed in place.
					Config: cnameConfig(l, o, strings.ToUpper(legacy), "SERVER1.corp.example.com", 60),
					Check:  labAlias(l, owner, "server1.corp.example.com.", 60),
				},
			},
		})
	})
}

// TestAccDNSCNAME_badTSIG: a wrong secret fails with a clear error that
// names the key and never shows the secret, neither in the error nor in
// the logs. The secret comes from the environment, so the test harness's
// own logging of the configuration cannot contain it.
func TestAccDNSCNAME_badTSIG(t *testing.T) {
	// Not parallel: t.Setenv changes the environment of the in-process
	// provider, which every test shares; serial tests finish before the
	// parallel ones start.
	acctest.RequireAcc(t)
	l := testLab(t)
	const wrong = "V3JvbmdTZWNyZXRXcm9uZ1NlY3JldFdyb25nU2VjcmV0IQ=="
	logFile := filepath.Join(t.TempDir(), "tf.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv(EnvDNSTSIGSecret, wrong)
	events := acctest.Mark(l)
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      cnameConfig(l, acctest.ProviderOpts{DNS: "rfc2136", DNSSecret: "-"}, "acc-badkey", "server1.corp.example.com.", 60),
			ExpectError: regexp.MustCompile(`(?s)NOTAUTH.*BADSIG.*winfs-update`),
		}},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	if !strings.Contains(string(raw), "winfs provider configured") {
		t.Fatal("the provider's own log lines are not in the log file; the check below would prove nothing")
	}
	if strings.Contains(string(raw), wrong) {
		i := strings.Index(string(raw), wrong)
		t.Fatalf("the TSIG secret appears in the logs: ...%s...", raw[max(0, i-300):i])
	}
	for _, ev := range acctest.EventsSince(l, events) {
		if ev.Host == "dns" && strings.HasPrefix(ev.Kind, "dns.") {
			t.Fatalf("a refused update changed the zone: %+v", ev)
		}
	}
}

// TestAccDNSCNAME_timeout: a DNS server that does not answer fails the
// apply with a timeout, after the configured retries.
func TestAccDNSCNAME_timeout(t *testing.T) {
	l := parallelAccLab(t)
	o := acctest.ProviderOpts{DNS: "rfc2136", DNSExtra: "    timeout = \"200ms\"\n    retries = 1\n"}
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := l.InjectFault(lab.FaultRequest{Target: "dns", Kind: "timeout"}); err != nil {
					t.Fatal(err)
				}
			},
			Config:      cnameConfig(l, o, "acc-timeout", "server1.corp.example.com.", 60),
			ExpectError: regexp.MustCompile(`did not answer \(2 attempt`),
		}},
	})
	l.ClearFaults()
}

// TestAccDNSCNAME_planTimeErrors: bad configuration fails at plan time and
// names the attribute.
func TestAccDNSCNAME_planTimeErrors(t *testing.T) {
	l := parallelAccLab(t)
	res := func(name, target, ttl string) string {
		return fmt.Sprintf("resource \"winfs_dns_cname\" \"a\" {\n  zone = \"corp.example.com\"\n  name = %q\n  target = %q\n  ttl = %s\n}\n", name, target, ttl)
	}
	ok := res("acc-plan", "server1.corp.example.com.", "60")
	cases := map[string]struct{ cfg, want string }{
		"apex name":       {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + res("@", "server1.corp.example.com.", "60"), `(?s)name.*relative to the zone`},
		"fqdn name":       {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + res("files.corp.example.com.", "server1.corp.example.com.", "60"), `(?s)name.*without a trailing dot`},
		"bad target":      {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + res("acc-plan", "server 1", "60"), `(?s)target.*fully qualified`},
		"negative ttl":    {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + res("acc-plan", "server1.corp.example.com.", "-1"), `(?s)ttl.*between 0 and 2147483647`},
		"self alias":      {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + res("acc-plan", "acc-plan.corp.example.com", "60"), `Alias points at itself`},
		"bad algorithm":   {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}), `"hmac-sha256"`, `"hmac-sha3"`, 1) + ok, `(?s)dns.tsig.algorithm.*hmac-sha256`},
		"bad secret":      {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136", DNSSecret: "not base64!"}) + ok, `(?s)dns.tsig.secret.*must be base64`},
		"bad backend":     {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}), `"rfc2136"`, `"bind"`, 1) + ok, `(?s)dns.backend.*"rfc2136"`},
		"bad server":      {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136", DNSServer: "ns1:99999"}) + ok, `(?s)dns.server.*:port`},
		"windows tsig":    {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "windows"}), `backend        = "windows"`, "backend = \"windows\"\n    tsig = { key_name = \"k\" }", 1) + ok, `(?s)dns.tsig.*HMAC TSIG`},
		"windows unknown": {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "windows", DNSWindowsServer: "server9"}) + ok, `(?s)dns.windows_server.*"server9"`},
		"rfc2136 windows": {acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136", DNSExtra: "    windows_server = \"server1\"\n"}) + ok, `(?s)dns.windows_server.*windows backend`},
		"no dns block":    {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + ok, `(?s)no dns block`},
	}
	events := acctest.Mark(l)
	var refusals []acctest.Refusal
	for name, c := range cases {
		refusals = append(refusals, acctest.Refusal{Name: name, Config: c.cfg, Want: regexp.MustCompile(c.want)})
	}
	expectRefusals(t, refusals)
	for _, ev := range acctest.EventsSince(l, events) {
		if ev.Host == "dns" {
			t.Fatalf("a plan-time error changed DNS: %+v", ev)
		}
	}
}

// The interop tests run BIND 9's named, a real RFC 2136 peer, with its own
// configuration in a temporary directory, and check with dig.

const bindSecret = "YmluZC1pbnRlcm9wLXNlY3JldC1mb3Itd2luZnMtdGVzdHM=" // base64, test only

type bindServer struct {
	port int
	dir  string
}

// requireTool finds a BIND tool: outside CI a missing one skips the test
// with a visible reason; in CI (CI=true) it fails.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	msg := fmt.Sprintf("BIND interop test needs %s (Debian: apt-get install bind9 bind9-dnsutils; .ci/run installs them)", name)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED: " + msg)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// freePort finds a port free on 127.0.0.1 for both UDP and TCP.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		pc.Close()
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// startBind runs named in the foreground with a dynamic zone
// corp.example.com that accepts updates signed with key winfs-bind.
func startBind(t *testing.T) *bindServer {
	t.Helper()
	named := requireTool(t, "named")
	requireTool(t, "dig")
	dir := t.TempDir()
	port := freePort(t)
	zone := `$TTL 3600
@       IN SOA ns1.corp.example.com. hostmaster.corp.example.com. 1 900 600 86400 60
@       IN NS  ns1.corp.example.com.
ns1     IN A   127.0.0.1
server1 IN A   192.168.0.201
server2 IN A   192.168.0.200
files 86400 IN CNAME server1
`
	conf := fmt.Sprintf(`options {
  directory "%[1]s";
  pid-file "%[1]s/named.pid";
  session-keyfile "%[1]s/session.key";
  listen-on port %[2]d { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "winfs-bind" {
  algorithm hmac-sha256;
  secret "%[3]s";
};
zone "corp.example.com" {
  type primary;
  file "%[1]s/corp.example.com.zone";
  allow-update { key winfs-bind; };
};
`, dir, port, bindSecret)
	if err := os.WriteFile(filepath.Join(dir, "corp.example.com.zone"), []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "named.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(named, "-g", "-c", filepath.Join(dir, "named.conf"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting named: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("named log:\n%s", logs.String())
		}
	})
	b := &bindServer{port: port, dir: dir}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, _ := b.dig(t, "corp.example.com", "SOA"); st == "NOERROR" {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("named did not come up on port %d:\n%s", port, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var digStatus = regexp.MustCompile(`status: ([A-Z]+)`)

// dig asks named non-recursively and returns the status and the answer
// section lines.
func (b *bindServer) dig(t *testing.T, name, qtype string) (status string, answer []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, requireTool(t, "dig"), "@127.0.0.1", "-p", fmt.Sprint(b.port), "+norecurse", "+time=1", "+tries=1",
		"+noall", "+comments", "+answer", name, qtype).CombinedOutput()
	if err != nil {
		return "ERROR " + err.Error(), nil
	}
	if m := digStatus.FindStringSubmatch(string(out)); m != nil {
		status = m[1]
	}
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !strings.HasPrefix(l, ";") {
			answer = append(answer, strings.Join(strings.Fields(l), " "))
		}
	}
	return status, answer
}

// cname returns "target ttl" of name's CNAME as dig shows it, or "".
func (b *bindServer) cname(t *testing.T, name string) string {
	_, ans := b.dig(t, name, "CNAME")
	for _, l := range ans {
		f := strings.Fields(l)
		if len(f) == 5 && f[3] == "CNAME" {
			return f[4] + " " + f[1]
		}
	}
	return ""
}

// watcher polls the alias with dig while an update runs and remembers any
// moment the name had no alias (NXDOMAIN, or NODATA: no CNAME in the answer).
type watcher struct {
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	polls int
	gaps  []string
}

func (b *bindServer) watch(t *testing.T, name string) *watcher {
	w := &watcher{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			status, ans := b.dig(t, name, "A")
			hasCNAME := false
			for _, l := range ans {
				hasCNAME = hasCNAME || strings.Contains(l, " CNAME ")
			}
			w.mu.Lock()
			w.polls++
			if status != "NOERROR" || !hasCNAME {
				w.gaps = append(w.gaps, fmt.Sprintf("status %s, answer %q", status, ans))
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// check stops the watcher and fails on any gap.
func (w *watcher) check() error {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.gaps) > 0 {
		return fmt.Errorf("the alias was missing %d time(s) in %d dig polls during the update: %v", len(w.gaps), w.polls, w.gaps)
	}
	if w.polls < 3 {
		return fmt.Errorf("only %d dig polls during the update: the check proves nothing", w.polls)
	}
	return nil
}

func (b *bindServer) expect(t *testing.T, name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := b.cname(t, name); got != want {
			return fmt.Errorf("dig %s CNAME: got %q, want %q", name, got, want)
		}
		return nil
	}
}

// TestAccDNSCNAME_bind: create, switch target, change TTL and destroy
// through terraform against BIND 9; dig never sees the alias missing during
// the in-place updates.
func TestAccDNSCNAME_bind(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	b := startBind(t)
	l := testLab(t)
	o := acctest.ProviderOpts{DNS: "rfc2136", DNSServer: fmt.Sprintf("127.0.0.1:%d", b.port), DNSKeyName: "winfs-bind", DNSSecret: bindSecret}
	const owner = "share.corp.example.com."
	var w *watcher
	startWatch := func() { w = b.watch(t, owner) }
	// The apply is quick; keep polling a moment after it so a gap at the
	// very end would be seen too.
	stopWatch := func(*terraform.State) error { time.Sleep(200 * time.Millisecond); return w.check() }
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("winfs_dns_cname.alias", plancheck.ResourceActionUpdate),
	}}
	accTest(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			if status, _ := b.dig(t, owner, "A"); status != "NXDOMAIN" {
				return fmt.Errorf("after destroy dig says %s, want NXDOMAIN", status)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cnameConfig(l, o, "share", "server1.corp.example.com.", 60),
				Check:  b.expect(t, owner, "server1.corp.example.com. 60"),
			},
			{
				// Let the watcher see the alias before the switch.
				PreConfig:        func() { startWatch(); time.Sleep(200 * time.Millisecond) },
				Config:           cnameConfig(l, o, "share", "server2.corp.example.com.", 60),
				ConfigPlanChecks: update,
				Check:            resource.ComposeAggregateTestCheckFunc(stopWatch, b.expect(t, owner, "server2.corp.example.com. 60")),
			},
			{
				PreConfig:        func() { startWatch(); time.Sleep(200 * time.Millisecond) },
				Config:           cnameConfig(l, o, "share", "server2.corp.example.com.", 300),
				ConfigPlanChecks: update,
				Check:            resource.ComposeAggregateTestCheckFunc(stopWatch, b.expect(t, owner, "server2.corp.example.com. 300")),
			},
			{
				ResourceName:      "winfs_dns_cname.alias",
				ImportState:       true,
				ImportStateId:     owner,
				ImportStateVerify: true,
			},
			{
				// The initial estate's hand-made alias is refused, with import advice.
				Config:      cnameConfig(l, o, "files", "server2.corp.example.com.", 60),
				ExpectError: regexp.MustCompile(`(?s)already an alias of\s+server1\.corp\.example\.com\..*terraform import`),
			},
		},
	})
	if b.cname(t, "files.corp.example.com.") != "server1.corp.example.com. 86400" {
		t.Fatal("the refused create changed the existing alias")
	}
}

// TestAccDNSCNAME_bindBadKey: BIND refuses a wrong secret (NOTAUTH,
// BADSIG) and an unknown key (BADKEY); the error says so.
func TestAccDNSCNAME_bindBadKey(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	b := startBind(t)
	l := testLab(t)
	server := fmt.Sprintf("127.0.0.1:%d", b.port)
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      cnameConfig(l, acctest.ProviderOpts{DNS: "rfc2136", DNSServer: server, DNSKeyName: "winfs-bind", DNSSecret: "V3JvbmdXcm9uZ1dyb25nV3JvbmdXcm9uZ1dyb25nV3Jvbmc="}, "bad", "server1.corp.example.com.", 60),
				ExpectError: regexp.MustCompile(`(?s)NOTAUTH.*BADSIG`),
			},
			{
				Config:      cnameConfig(l, acctest.ProviderOpts{DNS: "rfc2136", DNSServer: server, DNSKeyName: "nobody", DNSSecret: bindSecret}, "bad", "server1.corp.example.com.", 60),
				ExpectError: regexp.MustCompile(`(?s)NOTAUTH.*BADKEY`),
			},
		},
	})
}
