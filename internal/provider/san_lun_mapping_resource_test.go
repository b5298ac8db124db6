package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/crypto/ssh"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/san"
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

// movedToServer2 checks a move of lun from server1 to server2 since the
// mark: the array holds it on server2 only, the timeline says unmap
// server1 then map server2, and it was never mapped twice after start.
func movedToServer2(l *lab.Lab, lun string, since *uint64, start *[]array.Mapping) resource.TestCheckFunc {
	return resource.ComposeAggregateTestCheckFunc(
		arrayHolds(l, lun, "server2"),
		func(*terraform.State) error {
			if got := strings.Join(lunEvents(l, lun, *since), ", "); got != "unmap server1, map server2" {
				return fmt.Errorf("timeline: %s", got)
			}
			return nil
		},
		func(s *terraform.State) error { return neverTwice(l, *start, *since)(s) },
	)
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
	l := parallelAccLab(t)
	lun := accLUN(t, l, "basic")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
	l := parallelAccLab(t)
	lun := accLUN(t, l, "move")
	var since uint64
	var start []array.Mapping
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
	l := parallelAccLab(t)
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
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
					movedToServer2(l, lun.Path, &since, &start),
				),
			},
		},
	})
}

// TestAccSANLunMapping_adopt: a mapping already as declared is adopted
// without a command that changes the array (S8); a different LUN ID is an
// error that says what is there.
func TestAccSANLunMapping_adopt(t *testing.T) {
	l := parallelAccLab(t)
	lun := accLUN(t, l, "adopt")
	if _, err := l.Array().Map(lun.Path, "server2", 77); err != nil {
		t.Fatal(err)
	}
	since := acctest.Mark(l)
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
	l := parallelAccLab(t)
	lun := accLUN(t, l, "cut")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	var since uint64
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
		},
	})
}

// TestAccSANLunMapping_driftMoved: a LUN moved to the other igroup on the
// array shows in the next plan, and the apply then refuses to map it twice.
func TestAccSANLunMapping_driftMoved(t *testing.T) {
	l := parallelAccLab(t)
	lun := accLUN(t, l, "drift_moved")
	cfg := mappingConfig(l, lun.Path, "server1", "")
	accTest(t, resource.TestCase{
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
	l := parallelAccLab(t)
	since := acctest.Mark(l)
	accTest(t, resource.TestCase{
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
	l := parallelAccLab(t)
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
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
		Steps:        []resource.TestStep{{Config: cfg, Check: arrayHolds(l, lun.Path, "server2")}},
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
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
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
					movedToServer2(l, lun.Path, &since, &start),
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

// ontapBlock is the provider pointed at the lab array's ONTAP 9
// clustershell over SSH, host key pinned; body replaces the credentials
// and host key lines when given.
func ontapBlock(l *lab.Lab, body string) string {
	if body == "" {
		body = fmt.Sprintf("    username  = %s\n    password  = %s\n    host_key  = %s\n",
			acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANPassword()), acctest.HCLString(l.SANHostKey()))
	}
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true})
	return strings.TrimSuffix(cfg, "}\n") + fmt.Sprintf(`  san = {
    address   = %s
    dialect   = "ontap"
    vserver   = %s
    timeout   = "5s"
%s  }
}
`, acctest.HCLString(l.SANSSHAddress()), acctest.HCLString(l.SANVserver()), body)
}

func ontapMapping(l *lab.Lab, body, lun, igroup string) string {
	return ontapBlock(l, body) + fmt.Sprintf(`
resource "winfs_san_lun_mapping" "m" {
  lun    = %s
  igroup = %s
}
`, acctest.HCLString(lun), acctest.HCLString(igroup))
}

// sshLogins counts the array's SSH logins.
func sshLogins(l *lab.Lab) int {
	n := 0
	for _, ev := range l.Timeline.Events() {
		if ev.Host == "array" && ev.Kind == "array.login" && strings.Contains(ev.Detail, "over ssh (ontap") {
			n++
		}
	}
	return n
}

// newKeyPEM is a fresh ed25519 key: its OpenSSH PEM and its public half.
func newKeyPEM(t *testing.T) (string, ssh.PublicKey) {
	t.Helper()
	key, pub, err := array.NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	return string(key), pub
}

// TestAccSANLunMapping_ontapSSH: the mapping resource on the ONTAP 9
// clustershell over SSH: map, plan empty, import, move to the other host
// (unmap first), unmap on destroy; every command over SSH.
func TestAccSANLunMapping_ontapSSH(t *testing.T) {
	acctest.RequireAcc(t)
	t.Parallel()
	l := testLab(t)
	lun := accLUN(t, l, "ontap9")
	before := sshLogins(l)
	var since uint64
	var start []array.Mapping
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config: ontapMapping(l, "", lun.Path, "server1"),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server1"),
					func(*terraform.State) error {
						if sshLogins(l) == before {
							return fmt.Errorf("no SSH login on the array")
						}
						return nil
					},
				),
			},
			{
				ResourceName:      "winfs_san_lun_mapping.m",
				ImportState:       true,
				ImportStateId:     lun.Path + ":server1",
				ImportStateVerify: true,
				Config:            ontapMapping(l, "", lun.Path, "server1"),
			},
			{
				PreConfig: func() { since, start = l.Timeline.LastSeq(), l.Array().Mappings() },
				Config:    ontapMapping(l, "", lun.Path, "server2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					movedToServer2(l, lun.Path, &since, &start),
				),
			},
			{
				// The clustershell's refusal, verbatim.
				Config:      ontapMapping(l, "", "/vol/acc/nope", "server1"),
				ExpectError: acctest.Phrases(`lun show -vserver svm1 -path /vol/acc/nope -fields serial`, `There are no entries matching your query.`),
			},
		},
	})
}

