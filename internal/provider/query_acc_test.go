package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// These tests need a CLI newer than the Terraform 1.11 `make test` runs:
// acctest.RequireCLI picks TF_ACC_TERRAFORM_PATH (set by `make compat` to
// each binary it builds) and skips with a message when that CLI lacks the
// feature.

// estateQuery lists every object of every kind of the lab's estate set up
// by hand: the hardening keys of both servers, the LUN mappings of both
// igroups, both servers' volume mounts and share sets, the alias's zone.
const estateQuery = `
list "winfs_registry_value" "lsa_server1" {
  provider = winfs
  config {
    server = "server1"
    path   = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
  }
}
list "winfs_registry_value" "lsa_server2" {
  provider = winfs
  config {
    server = "server2"
    path   = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
  }
}
list "winfs_registry_value" "lanman_server1" {
  provider = winfs
  config {
    server = "server1"
    path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  }
}
list "winfs_registry_value" "lanman_server2" {
  provider = winfs
  config {
    server = "server2"
    path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  }
}
list "winfs_san_lun_mapping" "server1" {
  provider = winfs
  config {
    igroup = "server1"
  }
}
list "winfs_san_lun_mapping" "server2" {
  provider = winfs
  config {
    igroup = "server2"
  }
}
list "winfs_volume_mount" "server1" {
  provider = winfs
  config {
    server = "server1"
  }
}
list "winfs_volume_mount" "server2" {
  provider = winfs
  config {
    server = "server2"
  }
}
list "winfs_smb_share_set" "server1" {
  provider = winfs
  config {
    server = "server1"
  }
}
list "winfs_smb_share_set" "server2" {
  provider = winfs
  config {
    server = "server2"
  }
}
list "winfs_dns_cname" "corp" {
  provider = winfs
  config {
    zone = "corp.example.com"
  }
}
`

