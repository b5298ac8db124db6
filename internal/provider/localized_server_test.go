package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
)

// A German Windows names Everyone "Jeder" and has no account "Everyone":
// shares granted to Everyone or S-1-1-0 still apply, and the plan after
// the apply is empty (the test framework plans again and fails on a diff).
func TestAccLocalizedServerShares(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	sc := lab.DefaultScenario()
	sc.Shares = nil
	l := acctest.StartLab(t, lab.Options{Scenario: sc, Locale: secdesc.LocaleGerman})
	mountDrives(t, l, "server1", "X")
	scope := []string{`X:\`}
	shares := []agent.Share{
		{Name: "Finance", Path: `X:\Finance`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
			{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow},
			{Account: `BUILTIN\Administrators`, Right: agent.RightFull, Type: agent.AccessAllow}}},
		{Name: "Public", Path: `X:\Public`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
			{Account: "S-1-1-0", Right: agent.RightChange, Type: agent.AccessAllow},
			{Account: `NT AUTHORITY\Authenticated Users`, Right: agent.RightRead, Type: agent.AccessDeny}}},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: shareSetConfig(l, "server1", scope, shares),
			Check: func(*terraform.State) error {
				// The host holds the SIDs: what a German client sees is
				// Jeder, VORDEFINIERT\Administratoren, ...
				have := labShares(l, "server1", scope...)
				for _, want := range [][3]string{
					{"Finance", "S-1-1-0", agent.RightRead}, {"Finance", "S-1-5-32-544", agent.RightFull},
					{"Public", "S-1-1-0", agent.RightChange}, {"Public", "S-1-5-11", agent.RightFull},
				} {
					found := false
					for _, a := range have[want[0]].Access {
						sid, _ := agent.WellKnownSID(a.Account)
						found = found || (sid == want[1] && a.Right == want[2])
					}
					if !found {
						return fmt.Errorf("share %s: no %s entry for %s in %+v", want[0], want[2], want[1], have[want[0]].Access)
					}
				}
				if n := secdesc.NameIn(l.Host("server1").Locale(), secdesc.MustSID("S-1-1-0")); n != "Jeder" {
					return fmt.Errorf("the German host calls S-1-1-0 %q", n)
				}
				return nil
			},
		}},
	})
}

// On a German server a dirty volume is found (the dirty bit, not the
// localized text of a tool) and repaired before it is mounted.
func TestAccLocalizedServerRepairsADirtyVolume(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	sc := lab.DefaultScenario()
	sc.Shares = nil
	l := acctest.StartLab(t, lab.Options{Scenario: sc, Locale: secdesc.LocaleGerman})
	lun := volLUN(t, l, "dirty-de")
	var since uint64
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             noMount(l, "server2", lun.Serial),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
					t.Fatal(err)
				}
				if err := l.Host("server1").SeedMount(lun.Serial, "P:"); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Array().Unmap(lun.Path, "server1"); err != nil { // the crash
					t.Fatal(err)
				}
				if !l.LUNData().Dirty(lun.Serial, 2) {
					t.Fatal("forced unmap left the volume clean")
				}
				_, _ = l.Host("server1").RemoveMountPoint("P:")
				since = acctest.Mark(l)
			},
			Config: pairConfig(l, acctest.ProviderOpts{}, lun.Path, "server2", "P:", ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				hostMount(l, "server2", "P:", lun.Serial),
				checkSteps(l, lun, &since, "server2 volume.repair", "server2 volume.mount"),
				func(*terraform.State) error {
					if l.LUNData().Dirty(lun.Serial, 2) {
						return fmt.Errorf("volume still dirty")
					}
					return nil
				},
			),
		}},
	})
}