// TestAccSANLunMapping_ontapSSHKey: a private key from the environment
// logs in; no password anywhere.
func TestAccSANLunMapping_ontapSSHKey(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "ontap9key")
	keyPEM, pub := newKeyPEM(t)
	l.Array().AuthorizeKey(pub)
	t.Setenv(EnvSANPrivateKey, keyPEM)
	t.Setenv(EnvSANPassword, "")
	body := fmt.Sprintf("    username  = %s\n    host_key  = %s\n", acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))
	accTest(t, resource.TestCase{
		CheckDestroy: arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{{
			Config: ontapMapping(l, body, lun.Path, "server2"),
			Check: resource.ComposeAggregateTestCheckFunc(
				arrayHolds(l, lun.Path, "server2"),
				func(*terraform.State) error {
					for _, ev := range l.Timeline.Events() {
						if ev.Kind == "array.login" && strings.Contains(ev.Detail, "over ssh (ontap, publickey)") {
							return nil
						}
					}
					return fmt.Errorf("no public-key login on the array")
				},
			),
		}},
	})
}

// TestAccSANLunMapping_sshRefused: an array whose host key is not the
// pinned one, and a key the array does not know, are refused with errors
// that say why; the array is left as it was.
func TestAccSANLunMapping_sshRefused(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "ontap9refused")
	_, impostor := newKeyPEM(t)
	wrongPEM, _ := newKeyPEM(t)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, []byte(wrongPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSANPassword, "")
	t.Setenv(EnvSANPrivateKey, "")
	pinned := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(impostor)))
	mismatch := fmt.Sprintf("    username  = %s\n    password  = %s\n    host_key  = %s\n",
		acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANPassword()), acctest.HCLString(pinned))
	wrongKey := fmt.Sprintf("    username  = %s\n    private_key_file = %s\n    host_key  = %s\n",
		acctest.HCLString(l.SANUsername()), acctest.HCLString(keyFile), acctest.HCLString(l.SANHostKey()))
	before := l.Array().Mappings()
	unchanged := func() {
		if got := l.Array().Mappings(); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("a refused connection changed the array: %+v", got)
		}
	}
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: ontapMapping(l, mismatch, lun.Path, "server1"),
				ExpectError: acctest.Phrases("refusing the array at "+l.SANSSHAddress(), ssh.FingerprintSHA256(l.Array().HostKey()),
					"san.host_key expects", ssh.FingerprintSHA256(impostor)),
			},
			{
				PreConfig:   unchanged,
				Config:      ontapMapping(l, wrongKey, lun.Path, "server1"),
				ExpectError: acctest.Phrases(`refused the SSH login of user "root"`, "san.private_key"),
			},
		},
	})
	unchanged()
	if strings.Contains(fmt.Sprint(l.Timeline.Events()), wrongPEM) {
		t.Fatal("the private key reached the lab's timeline")
	}
}

