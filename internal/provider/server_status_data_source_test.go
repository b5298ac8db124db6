package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// statusLab starts the estate as set up by hand, share included: the status
// tests assert on it untouched (X: and Y: on server1, files -> server1).
func statusLab(t *testing.T) *lab.Lab {
	t.Helper()
	l := acctest.StartLab(t, lab.Options{})
	// The estate as set up by hand also has a share on X:, its name with a space.
	raw := fmt.Sprintf(`{"share":{"name":"Finance Team","path":"X:\\Finance","description":"","caching_mode":"manual","access_based_enumeration":false,`+
		`"concurrent_user_limit":0,"encrypt_data":false,"access":[{"account":"Everyone","right":"change","type":"allow"}]},"scope":[%q]}`, `X:\`)
	if _, aerr := l.Host("server1").Execute(agent.ShareSet.Name, []byte(raw)); aerr != nil {
		t.Fatalf("the hand-made share: %v", aerr)
	}
	return l
}

func statusData(name, server, extra string) string {
	return fmt.Sprintf("data \"winfs_server_status\" %q {\n  server = %q\n%s}\n", name, server, extra)
}

const filesAlias = "  alias = \"files\"\n  zone  = \"corp.example.com\"\n"

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAccServerStatus(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	sc := lab.DefaultScenario()
	x, y := sc.SAN.LUNs[0].Serial, sc.SAN.LUNs[1].Serial
	s1, s2 := "data.winfs_server_status.s1", "data.winfs_server_status.s2"
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// rfc2136: the alias is read from the lab's DNS server; s2 gives
				// it fully qualified, so its zone is found by asking.
				Config: acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + statusData("s1", "server1", filesAlias) +
					statusData("s2", "server2", "  alias = \"files.corp.example.com\"\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr(s1, "id", knownvalue.StringExact("server1")),
					acctest.Attr(s1, "reachable", knownvalue.Bool(true)),
					acctest.Attr(s1, "computer_name", knownvalue.StringExact("SERVER1")),
					acctest.Attr(s1, "server_service_running", knownvalue.Bool(true)),
					acctest.Attr(s1, "services", knownvalue.MapSizeExact(4)),
					acctest.Attr(s1, "services", knownvalue.MapPartial(map[string]knownvalue.Check{
						"LanmanServer": knownvalue.StringExact("running"),
						"Dfs":          knownvalue.StringExact("running"),
					})),
					acctest.Attr(s1, "mounted_volumes", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"mount_point": knownvalue.StringExact("X:"),
							"disk_serial": knownvalue.StringExact(x),
							"volume_guid": knownvalue.StringRegexp(guidPattern),
							"online":      knownvalue.Bool(true),
							"read_only":   knownvalue.Bool(false),
							"dirty":       knownvalue.Bool(false),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"mount_point": knownvalue.StringExact("Y:"),
							"disk_serial": knownvalue.StringExact(y),
						}),
					})),
					// The hand-made estate's shares (the test's own share.set is one of them).
					acctest.Attr(s1, "shares", knownvalue.SetSizeExact(len(lab.SeedShares()))),
					acctest.Attr(s1, "shares", knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("Finance Team"),
						knownvalue.StringExact("Projets Été"),
					})),
					acctest.Attr(s1, "alias_target", knownvalue.StringExact("server1.corp.example.com.")),
					acctest.Attr(s1, "serves_alias", knownvalue.Bool(true)),

					acctest.Attr(s2, "reachable", knownvalue.Bool(true)),
					acctest.Attr(s2, "server_service_running", knownvalue.Bool(true)),
					acctest.Attr(s2, "mounted_volumes", knownvalue.ListSizeExact(0)),
					acctest.Attr(s2, "shares", knownvalue.SetSizeExact(0)),
					acctest.Attr(s2, "alias_target", knownvalue.StringExact("server1.corp.example.com.")),
					acctest.Attr(s2, "serves_alias", knownvalue.Bool(false)),
				},
			},
			{
				// server2 dead, the windows backend on server1: no error, and
				// the alias is still read. Without alias the alias attributes are null.
				PreConfig: func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config: acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "windows"}) + statusData("s1", "server1", filesAlias) +
					statusData("s2", "server2", filesAlias) + statusData("bare", "server2", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr(s1, "reachable", knownvalue.Bool(true)),
					acctest.Attr(s1, "serves_alias", knownvalue.Bool(true)),
					acctest.Attr(s2, "reachable", knownvalue.Bool(false)),
					acctest.Attr(s2, "server_service_running", knownvalue.Bool(false)),
					acctest.Attr(s2, "computer_name", knownvalue.Null()),
					acctest.Attr(s2, "services", knownvalue.MapSizeExact(0)),
					acctest.Attr(s2, "mounted_volumes", knownvalue.ListSizeExact(0)),
					acctest.Attr(s2, "shares", knownvalue.SetSizeExact(0)),
					acctest.Attr(s2, "alias_target", knownvalue.StringExact("server1.corp.example.com.")),
					acctest.Attr(s2, "serves_alias", knownvalue.Bool(false)),
					acctest.Attr("data.winfs_server_status.bare", "reachable", knownvalue.Bool(false)),
					acctest.Attr("data.winfs_server_status.bare", "alias_target", knownvalue.Null()),
					acctest.Attr("data.winfs_server_status.bare", "serves_alias", knownvalue.Null()),
				},
			},
			{
				// The Windows DNS server itself is the dead one: a warning, not an error.
				Config: acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "windows", DNSWindowsServer: "server2"}) + statusData("s1", "server1", filesAlias),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr(s1, "reachable", knownvalue.Bool(true)),
					acctest.Attr(s1, "alias_target", knownvalue.Null()),
					acctest.Attr(s1, "serves_alias", knownvalue.Bool(false)),
				},
			},
			{
				// A passing check block. Terraform plans a check block's data
				// source to be read again at every apply ("config will be
				// reloaded to verify a check block"), so no plan with one is
				// empty, passing or not.
				ExpectNonEmptyPlan: true,
				Config: acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) +
					servesFilesCheck("server1", "s1", " && length(data.winfs_server_status.s1.shares) > 0"),
				ConfigStateChecks: []statecheck.StateCheck{acctest.Attr(s1, "serves_alias", knownvalue.Bool(true))},
			},
			{
				// A failing check block is a warning: the apply succeeds
				// (TestAccServerStatus_checkWarning reads the warning itself).
				ExpectNonEmptyPlan: true,
				Config:             acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + servesFilesCheck("server2", "s2", ""),
			},
		},
	})
	l.ClearFaults()
}

func TestAccServerStatus_errors(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	// Bad credentials are an answer from a live server: an error, never reachable = false.
	badPassword := strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{}), acctest.HCLString(l.Password()), `"not-the-password"`, 1)
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + statusData("s", "server9", ""),
				ExpectError: regexp.MustCompile(`server "server9" is not one of the provider's servers`),
			},
			{
				Config:      badPassword + statusData("s", "server1", ""),
				ExpectError: regexp.MustCompile(`(?s)Cannot read server status.*HTTP 401 Unauthorized`),
			},
			{
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + statusData("s", "server1", "  alias = \"files\"\n"),
				ExpectError: regexp.MustCompile(`alias "files" is a single label: set zone`),
			},
			{
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + statusData("s", "server1", "  zone = \"corp.example.com\"\n"),
				ExpectError: regexp.MustCompile(`zone only says where alias is`),
			},
			{
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + statusData("s", "server1", filesAlias),
				ExpectError: regexp.MustCompile(`(?s)DNS backend unavailable.*no dns\s+block`),
			},
		},
	})
}

