package provider

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// Every SAN test works on LUNs of its own, so that the estate's X: and Y:
// LUNs stay as the scenario made them.
func accLUN(t *testing.T, l *lab.Lab, name string) array.LUN {
	t.Helper()
	lun := array.LUN{Path: "/vol/acc/" + name, Serial: fmt.Sprintf("ACC%09d", len(name)*7919+int(name[0])), Size: 1 << 30}
	l.Array().AddLUN(lun)
	return lun
}

// arrayHolds checks the array (not Terraform's state): the igroups the LUN
// is mapped to, sorted.
func arrayHolds(l *lab.Lab, lun string, igroups ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var got []string
		for _, m := range l.Array().Mappings() {
			if m.LUN == lun {
				got = append(got, m.IGroup)
			}
		}
		sort.Strings(got)
		sort.Strings(igroups)
		if strings.Join(got, ",") != strings.Join(igroups, ",") {
			return fmt.Errorf("on the array %s is mapped to [%s], want [%s]", lun, strings.Join(got, ","), strings.Join(igroups, ","))
		}
		return nil
	}
}

// lunEvents are the array's map/unmap events of one LUN since seq, as
// "map server2" / "unmap server1".
func lunEvents(l *lab.Lab, lun string, since uint64) []string {
	evs := acctest.EventsSince(l, since)
	var out []string
	for _, ev := range evs {
		m, ok := array.ParseEvent(ev.Detail)
		if ev.Host != "array" || !ok || m.LUN != lun {
			continue
		}
		out = append(out, strings.TrimPrefix(ev.Kind, "lun.")+" "+m.IGroup)
	}
	return out
}

// neverTwice replays the timeline from the mappings at the test's start:
// at no moment was a LUN mapped to two igroups.
func neverTwice(l *lab.Lab, start []array.Mapping, since uint64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		evs := acctest.EventsSince(l, since)
		if v := array.ReplayDoubleMappings(start, evs); len(v) > 0 {
			return fmt.Errorf("one host per LUN broken: %s", strings.Join(v, "; "))
		}
		return nil
	}
}