// TestAccSANLunMapping_sshPlanTimeErrors: bad SSH and ONTAP 9 settings fail
// at plan time naming the attribute.
func TestAccSANLunMapping_sshPlanTimeErrors(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	t.Setenv(EnvSANPassword, "")
	t.Setenv(EnvSANPrivateKey, "")
	res := "resource \"winfs_san_lun_mapping\" \"bad\" {\n  lun = \"/vol/vol1/files_x\"\n  igroup = \"server1\"\n}\n"
	ok := ontapBlock(l, "")
	cases := map[string]struct{ cfg, want string }{
		"unknown transport": {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap"`+"\n    transport = \"rsh\"", 1), `san.transport value must be one of`},
		"unknown dialect":   {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap9"`, 1), `san.dialect value must be one of`},
		"no key no password": {ontapBlock(l, fmt.Sprintf("    username = %s\n    host_key = %s\n", acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))),
			`needs a user name and a private key or password`},
		"bad host key":        {strings.Replace(ok, l.SANHostKey(), "ssh-ed25519 not-base64!", 1), `san.host_key is not an SSH public key`},
		"vserver with spaces": {strings.Replace(ok, `vserver   = "svm1"`, `vserver = "svm 1"`, 1), `vserver "svm 1" must be 1-47`},
		"no vserver":          {strings.Replace(ok, `vserver   = "svm1"`, "", 1), `dialect = "ontap" needs san.vserver`},
		"ssh option on telnet": {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap"`+"\n    transport = \"telnet\"", 1),
			`san.host_key is only used over SSH`},
		"bad private key": {ontapBlock(l, fmt.Sprintf("    username = %s\n    private_key = \"-----BEGIN OPENSSH PRIVATE KEY-----\\nnope\\n-----END OPENSSH PRIVATE KEY-----\\n\"\n    host_key = %s\n",
			acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))), `must be an unencrypted private key`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			expectPlanError(t, c.cfg+res, regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(c.want), " ", `\s+`)))
		})
	}
}

// TestRefusalOffersTwoWaysWithOneOr: the takeover refusal lists two ways
// out joined by one "or".
func TestRefusalOffersTwoWaysWithOneOr(t *testing.T) {
	msg := refusal("/vol/vol1/files_x", "server2", []san.Mapping{{LUN: "/vol/vol1/files_x", IGroup: "server1", ID: 0}}, false)
	if n := strings.Count(msg, " or\n") + strings.Count(msg, "- or "); n != 1 {
		t.Fatalf("want one \"or\" between the two ways, got %d:\n%s", n, msg)
	}
	if !strings.Contains(msg, "  - set takeover = true") || !strings.Contains(msg, "  - bring the existing mapping under Terraform") {
		t.Fatalf("the two ways:\n%s", msg)
	}
}

