package provider

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

const accNamespace = `\\corp.example.com\files`

func namespaceConfig(l *lab.Lab, targets string, ttl int, failback bool) string {
	return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_dfs_namespace" "files" {
  server          = "server1"
  path            = %s
  type            = "domain_v2"
  root_targets    = [%s]
  ttl             = %d
  target_failback = %t
}
`, acctest.HCLString(accNamespace), targets, ttl, failback)
}

// labRoot checks the root as the domain's directory holds it; targets nil
// means no root.
func labRoot(l *lab.Lab, targets []string, ttl uint32, failback bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r, ok := l.DFSDomain().Root(accNamespace)
		switch {
		case targets == nil && ok:
			return fmt.Errorf("want no namespace, the directory has %+v", r)
		case targets == nil:
			return nil
		case !ok:
			return fmt.Errorf("no namespace %s in the directory", accNamespace)
		case !slices.Equal(r.Targets, targets) || r.TTL != ttl || r.TargetFailback != failback:
			return fmt.Errorf("the directory has %+v, want targets %v ttl %d failback %t", r, targets, ttl, failback)
		}
		return nil
	}
}

// TestAccDFSNamespace_lifecycle: create, a respelled root target is no
// change on the server, import, drift of the TTL made by hand is repaired,
// a root target removed, destroy.
func TestAccDFSNamespace_lifecycle(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	two := `"\\\\server1\\files", "\\\\server2\\files"`
	accTest(t, resource.TestCase{
		CheckDestroy: labRoot(l, nil, 0, false),
		Steps: []resource.TestStep{
			{
				Config: namespaceConfig(l, two, 300, true),
				Check:  labRoot(l, []string{`\\server1\files`, `\\server2\files`}, 300, true),
			},
			{
				ResourceName:      "winfs_dfs_namespace.files",
				ImportState:       true,
				ImportStateId:     `server1:` + accNamespace,
				ImportStateVerify: true,
			},
			{
				// The TTL changed by hand shows as drift and is set back.
				PreConfig: func() {
					if err := l.DFSDomain().UpdateRoot(accNamespace, func(r *dfsn.Root) error { r.TTL = 900; return nil }); err != nil {
						t.Fatal(err)
					}
				},
				Config: namespaceConfig(l, two, 300, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_dfs_namespace.files", plancheck.ResourceActionUpdate),
				}},
				Check: labRoot(l, []string{`\\server1\files`, `\\server2\files`}, 300, true),
			},
			{
				Config: namespaceConfig(l, `"\\\\server1\\files"`, 60, false),
				Check:  labRoot(l, []string{`\\server1\files`}, 60, false),
			},
		},
	})
}

// TestAccDFSNamespace_adoption: a root built by hand exactly as declared is
// adopted without a change; one built otherwise is refused with the import
// command.
func TestAccDFSNamespace_adoption(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	if err := l.DFSDomain().NewRoot(dfsn.Root{Path: `\\CORP\files`, Type: "domain_v2", Targets: []string{`\\SERVER1.corp.example.com\FILES`}, TTL: 300, TargetFailback: true}); err != nil {
		t.Fatal(err)
	}
	var seq uint64
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      namespaceConfig(l, `"\\\\server1\\files"`, 60, true),
				ExpectError: acctest.Phrases("Namespace already exists", "ttl 300", "terraform import", `server1:\\corp.example.com\files`),
			},
			{
				// The server keeps its spelling; the plans after the
				// apply are empty.
				PreConfig: func() { seq = acctest.Mark(l) },
				Config:    namespaceConfig(l, `"\\\\server1\\files"`, 300, true),
				Check: func(*terraform.State) error {
					if evs := acctest.EventsSince(l, seq).Filter("", "dfs.root.set", ""); len(evs) != 0 {
						return fmt.Errorf("adopting changed the root: %v", evs)
					}
					return nil
				},
			},
		},
	})
}