func mappingConfig(l *lab.Lab, lun, igroup, extra string) string {
	return acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_san_lun_mapping" "m" {
  lun    = %s
  igroup = %s
  %s
}
`, acctest.HCLString(lun), acctest.HCLString(igroup), extra)
}

// TestAccSANLunMapping_basic maps, imports, detects an unmap behind
// Terraform's back and repairs it, then unmaps on destroy.
func TestAccSANLunMapping_basic(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "basic")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server1"),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "id", knownvalue.StringExact(lun.Path+":server1")),
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.NotNull()),
					acctest.Attr("winfs_san_lun_mapping.m", "takeover", knownvalue.Bool(false)),
				},
			},
			{Config: cfg, PlanOnly: true},
			{
				ResourceName:      "winfs_san_lun_mapping.m",
				ImportState:       true,
				ImportStateId:     lun.Path + ":server1",
				ImportStateVerify: true,
			},
			{
				// Someone unmaps the LUN on the array: the next plan maps it again.
				PreConfig: func() {
					if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_san_lun_mapping.m", plancheck.ResourceActionCreate),
				}},
				Check: arrayHolds(l, lun.Path, "server1"),
			},
		},
	})
}

// TestAccSANLunMapping_move: changing igroup unmaps from the old host
// first and maps to the new one second; the LUN is never mapped twice.
func TestAccSANLunMapping_move(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "move")
	var since uint64
	var start []array.Mapping
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{Config: mappingConfig(l, lun.Path, "server1", ""), Check: arrayHolds(l, lun.Path, "server1")},
			{
				PreConfig: func() { since, start = acctest.Mark(l), l.Array().Mappings() },
				Config:    mappingConfig(l, lun.Path, "server2", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_san_lun_mapping.m", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server2"),
					func(*terraform.State) error {
						got := strings.Join(lunEvents(l, lun.Path, since), ", ")
						if got != "unmap server1, map server2" {
							return fmt.Errorf("timeline of %s: %s; want unmap server1, map server2", lun.Path, got)
						}
						return nil
					},
					func(s *terraform.State) error { return neverTwice(l, start, since)(s) },
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
				},
			},
		},
	})
	for _, v := range l.Invariants() {
		if strings.Contains(v.Detail, lun.Path) {
			t.Errorf("invariant violated: %+v", v)
		}
	}
}

// TestAccSANLunMapping_refusalAndTakeover: a LUN someone mapped to server1
// by hand is not mapped to server2 as well; the error names server1 and
// says what to do. takeover = true unmaps server1 first.
func TestAccSANLunMapping_refusalAndTakeover(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "takeover")
	if _, err := l.Array().Map(lun.Path, "server1", 9); err != nil {
		t.Fatal(err)
	}
	since, start := acctest.Mark(l), l.Array().Mappings()
	want := acctest.Phrases(
		`LUN /vol/acc/takeover is mapped to initiator group server1 (LUN ID 9)`,
		`would let two hosts see the same disk`,
		`set takeover = true`,
		`terraform import winfs_san_lun_mapping.<name> '/vol/acc/takeover:server1'`,
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config:      mappingConfig(l, lun.Path, "server2", ""),
				ExpectError: want,
			},
			{
				PreConfig: func() {
					if got := lunEvents(l, lun.Path, since); len(got) != 0 {
						t.Fatalf("the refused apply changed the array: %v", got)
					}
				},
				Config: mappingConfig(l, lun.Path, "server2", "takeover = true"),
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server2"),
					func(*terraform.State) error {
						if got := strings.Join(lunEvents(l, lun.Path, since), ", "); got != "unmap server1, map server2" {
							return fmt.Errorf("timeline: %s", got)
						}
						return nil
					},
					neverTwice(l, start, since),
				),
			},
		},
	})
}

// TestAccSANLunMapping_adopt: a mapping already as declared is adopted
// without a command that changes the array (S8); a different LUN ID is an
// error that says what is there.
func TestAccSANLunMapping_adopt(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "adopt")
	if _, err := l.Array().Map(lun.Path, "server2", 77); err != nil {
		t.Fatal(err)
	}
	since := acctest.Mark(l)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config:      mappingConfig(l, lun.Path, "server2", "lun_id = 5"),
				ExpectError: acctest.Phrases(`with LUN ID 77, not 5. Set lun_id = 77`),
			},
			{
				Config: mappingConfig(l, lun.Path, "server2", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if got := lunEvents(l, lun.Path, since); len(got) != 0 {
							return fmt.Errorf("adopting changed the array: %v", got)
						}
						return nil
					},
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.Int64Exact(77)),
				},
			},
			{Config: mappingConfig(l, lun.Path, "server2", "lun_id = 77"), PlanOnly: true},
		},
	})
}

// TestAccSANLunMapping_sessionCut: the array cuts the session after `lun
// map` ran and before it answered. The apply fails saying the outcome is
// unknown; the next apply reads the array, adopts the mapping and converges.
func TestAccSANLunMapping_sessionCut(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "cut")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	var since uint64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					since = acctest.Mark(l)
					if err := l.InjectFault(lab.FaultRequest{Target: "array", Kind: "cut", Command: "lun map " + lun.Path}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: acctest.Phrases(`whether it ran is unknown`, `Run terraform apply again`),
			},
			{
				PreConfig: func() {
					if got := lunEvents(l, lun.Path, since); strings.Join(got, ",") != "map server1" {
						t.Fatalf("the cut command should have run once: %v", got)
					}
				},
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server1"),
					func(*terraform.State) error {
						if got := lunEvents(l, lun.Path, since); len(got) != 1 {
							return fmt.Errorf("the re-apply mapped again instead of adopting: %v", got)
						}
						return nil
					},
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// TestAccSANLunMapping_driftMoved: a LUN moved to the other igroup on the
// array shows in the next plan, and the apply then refuses to map it twice.
func TestAccSANLunMapping_driftMoved(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "drift_moved")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: arrayHolds(l, lun.Path, "server1")},
			{
				PreConfig: func() {
					if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil {
						t.Fatal(err)
					}
					if _, err := l.Array().Map(lun.Path, "server2", -1); err != nil {
						t.Fatal(err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      cfg,
				ExpectError: acctest.Phrases(`is mapped to initiator group server2`, `set takeover = true`),
			},
			{
				// Put the array back as the configuration says, for the destroy.
				PreConfig: func() {
					if _, err := l.Array().Unmap(lun.Path, "server2"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				Check:  arrayHolds(l, lun.Path, "server1"),
			},
		},
	})
}

// TestAccSANLunMapping_unknownTargets: an unknown LUN or igroup is a clear
// error naming it, and nothing changes.
func TestAccSANLunMapping_unknownTargets(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	since := acctest.Mark(l)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:      mappingConfig(l, "/vol/acc/does_not_exist", "server1", ""),
				ExpectError: acctest.Phrases(`does not know LUN /vol/acc/does_not_exist`, `lun serial: /vol/acc/does_not_exist : No such LUN exists`),
			},
			{
				Config:      mappingConfig(l, "/vol/vol1/files_x", "server9", ""),
				ExpectError: acctest.Phrases(`no initiator group "server9"; it has: server1, server2`),
			},
		},
	})
	evs := acctest.EventsSince(l, since)
	for _, ev := range evs {
		if ev.Kind == "lun.map" || ev.Kind == "lun.unmap" {
			t.Errorf("a refused apply changed the array: %+v", ev)
		}
	}
}