// statusTerraform is a terraform working directory holding config.
func statusTerraform(t *testing.T, config string) *acctest.Terraform {
	t.Helper()
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(config)
	return tf
}

// servesFilesCheck is a check block that server serves \\files, read by
// the data source winfs_server_status.<ds>, with extra added to the
// condition.
func servesFilesCheck(server, ds, extra string) string {
	return fmt.Sprintf(`
check "%[1]s_serves_files" {
  data "winfs_server_status" "%[2]s" {
    server = "%[1]s"
    alias  = "files"
    zone   = "corp.example.com"
  }
  assert {
    condition     = data.winfs_server_status.%[2]s.reachable && data.winfs_server_status.%[2]s.serves_alias%[3]s
    error_message = "%[1]s does not serve \\\\files"
  }
}
`, server, ds, extra)
}

// TestAccServerStatus_checkWarning: a failing check block is a warning
// that names the assertion, and the apply succeeds.
func TestAccServerStatus_checkWarning(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	defer l.ClearFaults()
	tf := statusTerraform(t, acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"})+`
check "active_serves_files" {
  data "winfs_server_status" "active" {
    server = "server2"
    alias  = "files"
    zone   = "corp.example.com"
  }
  assert {
    condition     = data.winfs_server_status.active.reachable && data.winfs_server_status.active.serves_alias
    error_message = "server2 is not serving \\\\files: reachable=${data.winfs_server_status.active.reachable}, alias -> ${coalesce(data.winfs_server_status.active.alias_target, "?")}"
  }
}
`)
	res := tf.Apply()
	if !res.HasDiagnostic("warning", "Check block assertion failed", `server2 is not serving \\files: reachable=false, alias ->`) {
		t.Errorf("the apply lacks the check's warning: %s", res.Explain())
	}
}

// TestAccServerStatus_example: the documented checks pass on the estate as
// set up by hand (server1 active), and the standby check fails once
// server2 mounts a volume.
func TestAccServerStatus_example(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	tf := statusTerraform(t, acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"})+example(t, "data-sources/winfs_server_status/data-source.tf"))
	res := tf.Apply()
	if len(res.Diagnostics("")) != 0 {
		t.Fatalf("the example's checks must pass on the estate as set up by hand: %s", res.Explain())
	}
	if failed := acctest.FailedChecks(tf.Plan()); len(failed) != 0 {
		t.Fatalf("with active = server1 no check may fail: %v", failed)
	}
	failed := acctest.FailedChecks(tf.Plan("-var", "active=server2"))
	want := map[string]string{
		"check.active_serves_files": "is not fully served by server2",
		"check.standby_is_idle":     `The standby mounts ["X:","Y:"]`,
	}
	for check, text := range want {
		if msgs := failed[check]; len(msgs) != 1 || !strings.Contains(msgs[0], text) {
			t.Errorf("with active = server2, %s must fail with %q; the failed checks: %v", check, text, failed)
		}
	}
	if len(failed) != len(want) {
		t.Errorf("with active = server2, want exactly %d failed checks, got %v", len(want), failed)
	}
}
