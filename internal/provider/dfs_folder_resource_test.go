package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

const accFolder = accNamespace + `\Finance`

// folderConfig is the DFS article's pair: the active server's target first
// among all targets, the other last, with rank for the active one.
func folderConfig(l *lab.Lab, active string, rank int) string {
	other := map[string]string{"server1": "server2", "server2": "server1"}[active]
	return namespaceConfig(l, `"\\\\server1\\files", "\\\\server2\\files"`, 300, true) + fmt.Sprintf(`
resource "winfs_dfs_folder" "finance" {
  server          = "server1"
  namespace       = winfs_dfs_namespace.files.path
  path            = %s
  ttl             = 60
  target_failback = true
  targets = {
    %s = { priority_class = "global_high", priority_rank = %d }
    %s = { priority_class = "global_low" }
  }
}
`, acctest.HCLString(accFolder), acctest.HCLString(`\\`+active+`\Finance`), rank, acctest.HCLString(`\\`+other+`\Finance`))
}

// labFolder checks the folder's targets as the directory holds them, by
// "path state class rank"; none means no folder.
func labFolder(l *lab.Lab, ttl uint32, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		f, ok := l.DFSDomain().Folder(accFolder)
		if len(want) == 0 {
			if ok {
				return fmt.Errorf("want no folder, the directory has %+v", f)
			}
			return nil
		}
		if !ok {
			return fmt.Errorf("no folder %s in the directory", accFolder)
		}
		got := make([]string, len(f.Targets))
		for i, t := range f.Targets {
			got[i] = fmt.Sprintf("%s %s %s %d", t.Path, t.State, t.Class, t.Rank)
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") || f.TTL != ttl || !f.TargetFailback {
			return fmt.Errorf("the directory has %q ttl %d failback %t, want %q ttl %d", got, f.TTL, f.TargetFailback, want, ttl)
		}
		return nil
	}
}

// TestAccDFSFolder_failover: the planned DFS failover is a swap of the
// priority classes, made in place without removing or adding a target;
// rank 0 can be set back; import; drift of a class made by hand is
// repaired; destroy removes the folder.
func TestAccDFSFolder_failover(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	var seq uint64
	mark := func() { seq = acctest.Mark(l) }
	inPlace := func(*terraform.State) error {
		evs := acctest.EventsSince(l, seq)
		sets := evs.Filter("server1", "dfs.folder.set", "")
		if len(sets) != 1 || strings.Contains(sets[0].Detail, "add ") || strings.Contains(sets[0].Detail, "remove ") {
			return fmt.Errorf("want one in-place change of the targets, got %v", sets)
		}
		return nil
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("winfs_dfs_folder.finance", plancheck.ResourceActionUpdate),
	}}
	accTest(t, resource.TestCase{
		CheckDestroy: labFolder(l, 0),
		Steps: []resource.TestStep{
			{
				Config: folderConfig(l, "server1", 5),
				Check:  labFolder(l, 60, `\\server1\Finance online global_high 5`, `\\server2\Finance online global_low 0`),
			},
			{
				PreConfig:        mark,
				Config:           folderConfig(l, "server1", 0),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(inPlace,
					labFolder(l, 60, `\\server1\Finance online global_high 0`, `\\server2\Finance online global_low 0`)),
			},
			{
				PreConfig:        mark,
				Config:           folderConfig(l, "server2", 0),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(inPlace,
					labFolder(l, 60, `\\server1\Finance online global_low 0`, `\\server2\Finance online global_high 0`)),
			},
			{
				ResourceName:            "winfs_dfs_folder.finance",
				ImportState:             true,
				ImportStateId:           `server1:` + accFolder,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"namespace"}, // imported as the path's first two components
			},
			{
				PreConfig: func() {
					err := l.DFSDomain().UpdateFolder(accFolder, func(f *dfsn.Folder) error {
						f.Targets[0].Class, f.Targets[0].State = "site_cost_normal", "offline"
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:           folderConfig(l, "server2", 0),
				ConfigPlanChecks: update,
				Check:            labFolder(l, 60, `\\server1\Finance online global_low 0`, `\\server2\Finance online global_high 0`),
			},
		},
	})
}

// TestAccDFSFolder_adoption: a folder built by hand with other spellings of
// its targets (FQDN, case) and the declared settings is adopted with no
// change on the server and an empty plan; a folder with other settings is
// refused with the import command; a folder deleted by hand is made again.
func TestAccDFSFolder_adoption(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	if err := l.DFSDomain().NewRoot(dfsn.Root{Path: accNamespace, Type: "domain_v2", Targets: []string{`\\server1\files`, `\\server2\files`}, TTL: 300, TargetFailback: true}); err != nil {
		t.Fatal(err)
	}
	byHand := dfsn.Folder{Path: accFolder, TTL: 60, TargetFailback: true, Targets: []dfsn.Target{
		{Path: `\\SERVER1.corp.example.com\FINANCE`, State: "online", Class: "global_high"},
		{Path: `\\server2.corp.example.com\finance`, State: "online", Class: "global_low"},
	}}
	if err := l.DFSDomain().NewFolder(byHand); err != nil {
		t.Fatal(err)
	}
	var seq uint64
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      folderConfig(l, "server2", 0),
				ExpectError: acctest.Phrases("Folder already exists", `\\SERVER1.corp.example.com\FINANCE online global_high`, "terraform import"),
			},
			{
				PreConfig: func() { seq = acctest.Mark(l) },
				Config:    folderConfig(l, "server1", 0),
				Check: func(*terraform.State) error {
					if evs := acctest.EventsSince(l, seq).Filter("", "dfs.folder.set", ""); len(evs) != 0 {
						return fmt.Errorf("adopting changed the folder: %v", evs)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					if !l.DFSDomain().RemoveFolder(accFolder) {
						t.Fatal("no folder to remove")
					}
				},
				Config: folderConfig(l, "server1", 0),
				Check:  labFolder(l, 60, `\\server1\Finance online global_high 0`, `\\server2\Finance online global_low 0`),
			},
		},
	})
}

