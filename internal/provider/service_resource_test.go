package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
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

// serviceOrder is the restarts of LanmanServer on server1 since a mark, as
// the lab's timeline has them: each stop and start in order.
func serviceOrder(l *lab.Lab, since uint64) string {
	var out []string
	for _, ev := range acctest.EventsSince(l, since) {
		if ev.Host == "server1" && (ev.Kind == "service.stop" || ev.Kind == "service.start") {
			out = append(out, strings.TrimPrefix(ev.Kind, "service.")+" "+strings.Fields(ev.Detail)[0])
		}
	}
	return strings.Join(out, ", ")
}

const manualOrder = "stop Dfs, stop Browser, stop Netlogon, stop LanmanServer, start LanmanServer, start Netlogon, start Browser, start Dfs"

func serviceConfig(l *lab.Lab, names string) string {
	return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_registry_value" "names" {
  server = "server1"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  name   = "OptionalNames"
  type   = "multi_string"
  values = [%s]
}

resource "winfs_service" "server" {
  server = "server1"
  name   = "lanmanserver"
  restart_triggers = {
    optional_names = join(",", winfs_registry_value.names.values)
  }
}

data "winfs_server_status" "s" {
  server     = "server1"
  depends_on = [winfs_service.server]
}
`, names)
}

// TestAccService_restartTriggers: a setting the Server service reads at
// start is in effect after one apply: the service is restarted with its
// dependents in the order of the manual procedure (dependents stopped
// first, started after it), and again when the value changes; a plan with
// nothing changed restarts nothing.
func TestAccService_restartTriggers(t *testing.T) {
	l := parallelAccLab(t)
	var since uint64
	inEffect := func(names string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			acctest.Attr("data.winfs_server_status.s", "settings_in_effect", knownvalue.Bool(true)),
			acctest.Attr("data.winfs_server_status.s", "settings", knownvalue.MapPartial(map[string]knownvalue.Check{
				"OptionalNames": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"service": knownvalue.StringExact("LanmanServer"), "configured": knownvalue.StringExact(names),
					"in_effect": knownvalue.StringExact(names), "pending": knownvalue.StringExact(""),
				}),
			})),
			acctest.Attr("winfs_service.server", "state", knownvalue.StringExact("running")),
			acctest.Attr("winfs_service.server", "startup_type", knownvalue.StringExact("automatic")),
			acctest.Attr("winfs_service.server", "display_name", knownvalue.StringExact("Server")),
			acctest.Attr("winfs_service.server", "dependent_services", knownvalue.ListExact([]knownvalue.Check{
				knownvalue.StringExact("Dfs"), knownvalue.StringExact("Browser"), knownvalue.StringExact("Netlogon")})),
		}
	}
	restarted := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := serviceOrder(l, since); got != want {
				return fmt.Errorf("service stops and starts:\n got %s\nwant %s", got, want)
			}
			return nil
		}
	}
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:         func() { since = acctest.Mark(l) },
				Config:            serviceConfig(l, `"files"`),
				Check:             restarted(manualOrder),
				ConfigStateChecks: inEffect("files"),
			},
			{
				PreConfig: func() { since = acctest.Mark(l) },
				Config:    serviceConfig(l, `"files"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_service.server", plancheck.ResourceActionNoop),
				}},
				Check: restarted(""),
			},
			{
				PreConfig: func() { since = acctest.Mark(l) },
				Config:    serviceConfig(l, `"files", "files2"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_service.server", plancheck.ResourceActionUpdate),
				}},
				Check:             restarted(manualOrder),
				ConfigStateChecks: inEffect("files\nfiles2"),
			},
			{
				ResourceName:                         "winfs_service.server",
				ImportState:                          true,
				ImportStateId:                        "server1/LanmanServer",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"restart_triggers", "name"},
			},
		},
	})
	if !l.Host("server1").ServiceRunning("LanmanServer") {
		t.Fatal("destroying winfs_service stopped the service")
	}
}

// TestAccService_stateAndStartupType: a service stopped and set to manual,
// and drift (started by hand) shown by the plan.
func TestAccService_stateAndStartupType(t *testing.T) {
	l := parallelAccLab(t)
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + `
resource "winfs_service" "browser" {
  server       = "server1"
  name         = "Browser"
  state        = "stopped"
  startup_type = "disabled"
}
`
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					if l.Host("server1").ServiceRunning("Browser") || !l.Host("server1").ServiceRunning("LanmanServer") {
						return fmt.Errorf("want Browser stopped, Server running")
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					if err := l.Host("server1").StartService("Browser"); err != nil {
						t.Fatal(err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{Config: cfg, Check: func(*terraform.State) error {
				if l.Host("server1").ServiceRunning("Browser") {
					return fmt.Errorf("Browser running after the apply")
				}
				return nil
			}},
		},
	})
}

// TestAccService_hardeningExample: examples/hardening on a fresh lab (no
// hardening): after one apply the settings the Server service reads are in
// effect on both servers, and NetBT's CacheTimeout waits for a reboot, as
// its output says.
func TestAccService_hardeningExample(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := acctest.StartLab(t, lab.Options{Scenario: lab.Scenario{Name: "bare", Servers: []string{"server1", "server2"}}})
	for _, s := range []string{"server1", "server2"} {
		if l.Host(s).AcceptsOtherNames() {
			t.Fatalf("%s accepts the alias before the hardening", s)
		}
	}
	tf := acctest.NewTerraform(t, testProvider)
	tf.CopyConfig("../../examples/hardening")
	tf.UseLab(l)
	tf.Apply()
	res := tf.Run("output", "in_effect")
	out := res.Output
	if res.Code != 0 {
		t.Fatalf("terraform output: %s", out)
	}
	var got map[string]map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{"DisableStrictNameChecking": "in effect", "OptionalNames": "in effect", "CacheTimeout": "pending a reboot"}
	for _, s := range []string{"server1", "server2"} {
		if !reflect.DeepEqual(got[s], want) {
			t.Errorf("%s: %v, want %v", s, got[s], want)
		}
		if !l.Host(s).AcceptsOtherNames() {
			t.Errorf("%s refuses the alias after the apply", s)
		}
	}
	tf.PlanIsEmpty()
}