// TestAccSANPasswordNeverLeaks: an array that echoes the password as it is
// typed and repeats it when it refuses a login. With passwords full of
// quotes, backslashes and non-ASCII letters, neither terraform's output nor
// its TRACE log (terraform's and the provider's) nor the state shows the
// password, raw or escaped.
func TestAccSANPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	for i, pw := range []string{`q"uo'te\back\\slash`, "mot-de-passe-é€ü-\"\\"} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := acctest.StartLab(t, lab.Options{SANPassword: pw})
			lun := accLUN(t, l, "secret")
			tf := mappingDir(t, l, lun.Path, "server1")
			forms := []string{pw, strings.Trim(fmt.Sprintf("%q", pw), `"`), strings.Trim(fmt.Sprintf("%+q", pw), `"`)}
			leaks := func(what, text string) {
				t.Helper()
				for _, f := range forms {
					if strings.Contains(text, f) {
						t.Fatalf("%s shows the password (as %q)", what, f)
					}
				}
			}
			traced := func(faults ...lab.FaultRequest) acctest.Result {
				l.ClearFaults()
				for _, f := range faults {
					if err := l.InjectFault(f); err != nil {
						t.Fatal(err)
					}
				}
				logFile := filepath.Join(t.TempDir(), "trace.log")
				res := tf.RunEnv([]string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logFile}, "apply", "-auto-approve")
				log, err := os.ReadFile(logFile)
				if err != nil || len(log) == 0 {
					t.Fatalf("no TRACE log: %v", err)
				}
				leaks("terraform's output", res.Output)
				leaks("the TRACE log", string(log))
				return res
			}
			echo := lab.FaultRequest{Target: lab.TargetArray, Kind: "echo_password"}
			res := traced(echo, lab.FaultRequest{Target: lab.TargetArray, Kind: "login_refused"})
			if res.Code == 0 || !res.HasDiagnostic("error", "", "refused the login", "password ********") {
				t.Fatalf("want the refused login reported with the echoed password masked, got %s", res.Explain())
			}
			if res := traced(echo); res.Code != 0 {
				t.Fatalf("apply against the echoing array failed: %s", res.Explain())
			}
			state, err := os.ReadFile(filepath.Join(tf.Dir, "terraform.tfstate"))
			if err != nil {
				t.Fatal(err)
			}
			leaks("the state", string(state))
			l.ClearFaults()
			tf.Run("destroy", "-auto-approve")
		})
	}
}

// lunHolders are the igroups the array maps lun to.
func lunHolders(l *lab.Lab, lun string) []string {
	var out []string
	for _, m := range l.Array().Mappings() {
		if m.LUN == lun {
			out = append(out, m.IGroup)
		}
	}
	return out
}

// mappingDir is a terraform working directory of its own (a state of its
// own, as a second team's would be) holding one winfs_san_lun_mapping.
func mappingDir(t *testing.T, l *lab.Lab, lun, igroup string) *acctest.Terraform {
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(mappingConfig(l, lun, igroup, ""))
	return tf
}

// TestAccSANLunMapping_handMappedSecondIGroupIsDrift: an administrator maps
// a managed LUN to a second igroup on the array. The plan shows it (exit
// 2), the apply refuses to choose a host and says how to end it, and once
// it is ended by hand the plan is empty again.
func TestAccSANLunMapping_handMappedSecondIGroupIsDrift(t *testing.T) {
	l := parallelAccLab(t)
	lun := accLUN(t, l, "handmapped")
	tf := mappingDir(t, l, lun.Path, "server1")
	tf.Apply()
	tf.PlanIsEmpty()

	if _, err := l.Array().Map(lun.Path, "server2", 7); err != nil {
		t.Fatal(err)
	}
	plan := tf.Plan()
	if len(plan.ResourceChanges) != 1 || !plan.ResourceChanges[0].Change.Actions.Update() {
		t.Fatalf("want the second igroup planned as an update of the mapping, got %+v", plan.ResourceChanges)
	}
	if got := plan.ResourceChanges[0].Change.Before.(map[string]any)["other_igroups"]; len(got.([]any)) != 1 || got.([]any)[0] != "server2" {
		t.Fatalf("other_igroups before the change: %v", got)
	}
	if res := tf.Run("plan", "-detailed-exitcode"); res.Code != 2 {
		t.Fatalf("plan -detailed-exitcode: want exit 2, got %s", res.Explain())
	}
	mark := acctest.Mark(l)
	res := tf.Run("apply", "-auto-approve")
	if res.Code == 0 || !res.HasDiagnostic("error", "LUN is mapped to two hosts",
		"LUN /vol/acc/handmapped is mapped to initiator group server1 and also to server2", "nothing was changed",
		"lun unmap /vol/acc/handmapped server2", "change igroup to it with takeover = true") {
		t.Fatalf("want the apply to refuse naming both igroups and the way out, got %s", res.Explain())
	}
	if got := lunEvents(l, lun.Path, mark); len(got) != 0 {
		t.Fatalf("the refused apply changed the array: %v", got)
	}
	if _, err := l.Array().Unmap(lun.Path, "server2"); err != nil {
		t.Fatal(err)
	}
	tf.PlanIsEmpty()
	tf.Run("destroy", "-auto-approve")
	if got := lunHolders(l, lun.Path); len(got) != 0 {
		t.Fatalf("after destroy the LUN is still mapped to %v", got)
	}
}