// TestAccSANLunMapping_planTimeErrors: bad input fails at plan time and
// names the attribute.
func TestAccSANLunMapping_planTimeErrors(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	res := func(body string) string { return "resource \"winfs_san_lun_mapping\" \"bad\" {\n" + body + "\n}\n" }
	ok := `lun = "/vol/vol1/files_x"` + "\n" + `igroup = "server1"` + "\n"
	cases := map[string]struct{ cfg, want string }{
		"blank in lun":     {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + res(`lun = "/vol/vol1/a b"`+"\n"+`igroup = "server1"`), `lun "/vol/vol1/a b" must be 1-255`},
		"semicolon igroup": {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + res(`lun = "/vol/vol1/x"`+"\n"+`igroup = "s1;reboot"`), `igroup "s1;reboot" must be`},
		"leading dash":     {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + res(`lun = "/vol/vol1/x"`+"\n"+`igroup = "-f"`), `igroup "-f" must be`},
		"lun_id range":     {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + res(ok+`lun_id = 4096`), `lun_id value must be between 0 and 4095`},
		"ontap7 path":      {acctest.ProviderBlock(l, acctest.ProviderOpts{}) + res(`lun = "files_x"`+"\n"+`igroup = "server1"`), `must look like /vol/<volume>/<lun>`},
		"no san block":     {acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true}) + res(ok), "no `san` block"},
		"bad dialect": {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{}), `timeout  = "5s"`, `dialect = "ontap9"`, 1) + res(ok),
			`value must be one of`},
		"generic missing": {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{}), `timeout  = "5s"`, `dialect = "generic"`, 1) + res(ok),
			`needs the generic attribute`},
		"bad prompt": {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{}), `timeout  = "5s"`, `prompt = "(["`, 1) + res(ok),
			`valid RE2 regular expression`},
		"bad address": {strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{}), l.SANAddress(), "filer1:99999", 1) + res(ok),
			`"filer1:99999" must be a host name`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			expectPlanError(t, c.cfg, acctest.Phrases(c.want))
		})
	}
}

// TestAccSANLunMapping_credentialsFromEnv: WINFS_SAN_USERNAME and
// WINFS_SAN_PASSWORD stand in for the san block's credentials.
func TestAccSANLunMapping_credentialsFromEnv(t *testing.T) {
	// Not parallel: t.Setenv changes the environment of the in-process
	// provider, which every test shares; serial tests finish before the
	// parallel ones start.
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "env")
	t.Setenv(EnvSANUsername, l.SANUsername())
	t.Setenv(EnvSANPassword, l.SANPassword())
	cfg := mappingConfig(l, lun.Path, "server2", "")
	cfg = strings.Replace(cfg, "    username = "+acctest.HCLString(l.SANUsername())+"\n", "", 1)
	cfg = strings.Replace(cfg, "    password = "+acctest.HCLString(l.SANPassword())+"\n", "", 1)
	if strings.Contains(cfg, acctest.HCLString(l.SANPassword())) || strings.Contains(cfg, acctest.HCLString(l.SANUsername())) {
		t.Fatal("the test did not take the SAN credentials out of the configuration")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps:                    []resource.TestStep{{Config: cfg, Check: arrayHolds(l, lun.Path, "server2")}},
	})
}

// msaLab is a lab whose array speaks the MSA-style CLI, driven through the
// provider's generic dialect.
func msaLab(t *testing.T) *lab.Lab {
	t.Helper()
	return acctest.StartLab(t, lab.Options{SANDialect: "msa"})
}

// TestAccSANLunMapping_genericMSA: the generic dialect, configured as the
// docs show, maps, moves and imports on an MSA-style array with no Go code
// for that CLI.
func TestAccSANLunMapping_genericMSA(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := msaLab(t)
	lun := accLUN(t, l, "msa_lun")
	name := "msa_lun"
	var since uint64
	var start []array.Mapping
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config: mappingConfig(l, name, "server1", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server1"),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.Int64Exact(2)), // 0 and 1 are X: and Y:
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
				},
			},
			{
				PreConfig: func() { since, start = acctest.Mark(l), l.Array().Mappings() },
				Config:    mappingConfig(l, name, "server2", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server2"),
					func(*terraform.State) error {
						if got := strings.Join(lunEvents(l, lun.Path, since), ", "); got != "unmap server1, map server2" {
							return fmt.Errorf("timeline: %s", got)
						}
						return nil
					},
					func(s *terraform.State) error { return neverTwice(l, start, since)(s) },
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.Int64Exact(0)),
				},
			},
			{
				ResourceName:      "winfs_san_lun_mapping.m",
				ImportState:       true,
				ImportStateId:     name + ":server2",
				ImportStateVerify: true,
			},
			{
				Config:      mappingConfig(l, "nope", "server1", ""),
				ExpectError: acctest.Phrases(`Error: The specified volume was not found. (nope)`),
			},
		},
	})
}