// TestAccDFSBadInputsRefusedAtPlan: each bad input is an error of the plan
// naming the attribute and what it accepts.
func TestAccDFSBadInputsRefusedAtPlan(t *testing.T) {
	l := parallelAccLab(t)
	folder := func(ns, p, targets, extra string) string {
		return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_dfs_folder" "bad" {
  server    = "server1"
  namespace = %s
  path      = %s
  targets   = { %s }
  %s
}
`, acctest.HCLString(ns), acctest.HCLString(p), targets, extra)
	}
	ok := `"\\\\server1\\Finance" = {}`
	cases := map[string]struct{ cfg, want string }{
		"target not UNC":          {folder(accNamespace, accFolder, `"server1/Finance" = {}`, ""), `targets: key "server1/Finance" is not a UNC path`},
		"path outside namespace":  {folder(accNamespace, `\\corp.example.com\other\Finance`, ok, ""), `Folder outside its namespace.*path .* does not start with namespace`},
		"same target twice":       {folder(accNamespace, accFolder, ok+`, "\\\\SERVER1.corp.example.com\\finance" = {}`, ""), `Duplicate target.*targets\[.*name the same target`},
		"priority class":          {folder(accNamespace, accFolder, `"\\\\server1\\Finance" = { priority_class = "GlobalHigh" }`, ""), `priority_class value must be one of: \["site_cost_normal" "global_high" "site_cost_high" "site_cost_low" "global_low"\]`},
		"rank over 31":            {folder(accNamespace, accFolder, `"\\\\server1\\Finance" = { priority_rank = 32 }`, ""), `priority_rank value must be between 0 and 31`},
		"ttl 0":                   {folder(accNamespace, accFolder, ok, "ttl = 0"), `ttl value must be between 1 and 2147483647`},
		"ttl over 2^31-1":         {folder(accNamespace, accFolder, ok, "ttl = 2147483648"), `ttl value must be between 1 and 2147483647`},
		"namespace with a folder": {folder(accFolder, accFolder+`\x`, ok, ""), `namespace: .* must have exactly 2 components`},
	}
	var refusals []acctest.Refusal
	for name, c := range cases {
		refusals = append(refusals, acctest.Refusal{Name: name, Config: c.cfg, Want: regexp.MustCompile(`(?s)` + c.want)})
	}
	expectRefusals(t, refusals)
}