// TestAccSANLunMapping_concurrentStatesNeverSplit: two working directories
// with separate states (no shared lock) map the same LUN, one to server1
// and one to server2, at the same moment, against an array with realistic
// latency. Round after round, at most one apply succeeds and the LUN is
// never left on two igroups; a double mapping lasts at most from one run's
// map to its own undo. The rounds go on until five of them had both runs
// map the LUN (the race the test is about), twenty at the most.
func TestAccSANLunMapping_concurrentStatesNeverSplit(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	lat, _ := lab.LatencyProfile("realistic")
	l := acctest.StartLab(t, lab.Options{Latency: lat})
	lun := accLUN(t, l, "contested")
	runs := []*acctest.Terraform{mappingDir(t, l, lun.Path, "server1"), mappingDir(t, l, lun.Path, "server2")}
	const maxRounds, wantRaced = 20, 5
	rounds, raced, wins := 0, 0, 0
	for rounds < maxRounds && raced < wantRaced {
		rounds++
		round := rounds
		mark := acctest.Mark(l)
		results := make([]acctest.Result, len(runs))
		var wg sync.WaitGroup
		for i, tf := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = tf.Run("apply", "-auto-approve")
			}()
		}
		wg.Wait()
		var winners []string
		for i, res := range results {
			switch {
			case res.Code == 0:
				winners = append(winners, []string{"server1", "server2"}[i])
			case !res.HasDiagnostic("error", "", "mapped to initiator group"):
				t.Fatalf("round %d: apply %d failed for another reason than the other igroup: %s", round, i+1, res.Explain())
			}
		}
		holders := lunHolders(l, lun.Path)
		if len(winners) > 1 || strings.Join(holders, ",") != strings.Join(winners, ",") {
			t.Fatalf("round %d: applies that succeeded %v, the array maps the LUN to %v\n%s\n%s", round, winners, holders,
				results[0].Explain(), results[1].Explain())
		}
		if acctest.EventsSince(l, mark).Count("array", "lun.map", lun.Path+" ") > 1 {
			raced++
		}
		wins += len(winners)
		// Back to an unmapped LUN for the next round.
		for i, res := range results {
			if res.Code == 0 {
				if d := runs[i].Run("destroy", "-auto-approve"); d.Code != 0 {
					t.Fatalf("round %d: destroy: %s", round, d.Explain())
				}
			}
		}
		if got := lunHolders(l, lun.Path); len(got) != 0 {
			t.Fatalf("round %d: after the cleanup the LUN is mapped to %v", round, got)
		}
	}
	t.Logf("%d rounds: %d with both runs mapping the LUN, %d won by one run", rounds, raced, wins)
	if raced == 0 {
		t.Fatal("no round had both runs map the LUN: the test did not exercise the race")
	}
	for _, v := range array.ReplayDoubleMappings(nil, acctest.AllEvents(l)) {
		t.Logf("transient, undone within its round: %s", v)
	}
	if left := l.Array().DoubleMapped(); len(left) != 0 {
		t.Fatalf("double mappings left: %v", left)
	}
}
