package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsr"
)

// generatedImport is one resource kind adopted the way Terraform 1.5 and
// later (and OpenTofu) offer: import blocks, `plan -generate-config-out`,
// and the written configuration used as it is.
type generatedImport struct {
	kind string   // the resource type
	ids  []string // the import IDs, one import block each
	// dfs starts the lab on lab.DFSScenario (a D: volume and a Finance
	// share on each server) rather than the default estate.
	dfs bool
	// byHand builds what the scenario lacks, as an administrator would.
	byHand func(t *testing.T, l *lab.Lab)
	opts   acctest.ProviderOpts
	// unquotedKeys: a map attribute's keys are not HCL identifiers (share
	// names with spaces, UNC paths), which OpenTofu 1.12 writes unquoted.
	unquotedKeys bool
}

// generatedImports holds every resource kind of the provider: each is
// built by hand in the lab (the scenario's estate, or byHand).
var generatedImports = []generatedImport{
	// The scenario's DWORD, and a value of every type with awkward data.
	{kind: "winfs_registry_value", ids: append([]string{`server1:HKLM\SYSTEM\CurrentControlSet\Control\Lsa\\DisableLoopbackCheck`}, handBuiltValueIDs()...),
		byHand: handBuiltValues},
	{kind: "winfs_dns_cname", ids: []string{"files.corp.example.com."}, opts: acctest.ProviderOpts{DNS: "rfc2136"}},
	{kind: "winfs_volume_mount", ids: []string{"server1/X:", "server1/Y:"}},
	{kind: "winfs_san_lun_mapping", ids: []string{"/vol/vol1/files_x:server1", "/vol/vol1/files_y:server1"}},
	{kind: "winfs_smb_share_set", ids: []string{`server1:X:\,Y:\`}, unquotedKeys: true},
	{kind: "winfs_alias_spn", ids: []string{"server1:HOST/files,HOST/files.corp.example.com"}},
	{kind: "winfs_service", ids: []string{"server1/LanmanServer", "server2/Dfs"}},
	{kind: "winfs_dfs_namespace", ids: []string{`server1:` + accNamespace}, dfs: true, byHand: handBuiltNamespace},
	{kind: "winfs_dfs_folder", ids: []string{`server1:` + accFolder}, dfs: true, byHand: handBuiltFolder, unquotedKeys: true},
	{kind: "winfs_dfsr_replication_group", ids: []string{"server1:Files"}, dfs: true, byHand: handBuiltReplicationGroup},
	{kind: "winfs_service_address", ids: []string{lab.ServiceAddress}, byHand: handBuiltServiceAddress},
}

// handBuiltServiceAddress is New-NetIPAddress of the service address on
// server1, as an administrator would before adopting it.
func handBuiltServiceAddress(t *testing.T, l *lab.Lab) {
	t.Helper()
	params, _ := json.Marshal(agent.AddressAddParams{Address: lab.ServiceAddress, PrefixLength: 24, InterfaceAlias: lab.InterfaceAlias})
	if _, err := l.Host("server1").Execute(agent.AddressAdd.Name, params); err != nil {
		t.Fatal(err)
	}
}

// handBuiltValueKey holds the values of handBuiltValues.
const handBuiltValueKey = testKeyRoot + `\adopted`

// handBuiltValueName is the name of a registryCases value, quotes and all.
func handBuiltValueName(c valueCase) string { return "Value " + c.name + " $`'\"" }

// handBuiltValues sets a value of each of registryCases and the key's
// default value, as regedit would.
func handBuiltValues(t *testing.T, l *lab.Lab) {
	t.Helper()
	values := map[string]agent.RegistryValue{"": {Type: agent.RegSZ, Data: "the key's default value"}}
	for _, c := range registryCases() {
		values[handBuiltValueName(c)] = c.want
	}
	for name, v := range values {
		if err := l.Host("server1").SetRegistryValue("HKLM", handBuiltValueKey, name, v); err != nil {
			t.Fatal(err)
		}
	}
}

// handBuiltValueIDs are the import IDs of handBuiltValues.
func handBuiltValueIDs() []string {
	ids := []string{`server1:HKLM\` + handBuiltValueKey + `\\`}
	for _, c := range registryCases() {
		ids = append(ids, `server1:HKLM\`+handBuiltValueKey+`\\`+handBuiltValueName(c))
	}
	return ids
}

// handBuiltNamespace is New-DfsnRoot with both servers' Finance shares as
// root targets and the cmdlet's defaults otherwise.
func handBuiltNamespace(t *testing.T, l *lab.Lab) {
	t.Helper()
	err := l.DFSDomain().NewRoot(dfsn.Root{Path: accNamespace, Type: "domain_v2", TTL: dfsn.DefaultRootTTL,
		Targets: []string{`\\server1\` + lab.DFSShare, `\\server2\` + lab.DFSShare}})
	if err != nil {
		t.Fatal(err)
	}
}

// handBuiltFolder is the namespace, then New-DfsnFolder with a target on
// each server, server1's first.
func handBuiltFolder(t *testing.T, l *lab.Lab) {
	t.Helper()
	handBuiltNamespace(t, l)
	err := l.DFSDomain().NewFolder(dfsn.Folder{Path: accFolder, TTL: dfsn.DefaultFolderTTL, TargetFailback: true, Targets: []dfsn.Target{
		{Path: `\\server1\` + lab.DFSShare, State: "online", Class: "global_high"},
		{Path: `\\server2\` + lab.DFSShare, State: "online", Class: "global_low"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// handBuiltReplicationGroup is a full-mesh group replicating D:\Finance
// between the two servers all week.
func handBuiltReplicationGroup(t *testing.T, l *lab.Lab) {
	t.Helper()
	l.DFSRGroups().Put(dfsr.Group{Name: "Files", Members: []string{"SERVER1", "SERVER2"},
		Folders:         []dfsr.Folder{{Name: lab.DFSShare, Paths: map[string]string{"SERVER1": `D:\Finance`, "SERVER2": `D:\Finance`}}},
		Connections:     [][2]string{{"SERVER1", "SERVER2"}},
		HoursReplicated: 168})
}

// TestAccImport_generatedConfigPlansEmpty: for every resource kind, an
// import block and `plan -generate-config-out` write a configuration that
// plans the import alone; applied, it changes nothing on the estate and
// the next plan is empty.
func TestAccImport_generatedConfigPlansEmpty(t *testing.T) {
	// Parallel with the other tests too: a serial test holds every
	// parallel one back until it ends.
	t.Parallel()
	for _, c := range generatedImports {
		t.Run(c.kind, func(t *testing.T) {
			t.Parallel()
			acctest.RequireAcc(t)
			sc := lab.DefaultScenario()
			if c.dfs {
				sc = lab.DFSScenario()
			}
			l := acctest.StartLab(t, lab.Options{Scenario: sc})
			if c.byHand != nil {
				c.byHand(t, l)
			}
			tf := acctest.NewTerraform(t, testProvider)
			config := acctest.ProviderBlock(l, c.opts)
			for i, id := range c.ids {
				config += fmt.Sprintf("\nimport {\n  to = %s.adopted_%d\n  id = %s\n}\n", c.kind, i, acctest.HCLString(id))
			}
			tf.WriteConfig(config)
			mark := acctest.Mark(l)
			res := tf.Run("plan", "-generate-config-out=generated.tf")
			generated, _ := os.ReadFile(filepath.Join(tf.Dir, "generated.tf"))
			t.Logf("generated.tf:\n%s", generated)
			if c.unquotedKeys && res.OpenTofu() {
				openTofuUnquotedKeys(t, res)
				return
			}
			if res.Code != 0 {
				t.Fatalf("plan -generate-config-out: %s", res.Explain())
			}
			tf.PlanImportsOnly(len(c.ids))
			tf.Apply()
			tf.PlanIsEmpty()
			if evs := acctest.EventsSince(l, mark).Writes(); len(evs) > 0 {
				t.Fatalf("importing changed the estate:%s", evs)
			}
		})
	}
}

// hclSyntaxErrors are the summaries of HCL's parse errors for a map key
// written unquoted: a space in it, or a backslash.
var hclSyntaxErrors = map[string]bool{"Missing key/value separator": true, "Invalid character": true, "Invalid expression": true}

// openTofuUnquotedKeys holds OpenTofu 1.12 to what it does with a map
// attribute whose keys are not identifiers: it writes them unquoted, and
// its own generated configuration then fails to parse (Terraform quotes
// them). When a release quotes them, this fails: drop unquotedKeys then.
func openTofuUnquotedKeys(t *testing.T, res acctest.Result) {
	t.Helper()
	errs := res.Diagnostics("error")
	for _, d := range errs {
		if !hclSyntaxErrors[d.Summary] {
			t.Fatalf("want only HCL syntax errors from OpenTofu's unquoted map keys, got %s", res.Explain())
		}
	}
	if res.Code == 0 || len(errs) == 0 {
		t.Fatalf("%s now generates configuration for map keys that are not identifiers: remove unquotedKeys (%s)", res.Version(), res.Explain())
	}
	t.Logf("%s writes map keys unquoted: its generated configuration does not parse (%d syntax errors)", res.Version(), len(errs))
}