// importBlocks counts the import blocks of generated configuration by
// the resource type they import to.
func importBlocks(text string) map[string]int {
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^\s*to\s*=\s*(winfs_[a-z0-9_]+)\.`).FindAllStringSubmatch(text, -1) {
		out[m[1]]++
	}
	return out
}

// TestAccQuery_handBuiltEstate: `terraform query` lists every object of
// the estate set up by hand, -generate-config-out writes import blocks
// (by identity) and resources for them, and that configuration imports
// everything and then plans empty: the estate is adopted without a change.
func TestAccQuery_handBuiltEstate(t *testing.T) {
	cli := acctest.RequireCLI(t, acctest.ListResources)
	t.Parallel()
	l := acctest.StartLab(t, lab.Options{})
	tf := acctest.NewTerraformWith(t, cli, testProvider)
	tf.WriteConfig(acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}))
	tf.WriteFile("estate.tfquery.hcl", estateQuery)

	mark := acctest.Mark(l)
	if res := tf.RunText("query", "-generate-config-out=generated.tf"); res.Code != 0 {
		t.Fatalf("terraform query failed:\n%s", res.Output)
	}
	raw, err := os.ReadFile(filepath.Join(tf.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	generated := string(raw)
	want := map[string]int{
		// DisableLoopbackCheck and DisableStrictNameChecking on each server
		"winfs_registry_value":  4,
		"winfs_san_lun_mapping": 2, // files_x and files_y, both to server1
		"winfs_volume_mount":    2, // X: and Y: on server1
		"winfs_smb_share_set":   2, // X:\ and Y:\ on server1
		"winfs_dns_cname":       1, // files
	}
	if got := importBlocks(generated); !reflect.DeepEqual(got, want) {
		t.Fatalf("generated import blocks %v, want %v:\n%s", got, want, generated)
	}
	for _, s := range []string{`identity = {`, `mount_point = "X:"`, `"Finance Team"`, `name = "files"`, `igroup = "server1"`} {
		if !strings.Contains(regexp.MustCompile(`[ \t]+`).ReplaceAllString(generated, " "), s) {
			t.Errorf("generated configuration lacks %s:\n%s", s, generated)
		}
	}
	if c := acctest.EventsSince(l, mark).Writes(); len(c) > 0 {
		t.Errorf("listing changed the estate: %s", c)
	}

	plan := tf.Plan()
	var imports, others int
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Importing != nil {
			imports++
		}
		if !rc.Change.Actions.NoOp() {
			others++
			t.Errorf("%s: %v", rc.Address, rc.Change.Actions)
		}
	}
	if imports != 11 || others != 0 {
		t.Fatalf("the generated configuration plans %d imports and %d changes, want 11 imports and nothing else", imports, others)
	}
	mark = acctest.Mark(l)
	tf.Apply()
	if c := acctest.EventsSince(l, mark).Writes(); len(c) > 0 {
		t.Errorf("adopting the listed estate changed it: %s", c)
	}
	tf.PlanIsEmpty()
}

// identityImports imports one object of each kind of the estate set up by
// hand by its identity.
const identityImports = `
import {
  to       = winfs_registry_value.lsa
  identity = { server = "server1", path = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa", name = "DisableLoopbackCheck" }
}
import {
  to       = winfs_san_lun_mapping.x
  identity = { lun = "/vol/vol1/files_x", igroup = "server1" }
}
import {
  to       = winfs_volume_mount.x
  identity = { server = "server1", mount_point = "X:" }
}
import {
  to       = winfs_smb_share_set.y
  identity = { server = "server1", scope = ["Y:\\"] }
}
import {
  to       = winfs_dns_cname.files
  identity = { zone = "corp.example.com.", name = "files" }
}
import {
  to       = winfs_alias_spn.files
  identity = { server = "server1", spns = ["HOST/files", "HOST/files.corp.example.com"] }
}
import {
  to       = winfs_service.server
  identity = { server = "server1", name = "LanmanServer" }
}
import {
  to       = winfs_service_address.files
  identity = { address = "192.168.0.50" }
}
`

// TestAccIdentity_importEveryKind: `import { identity = ... }` brings in an
// object of each kind, -generate-config-out writes its configuration,
// which then plans empty; the state holds each identity, and an update in
// place keeps it (OpenTofu plans no identity: the provider gives it again).
func TestAccIdentity_importEveryKind(t *testing.T) {
	cli := acctest.RequireCLI(t, acctest.ResourceIdentity)
	t.Parallel()
	l := acctest.StartLab(t, lab.Options{})
	handBuiltServiceAddress(t, l)
	tf := acctest.NewTerraformWith(t, cli, testProvider)
	tf.WriteConfig(acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"}) + identityImports)
	if res := tf.RunText("plan", "-generate-config-out=generated.tf"); res.Code != 0 {
		generated, _ := os.ReadFile(filepath.Join(tf.Dir, "generated.tf"))
		t.Fatalf("plan -generate-config-out failed:\n%s\ngenerated.tf:\n%s", res.Output, generated)
	}
	tf.Apply()
	tf.PlanIsEmpty()
	identities := func() map[string]string {
		out := map[string]string{}
		for _, r := range tf.State().Values.RootModule.Resources {
			out[r.Address] = fmt.Sprint(r.IdentityValues)
		}
		return out
	}
	before := identities()
	want := map[string]string{
		"winfs_registry_value.lsa":    `map[name:DisableLoopbackCheck path:HKLM\SYSTEM\CurrentControlSet\Control\Lsa server:server1]`,
		"winfs_san_lun_mapping.x":     "map[igroup:server1 lun:/vol/vol1/files_x]",
		"winfs_volume_mount.x":        "map[mount_point:X: server:server1]",
		"winfs_smb_share_set.y":       `map[scope:[Y:\] server:server1]`,
		"winfs_dns_cname.files":       "map[name:files zone:corp.example.com.]",
		"winfs_alias_spn.files":       "map[server:server1 spns:[HOST/files HOST/files.corp.example.com]]",
		"winfs_service.server":        "map[name:LanmanServer server:server1]",
		"winfs_service_address.files": "map[address:192.168.0.50]",
	}
	if !reflect.DeepEqual(before, want) {
		t.Fatalf("identities in state:\n%v\nwant\n%v", before, want)
	}

	// An update in place: the alias's TTL.
	path := filepath.Join(tf.Dir, "generated.tf")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ttl := regexp.MustCompile(`(?m)^(\s*ttl\s*=\s*)\d+`)
	if !ttl.Match(raw) {
		t.Fatalf("no ttl in the generated configuration:\n%s", raw)
	}
	tf.WriteFile("generated.tf", string(ttl.ReplaceAll(raw, []byte("${1}120"))))
	if s := tf.Apply().Summary(); s == nil || s.Change != 1 {
		t.Fatalf("want one update in place, got %+v", s)
	}
	if after := identities(); !reflect.DeepEqual(after, want) {
		t.Fatalf("identities after an update:\n%v\nwant\n%v", after, want)
	}
	tf.PlanIsEmpty()
}

// dfsIdentityImports imports the DFS objects of folderConfig and
// groupConfig by their identities.
const dfsIdentityImports = `
import {
  to       = winfs_dfs_namespace.files
  identity = { server = "server1", path = "\\\\corp.example.com\\files" }
}
import {
  to       = winfs_dfs_folder.finance
  identity = { server = "server1", path = "\\\\corp.example.com\\files\\Finance" }
}
import {
  to       = winfs_dfsr_replication_group.files
  identity = { server = "server1", name = "Files" }
}
`

// TestAccIdentity_importDFS: the DFS namespace, folder and replication
// group, created and then forgotten by Terraform, come back by identity
// with their configuration unchanged.
func TestAccIdentity_importDFS(t *testing.T) {
	cli := acctest.RequireCLI(t, acctest.ResourceIdentity)
	t.Parallel()
	l := acctest.StartLab(t, lab.Options{Scenario: lab.DFSScenario()})
	tf := acctest.NewTerraformWith(t, cli, testProvider)
	config := folderConfig(l, "server1", 1) + strings.TrimPrefix(groupConfig(l, "full_mesh", true), acctest.ProviderBlock(l, acctest.ProviderOpts{}))
	tf.WriteConfig(config)
	tf.Apply()
	if res := tf.RunText("state", "rm", "winfs_dfs_namespace.files", "winfs_dfs_folder.finance", "winfs_dfsr_replication_group.files"); res.Code != 0 {
		t.Fatalf("state rm failed:\n%s", res.Output)
	}
	tf.WriteConfig(config + dfsIdentityImports)
	mark := acctest.Mark(l)
	if s := tf.Apply().Summary(); s == nil || s.Import != 3 || s.Add+s.Change+s.Remove != 0 {
		t.Fatalf("want 3 imports and nothing else, got %+v", s)
	}
	if c := acctest.EventsSince(l, mark).Writes(); len(c) > 0 {
		t.Errorf("the import changed the estate: %s", c)
	}
	tf.PlanIsEmpty()
	for _, r := range tf.State().Values.RootModule.Resources {
		if len(r.IdentityValues) == 0 || r.IdentityValues["server"] != "server1" {
			t.Errorf("%s: identity %v", r.Address, r.IdentityValues)
		}
	}
}
