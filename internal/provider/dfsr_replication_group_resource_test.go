package provider

import (
	"fmt"
	"regexp"
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

func dfsLab(t *testing.T) *lab.Lab {
	t.Helper()
	return acctest.StartLab(t, lab.Options{Scenario: lab.DFSScenario()})
}

func groupConfig(l *lab.Lab, topology string, schedule bool) string {
	hub := ""
	if topology == "hub_and_spoke" {
		hub = `hub = "server1"`
	}
	return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_dfsr_replication_group" "files" {
  server   = "server1"
  name     = "Files"
  members  = ["server1", "server2"]
  folders  = { Finance = { content_paths = { server1 = "D:\\Finance", server2 = "D:\\Finance" } } }
  topology = %q
  %s
  schedule = %t
}
`, topology, hub, schedule)
}

func labGroup(l *lab.Lab, schedule bool, connected bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		g, ok := l.DFSRGroups().Get("Files")
		if !ok {
			return fmt.Errorf("no group Files")
		}
		if (g.HoursReplicated == 168) != schedule || g.Connected("server1", "server2") != connected || len(g.Folders) != 1 || g.Folders[0].Paths["SERVER2"] != `D:\Finance` {
			return fmt.Errorf("the group is %+v", g)
		}
		return nil
	}
}

// TestAccDFSRReplicationGroup_lifecycle: create, import, the backlog data
// source reads zero once a write has replicated, the schedule turned off
// by Terraform, drift of a connection removed by hand, destroy.
func TestAccDFSRReplicationGroup_lifecycle(t *testing.T) {
	t.Parallel()
	l := dfsLab(t)
	backlog := `
data "winfs_dfsr_backlog" "finance" {
  server      = "server2"
  group       = winfs_dfsr_replication_group.files.name
  folder      = "Finance"
  source      = "server1"
  destination = "server2"
}
`
	accTest(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			if _, ok := l.DFSRGroups().Get("Files"); ok {
				return fmt.Errorf("the group is still there")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: groupConfig(l, "full_mesh", true), Check: labGroup(l, true, true)},
			{ResourceName: "winfs_dfsr_replication_group.files", ImportState: true, ImportStateId: "server1:Files", ImportStateVerify: true},
			{
				PreConfig: func() {
					if err := l.Host("server1").WriteFile(`D:\Finance\new.txt`, "n"); err != nil {
						t.Fatal(err)
					}
					deadline := time.Now().Add(5 * time.Second)
					for {
						if got, ok := l.Host("server2").ReadFile(`D:\Finance\new.txt`); ok && got == "n" {
							return
						}
						if time.Now().After(deadline) {
							t.Fatal("new.txt never reached server2")
						}
						time.Sleep(20 * time.Millisecond)
					}
				},
				Config: groupConfig(l, "full_mesh", true) + backlog,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("data.winfs_dfsr_backlog.finance", "files", knownvalue.Int64Exact(0)),
					acctest.Attr("data.winfs_dfsr_backlog.finance", "at_least", knownvalue.Bool(false)),
				},
			},
			{Config: groupConfig(l, "full_mesh", false), Check: labGroup(l, false, true)},
			{
				PreConfig: func() {
					g, _ := l.DFSRGroups().Get("Files")
					g.Connections = nil
					l.DFSRGroups().Put(g)
				},
				Config: groupConfig(l, "full_mesh", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_dfsr_replication_group.files", plancheck.ResourceActionUpdate),
				}},
				Check: labGroup(l, false, true),
			},
			{Config: groupConfig(l, "hub_and_spoke", false), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
}

// TestAccDFSRBadInputsRefusedAtPlan: a member listed twice, a content path
// that is not an absolute local path, a content path of a non-member.
func TestAccDFSRBadInputsRefusedAtPlan(t *testing.T) {
	l := parallelAccLab(t)
	group := func(members, paths string) string {
		return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_dfsr_replication_group" "bad" {
  server  = "server1"
  name    = "Files"
  members = [%s]
  folders = { Finance = { content_paths = { %s } } }
}
`, members, paths)
	}
	cases := map[string]struct{ cfg, want string }{
		"member twice":       {group(`"server1", "SERVER1"`, `server1 = "D:\\Finance"`), `members: "SERVER1" is listed twice`},
		"relative path":      {group(`"server1"`, `server1 = "Finance"`), `content_paths.* must be an absolute local path such as D:\\Finance`},
		"UNC content path":   {group(`"server1"`, `server1 = "\\\\server1\\Finance"`), `content_paths.* must be an absolute local path`},
		"path of non-member": {group(`"server1"`, `server3 = "D:\\Finance"`), `content_paths: "server3" is not in members`},
	}
	var refusals []acctest.Refusal
	for name, c := range cases {
		refusals = append(refusals, acctest.Refusal{Name: name, Config: c.cfg, Want: regexp.MustCompile(`(?s)` + c.want)})
	}
	expectRefusals(t, refusals)
}
