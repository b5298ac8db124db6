package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// mountDrives marks drive letters mounted on a lab server by writing their
// MountedDevices values, which is all the share layer looks at today. The
// volume issue replaces this with real mounts (winfs_volume_mount).
func mountDrives(t *testing.T, l *lab.Lab, server string, drives ...string) {
	t.Helper()
	for _, d := range drives {
		v := agent.RegistryValue{Type: agent.RegBinary, Data: "44d8f3a20000100000000000"} // MBR signature + partition offset
		if err := l.Host(server).SetRegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\`+d+":", v); err != nil {
			t.Fatal(err)
		}
	}
}

func unmountDrive(t *testing.T, l *lab.Lab, server, drive string) {
	t.Helper()
	if _, err := l.Host(server).DeleteRegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\`+drive+":"); err != nil {
		t.Fatal(err)
	}
}

// adminAgent runs an agent operation through the lab's admin API, as an
// administrator at the server's console would.
func adminAgent(t *testing.T, l *lab.Lab, server, op string, params any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"op": op, "params": params})
	resp, err := http.Post(l.AdminURL()+"/v1/servers/"+server+"/agent", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Error *agent.Error `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Error != nil {
		t.Fatalf("admin %s on %s: %v %v", op, server, err, out.Error)
	}
}

// labShares lists a server's shares under the roots, from the host model.
func labShares(l *lab.Lab, server string, roots ...string) map[string]agent.ShareInfo {
	out := map[string]agent.ShareInfo{}
	for _, s := range l.Host(server).Shares() {
		if !s.Special && smbshare.InScope(s.Path, roots) {
			out[s.Name] = s
		}
	}
	return out
}

// expectShares checks the host, not the state: exactly these shares under
// the roots, each as given (access lists exact, no implicit Everyone:Read).
func expectShares(l *lab.Lab, server string, roots []string, want ...agent.Share) resource.TestCheckFunc {
	return func(*terraform.State) error {
		have := labShares(l, server, roots...)
		if len(have) != len(want) {
			names := make([]string, 0, len(have))
			for n := range have {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("%s has %d shares under %v (%q), want %d", server, len(have), roots, names, len(want))
		}
		for _, w := range want {
			h, ok := have[w.Name]
			if !ok {
				return fmt.Errorf("%s: share %q missing", server, w.Name)
			}
			if !smbshare.Same(h.Share, w) {
				return fmt.Errorf("%s: share %q: %s", server, w.Name, strings.Join(smbshare.Differences(w, h.Share), "; "))
			}
			if !l.Host(server).Serves(w.Name) {
				return fmt.Errorf("%s does not serve %q", server, w.Name)
			}
		}
		for _, adm := range []string{"C$", "ADMIN$", "IPC$"} {
			if !l.Host(server).Serves(adm) {
				return fmt.Errorf("%s lost its administrative share %s", server, adm)
			}
		}
		return nil
	}
}

func allow(account, right string) agent.ShareAccess {
	return agent.ShareAccess{Account: account, Right: right, Type: agent.AccessAllow}
}

// Names with every awkward character Windows allows in them, descriptions
// and paths with the rest (`;` is legal in paths and descriptions, `"` in
// descriptions only).
const (
	awkwardName = "Finance Team $'`ü"
	awkwardPath = `X:\Dept; $x 'q' ` + "`b`" + ` ü`
	awkwardDesc = "Money; $env:PATH 'single' \"double\" `tick` ünïcödé 😀"
)

func awkwardShares() []agent.Share {
	return []agent.Share{
		{Name: awkwardName, Path: awkwardPath, Description: awkwardDesc, CachingMode: agent.CachingManual,
			Access: []agent.ShareAccess{allow(`CORP\Finance`, agent.RightFull), allow(`BUILTIN\Administrators`, agent.RightFull),
				{Account: `BUILTIN\Guests`, Right: agent.RightFull, Type: agent.AccessDeny}}},
		{Name: "Públic$", Path: `Y:\Public`, CachingMode: agent.CachingDocuments, AccessBasedEnumeration: true, ConcurrentUserLimit: 50,
			Access: []agent.ShareAccess{allow(`NT AUTHORITY\Authenticated Users`, agent.RightChange), allow("Everyone", agent.RightRead)}},
		{Name: "Nobody", Path: `X:\Locked`, CachingMode: agent.CachingNone, EncryptData: true, Access: []agent.ShareAccess{}},
	}
}

// shareSetConfig renders a winfs_smb_share_set the way a user would write it.
func shareSetConfig(l *lab.Lab, server string, scope []string, shares []agent.Share) string {
	var b strings.Builder
	b.WriteString(acctest.ProviderBlock(l, acctest.ProviderOpts{}))
	fmt.Fprintf(&b, "resource \"winfs_smb_share_set\" \"s\" {\n  server = %q\n  scope  = [", server)
	for i, r := range scope {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(acctest.HCLString(r))
	}
	b.WriteString("]\n  shares = {\n")
	for _, s := range shares {
		fmt.Fprintf(&b, "    %s = {\n      path = %s\n", acctest.HCLString(s.Name), acctest.HCLString(s.Path))
		if s.Description != "" {
			fmt.Fprintf(&b, "      description = %s\n", acctest.HCLString(s.Description))
		}
		lists := map[string][]string{}
		for _, a := range s.Access {
			attr := a.Right + "_access"
			if a.Type == agent.AccessDeny {
				attr = "no_access"
			}
			lists[attr] = append(lists[attr], acctest.HCLString(a.Account))
		}
		for _, attr := range []string{"full_access", "change_access", "read_access", "no_access"} {
			if len(lists[attr]) > 0 {
				fmt.Fprintf(&b, "      %s = [%s]\n", attr, strings.Join(lists[attr], ", "))
			}
		}
		if s.CachingMode != agent.CachingManual {
			fmt.Fprintf(&b, "      caching_mode = %q\n", s.CachingMode)
		}
		if s.AccessBasedEnumeration {
			b.WriteString("      access_based_enumeration = true\n")
		}
		if s.ConcurrentUserLimit != 0 {
			fmt.Fprintf(&b, "      concurrent_user_limit = %d\n", s.ConcurrentUserLimit)
		}
		if s.EncryptData {
			b.WriteString("      encrypt_data = true\n")
		}
		b.WriteString("    }\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// shareEventsSince returns the share.* events on server after seq.
func shareEventsSince(l *lab.Lab, server string, seq uint64) acctest.Events {
	return acctest.EventsSince(l, seq).Filter(server, "share.", "")
}

// TestAccShareSet_lifecycle: a set with awkward names is created, plans
// empty, changes one share's access touching only that share, shows and
// repairs drift (a share added through the admin API, access changed, a
// share deleted from the registry), is imported, and is destroyed without
// touching C:\ or administrative shares.
func TestAccShareSet_lifecycle(t *testing.T) {
	l := parallelAccLab(t)
	mountDrives(t, l, "server1", "X", "Y")
	scope := []string{`X:\`, `Y:\`}
	shares := awkwardShares()
	cfg := shareSetConfig(l, "server1", scope, shares)

	// A C:\ share someone made by hand: outside the scope, never touched.
	adminAgent(t, l, "server1", agent.ShareSet.Name, agent.ShareSetParams{Scope: []string{`C:\`},
		Share: agent.Share{Name: "Tools", Path: `C:\Tools`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{allow("Everyone", agent.RightRead)}}})
	t.Cleanup(func() {
		adminAgent(t, l, "server1", agent.ShareRemove.Name, agent.ShareRemoveParams{Name: "Tools", Scope: []string{`C:\`}})
	})

	changed := awkwardShares()
	changed[1].Access = []agent.ShareAccess{allow(`NT AUTHORITY\Authenticated Users`, agent.RightRead)}
	cfgChanged := shareSetConfig(l, "server1", scope, changed)

	var seq uint64
	mark := func() { seq = acctest.Mark(l) }
	onlyTouched := func(kind, name string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			evs := shareEventsSince(l, "server1", seq)
			if len(evs) != 1 || evs[0].Kind != kind || !strings.HasPrefix(evs[0].Detail, name+" -> ") {
				return fmt.Errorf("want exactly one %s of %q on server1, timeline has %+v", kind, name, evs)
			}
			return nil
		}
	}
	planUpdates := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("winfs_smb_share_set.s", plancheck.ResourceActionUpdate),
	}}

	accTest(t, resource.TestCase{
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			expectShares(l, "server1", scope),
			func(*terraform.State) error {
				if _, ok := labShares(l, "server1", `C:\`)["Tools"]; !ok {
					return fmt.Errorf("the C:\\ share was removed")
				}
				return nil
			},
		),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, shares...),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_smb_share_set.s", "id", knownvalue.StringExact(`server1:X:\,Y:\`)),
					acctest.Attr("winfs_smb_share_set.s", "shares", knownvalue.MapSizeExact(3)),
				},
			},
			// One share's access changes: an in-place update touching that share only.
			{
				PreConfig:        mark,
				Config:           cfgChanged,
				ConfigPlanChecks: planUpdates,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, changed...),
					onlyTouched("share.update", "Públic$"),
				),
			},
			// An administrator adds a share under X:\ on the console.
			{
				PreConfig: func() {
					adminAgent(t, l, "server1", agent.ShareSet.Name, agent.ShareSetParams{Scope: scope,
						Share: agent.Share{Name: "Rogue", Path: `X:\Rogue`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{allow("Everyone", agent.RightFull)}}})
				},
				Config:             cfgChanged,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig:        mark,
				Config:           cfgChanged,
				ConfigPlanChecks: planUpdates,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, changed...),
					onlyTouched("share.remove", "Rogue"),
				),
			},
			// An administrator changes a share's access.
			{
				PreConfig: func() {
					s := changed[0]
					s.Access = append([]agent.ShareAccess{allow("Everyone", agent.RightRead)}, s.Access...)
					adminAgent(t, l, "server1", agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scope})
					mark()
				},
				Config:           cfgChanged,
				ConfigPlanChecks: planUpdates,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, changed...),
					func(*terraform.State) error {
						evs := shareEventsSince(l, "server1", seq)
						if len(evs) != 1 || evs[0].Kind != "share.update" || !strings.HasPrefix(evs[0].Detail, awkwardName+" -> ") {
							return fmt.Errorf("want one repair of the changed share, timeline has %+v", evs)
						}
						return nil
					},
				),
			},
			// An administrator deletes a share's registry values (a clean-up script run by hand).
			{
				PreConfig: func() {
					for _, key := range []string{winhost.KeyLanmanServerShares, winhost.KeyShareSecurity} {
						if _, err := l.Host("server1").DeleteRegistryValue("HKLM", key, "Nobody"); err != nil {
							t.Fatal(err)
						}
					}
					mark()
				},
				Config:           cfgChanged,
				ConfigPlanChecks: planUpdates,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, changed...),
					onlyTouched("share.create", "Nobody"),
				),
			},
			{
				ResourceName:      "winfs_smb_share_set.s",
				ImportState:       true,
				ImportStateId:     `server1:x:,Y:\`,
				ImportStateVerify: true,
			},
		},
	})
}

// TestAccShareSet_dataSourceCopies: shares made by hand on server1 are read
// by the data source and declared on server2, as a daily copy job would
// (the data source's documented example); the copy plans empty afterwards.
func TestAccShareSet_dataSourceCopies(t *testing.T) {
	l := parallelAccLab(t)
	mountDrives(t, l, "server1", "X", "Y")
	mountDrives(t, l, "server2", "X", "Y")
	scope := []string{`X:\`, `Y:\`}
	shares := awkwardShares()
	for _, s := range shares {
		adminAgent(t, l, "server1", agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scope})
	}
	t.Cleanup(func() {
		for _, s := range shares {
			adminAgent(t, l, "server1", agent.ShareRemove.Name, agent.ShareRemoveParams{Name: s.Name, Scope: scope})
		}
	})
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + example(t, "data-sources/winfs_smb_shares/data-source.tf")
	accTest(t, resource.TestCase{
		CheckDestroy: expectShares(l, "server2", scope),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server2", scope, shares...),
					expectShares(l, "server1", scope, shares...),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("data.winfs_smb_shares.primary", "shares", knownvalue.MapSizeExact(3)),
					statecheck.ExpectKnownValue("data.winfs_smb_shares.primary", tfjsonpath.New("shares").AtMapKey(awkwardName).AtMapKey("path"), knownvalue.StringExact(awkwardPath)),
					statecheck.ExpectKnownValue("data.winfs_smb_shares.primary", tfjsonpath.New("shares").AtMapKey(awkwardName).AtMapKey("description"), knownvalue.StringExact(awkwardDesc)),
					statecheck.ExpectKnownValue("data.winfs_smb_shares.primary", tfjsonpath.New("shares").AtMapKey("Públic$").AtMapKey("concurrent_user_limit"), knownvalue.Int64Exact(50)),
				},
			},
		},
	})
}

// TestAccShareSet_unmountedVolumeAndAdoption: a share on a volume that is
// not mounted fails the apply with the share, path and server named and
// nothing changed; once mounted it applies. A create that finds a
// different share under the scope refuses and says how to import.
func TestAccShareSet_unmountedVolumeAndAdoption(t *testing.T) {
	l := parallelAccLab(t)
	mountDrives(t, l, "server2", "X")
	unmountDrive(t, l, "server2", "Y")
	scope := []string{`X:\`, `Y:\`}
	shares := awkwardShares()
	cfg := shareSetConfig(l, "server2", scope, shares)
	var seq uint64
	accTest(t, resource.TestCase{
		CheckDestroy: expectShares(l, "server2", scope),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { seq = acctest.Mark(l) },
				Config:      cfg,
				ExpectError: acctest.Phrases(`Cannot share "Públic$" on server2: its path Y:\Public is on volume Y:, which is not mounted on server2.`, `Nothing was changed.`),
			},
			{
				PreConfig: func() {
					if evs := shareEventsSince(l, "server2", seq); len(evs) != 0 {
						t.Fatalf("a failed apply changed shares: %+v", evs)
					}
					// Mounted now, and a share someone made differs from the configuration.
					mountDrives(t, l, "server2", "Y")
					s := shares[2]
					s.Description = "made by hand"
					adminAgent(t, l, "server2", agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scope})
				},
				Config:      cfg,
				ExpectError: acctest.Phrases(`"Nobody" differs: description is "made by hand", not ""`, `terraform import`),
			},
			{
				// Exactly as declared: adopted without a change.
				PreConfig: func() {
					adminAgent(t, l, "server2", agent.ShareSet.Name, agent.ShareSetParams{Share: shares[2], Scope: scope})
					seq = acctest.Mark(l)
				},
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server2", scope, shares...),
					func(*terraform.State) error {
						for _, ev := range shareEventsSince(l, "server2", seq) {
							if strings.HasPrefix(ev.Detail, "Nobody -> ") {
								return fmt.Errorf("the adopted share was touched: %+v", ev)
							}
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccShareSet_planTimeErrors: invalid names, paths outside the scope and
// unknown account formats fail the plan, naming the share. The cases share
// one plan, so each has a drive of its own (scopes on one server must not
// overlap); X: in a case stands for its drive.
func TestAccShareSet_planTimeErrors(t *testing.T) {
	l := parallelAccLab(t)
	type planCase struct{ name, path, account, want string }
	cases := []planCase{
		{strings.Repeat("n", 81), `X:\a`, "Everyone", "is 81 characters long; Windows allows at most 80"},
		{"Finance", `Y:\Finance`, "Everyone", `Share "Finance": path Y:\Finance is not under the scope X:\`},
		{"Finance", `X:\Finance`, "Administrators", `Share "Finance", read_access: unknown account format "Administrators"`},
		{"Finance", `X:\Finance`, "finance@corp.example.com", `unknown account format "finance@corp.example.com"`},
		{"Finance", `X:\Fin"ance`, "Everyone", `Share "Finance": path "X:\\Fin\"ance" contains '"'`},
		{"IPC$", `X:\a`, "Everyone", `share name "IPC$" is an administrative share name`},
	}
	for _, c := range smbshare.ForbiddenNameChars {
		name := "Bad" + string(c) + "Name"
		cases = append(cases, planCase{name, `X:\a`, "Everyone", fmt.Sprintf("share name %q contains %q", name, c)})
	}
	const drives = "DEFGHIJKLMNOPQRSTUVWX" // not C: (the system drive) nor Y: (outside every scope)
	if len(cases) > len(drives) {
		t.Fatalf("%d cases, %d drives", len(cases), len(drives))
	}
	var refusals []acctest.Refusal
	for i, c := range cases {
		onDrive := strings.NewReplacer("X:", drives[i:i+1]+":").Replace
		cfg := shareSetConfig(l, "server1", []string{onDrive(`X:\`)}, []agent.Share{{Name: c.name, Path: onDrive(c.path), CachingMode: agent.CachingManual,
			Access: []agent.ShareAccess{allow(c.account, agent.RightRead)}}})
		refusals = append(refusals, acctest.Refusal{Name: fmt.Sprint(i), Config: cfg, Want: acctest.Phrases(onDrive(c.want))})
	}
	expectRefusals(t, refusals)
}

// A German Windows names Everyone "Jeder" and has no account "Everyone":
// shares granted to Everyone or S-1-1-0 still apply, and the plan after
// the apply is empty (the test framework plans again and fails on a diff).
func TestAccLocalizedServerShares(t *testing.T) {
	l := parallelAccLabIn(t, secdesc.LocaleGerman)
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
	accTest(t, resource.TestCase{
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

// TestAccShareSet_recreatedAfterBootWithoutVolume: a server that boots while
// the disk of its shares is offline skips those shares (event 2511) and does
// not serve them once the disk is online again; the next apply creates them
// again.
func TestAccShareSet_recreatedAfterBootWithoutVolume(t *testing.T) {
	l := parallelAccLab(t)
	lun := volLUN(t, l, "bootshares")
	scope := []string{`S:\`}
	shares := []agent.Share{{Name: "Boot", Path: `S:\Boot`, CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{allow(`CORP\Finance`, agent.RightChange)}}}
	cfg := shareSetConfig(l, "server1", scope, shares)
	h := l.Host("server1")
	served := func(*terraform.State) error {
		if !h.Serves("Boot") {
			return fmt.Errorf("server1 does not serve Boot")
		}
		return nil
	}
	var seq uint64
	accTest(t, resource.TestCase{
		CheckDestroy: expectShares(l, "server1", scope),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if _, err := l.Array().Map(lun.Path, "server1", -1); err != nil {
						t.Fatal(err)
					}
					if err := h.SeedMount(lun.Serial, "S:"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				Check:  resource.ComposeAggregateTestCheckFunc(expectShares(l, "server1", scope, shares...), served),
			},
			{
				PreConfig: func() {
					off, on := true, false
					adminAgent(t, l, "server1", agent.DiskSet.Name, agent.DiskSetParams{Disk: lun.Serial, Offline: &off})
					mark := acctest.Mark(l)
					if err := l.InjectFault(lab.FaultRequest{Target: lab.TargetServer, Server: "server1", Kind: "crash"}); err != nil {
						t.Fatal(err)
					}
					l.ClearFaults() // boots
					adminAgent(t, l, "server1", agent.DiskSet.Name, agent.DiskSetParams{Disk: lun.Serial, Offline: &on})
					if h.Serves("Boot") {
						t.Fatal("server1 serves Boot, which its Server service skipped at boot")
					}
					if len(acctest.EventsSince(l, mark).Filter("server1", "share.lost", `Boot (S:\Boot)`)) != 1 {
						t.Fatalf("no share.lost (event 2511) at boot: %+v", acctest.EventsSince(l, mark))
					}
					seq = acctest.Mark(l)
				},
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectShares(l, "server1", scope, shares...), served,
					func(*terraform.State) error {
						if evs := shareEventsSince(l, "server1", seq); len(evs) != 1 || evs[0].Kind != "share.create" {
							return fmt.Errorf("want the skipped share created again, got %+v", evs)
						}
						return nil
					},
				),
			},
		},
	})
}
