package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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

// TestAccDNSCNAME_lifecycle: create, import, switch target, change TTL
// (both in place, each as one change on the server), drift, destroy, for
// both backends against the same lab zone.
func TestAccDNSCNAME_lifecycle(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"rfc2136", "windows"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			l := testLab(t)
			o := acctest.ProviderOpts{DNS: backend}
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
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				CheckDestroy:             labAlias(l, owner, "", 0),
				Steps: []resource.TestStep{
					{
						Config: cnameConfig(l, o, name, "server1.corp.example.com", 60),
						Check: resource.ComposeAggregateTestCheckFunc(
							labAlias(l, owner, s1, 60),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.Attr("winfs_dns_cname.alias", "id", knownvalue.StringExact(owner)),
						},
					},
					// Spelling differences are not diffs: no trailing dot,
					// upper case.
					{Config: cnameConfig(l, o, name, "server1.corp.example.com", 60), PlanOnly: true},
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
}

// TestAccDNSCNAME_adoptAndRefuse: an alias made by hand exactly as declared
// is adopted; one pointing elsewhere is refused with import advice; a name
// holding other data is refused.
func TestAccDNSCNAME_adoptAndRefuse(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"rfc2136", "windows"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			l := testLab(t)
			o := acctest.ProviderOpts{DNS: backend}
			legacy := "acc-legacy-" + backend
			owner := legacy + ".corp.example.com."
			if err := l.Zone().AddRecord(legacy+" 86400 IN CNAME server1", "test"); err != nil {
				t.Fatal(err)
			}
			if err := l.Zone().AddRecord("acc-host-"+backend+" 3600 IN A 192.0.2.7", "test"); err != nil {
				t.Fatal(err)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				CheckDestroy:             labAlias(l, owner, "", 0),
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	o := acctest.ProviderOpts{DNS: "rfc2136", DNSExtra: "    timeout = \"200ms\"\n    retries = 1\n"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
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
	// The cases run in parallel; the group ends when all of them have.
	t.Run("cases", func(t *testing.T) {
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				expectPlanError(t, c.cfg, regexp.MustCompile(c.want))
			})
		}
	})
	for _, ev := range acctest.EventsSince(l, events) {
		if ev.Host == "dns" {
			t.Fatalf("a plan-time error changed DNS: %+v", ev)
		}
	}
}
