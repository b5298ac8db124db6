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
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
)

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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
