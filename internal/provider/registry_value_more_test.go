package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// TestAccRegistryValue_driftChangedAndRetyped: a value changed by hand is
// updated in place; a value retyped by hand is replaced.
func TestAccRegistryValue_driftChangedAndRetyped(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	key := testKeyRoot + `\drift`
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_registry_value" "v" {
  server = "server2"
  path   = "HKEY_LOCAL_MACHINE\\%s"
  name   = "Timeout"
  type   = "dword"
  value  = "0xea60"
}
`, strings.ReplaceAll(key, `\`, `\\`))
	want := agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}
	set := func(v agent.RegistryValue) func() {
		return func() {
			if err := l.Host("server2").SetRegistryValue("HKLM", key, "Timeout", v); err != nil {
				t.Fatal(err)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             hostValue(l, "server2", key, "Timeout", nil),
		Steps: []resource.TestStep{
			{Config: cfg, Check: hostValue(l, "server2", key, "Timeout", &want)},
			// 0xea60 in the configuration, 60000 on the host: no diff.
			{Config: cfg, PlanOnly: true},
			{
				PreConfig: set(agent.RegistryValue{Type: agent.RegDWord, Data: "600000"}),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_registry_value.v", plancheck.ResourceActionUpdate),
				}},
				Check: hostValue(l, "server2", key, "Timeout", &want),
			},
			{
				PreConfig: set(agent.RegistryValue{Type: agent.RegSZ, Data: "60000"}),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("winfs_registry_value.v", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: hostValue(l, "server2", key, "Timeout", &want),
			},
		},
	})
}

// TestAccRegistryValue_restoreOnDestroy: the initial estate's CacheTimeout (600000)
// comes back on destroy; a value that did not exist is deleted.
func TestAccRegistryValue_restoreOnDestroy(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	const netbt = `SYSTEM\CurrentControlSet\Services\NetBT\Parameters`
	before, ok := l.Host("server2").RegistryValue("HKLM", netbt, "CacheTimeout")
	if !ok || before.Data != "600000" {
		t.Fatalf("the lab should start with the Windows default CacheTimeout 600000, has %+v %v", before, ok)
	}
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + `
resource "winfs_registry_value" "cache" {
  server             = "server2"
  path               = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters"
  name               = "CacheTimeout"
  type               = "dword"
  value              = "60000"
  restore_on_destroy = true
}
resource "winfs_registry_value" "proxy" {
  server             = "server2"
  path               = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters"
  name               = "EnableProxy"
  type               = "dword"
  value              = "0"
  restore_on_destroy = true
}
`
	after := agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}
	zero := agent.RegistryValue{Type: agent.RegDWord, Data: "0"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			hostValue(l, "server2", netbt, "CacheTimeout", &before),
			hostValue(l, "server2", netbt, "EnableProxy", nil),
		),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				hostValue(l, "server2", netbt, "CacheTimeout", &after),
				hostValue(l, "server2", netbt, "EnableProxy", &zero),
			),
		}},
	})
}

// TestAccRegistryValue_planTimeErrors: bad input fails at plan time, names
// the attribute and the allowed values, and changes nothing on the hosts.
func TestAccRegistryValue_planTimeErrors(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	eventsBefore := acctest.Mark(l)
	cases := map[string]struct{ body, want string }{
		"unknown hive":       {`path = "HKXX\\Software" ` + "\n" + `type = "dword"` + "\n" + `value = "1"`, `unknown hive "HKXX"`},
		"dword out of range": {`type = "dword"` + "\n" + `value = "4294967296"`, `out of range; allowed: 0 to 4294967295`},
		"dword negative":     {`type = "dword"` + "\n" + `value = "-1"`, `is negative`},
		"qword out of range": {`type = "qword"` + "\n" + `value = "18446744073709551616"`, `out of range`},
		"bad hex":            {`type = "binary"` + "\n" + `value = "0g"`, `not valid hex`},
		"values with dword":  {`type = "dword"` + "\n" + `values = ["1"]`, "takes `value`"},
		"value with multi":   {`type = "multi_string"` + "\n" + `value = "a"`, "takes `values`"},
		"unknown type":       {`type = "sz"` + "\n" + `value = "a"`, `value must be one of`},
		"over-long name":     {`name = "` + strings.Repeat("n", 16384) + `"` + "\n" + `type = "string"` + "\n" + `value = "a"`, `string length must be at most 16383`},
		"over-long key":      {`path = "HKLM\\` + strings.Repeat("k", 256) + `"` + "\n" + `type = "string"` + "\n" + `value = "a"`, `at most 255`},
		"unknown server":     {`server = "server9"` + "\n" + `type = "string"` + "\n" + `value = "a"`, `configured servers are: server1, server2`},
	}
	// The cases run in parallel; the group ends when all of them have.
	t.Run("cases", func(t *testing.T) {
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				body := c.body
				if !strings.Contains(body, "path =") {
					body = `path = "HKLM\\SOFTWARE\\winfs-acc\\errors"` + "\n" + body
				}
				if !strings.Contains(body, "server =") {
					body = `server = "server1"` + "\n" + body
				}
				expectPlanError(t, acctest.ProviderBlock(l, acctest.ProviderOpts{})+"resource \"winfs_registry_value\" \"bad\" {\n"+body+"\n}\n",
					acctest.Phrases(c.want))
			})
		}
	})
	for _, ev := range acctest.EventsSince(l, eventsBefore) {
		if strings.HasPrefix(ev.Kind, "registry.") && strings.Contains(ev.Detail, "errors") {
			t.Errorf("a refused plan changed the estate: %+v", ev)
		}
	}
}

// TestAccRegistryValue_dataSource reads what the resource wrote and a value
// the lab seeded.
func TestAccRegistryValue_dataSource(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + `
data "winfs_registry_value" "product" {
  server = "server1"
  path   = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
  name   = "ProductName"
}
data "winfs_registry_value" "missing" {
  server = "server1"
  path   = "HKLM\\SOFTWARE\\winfs-acc\\nothing-here"
  name   = "Nope"
}
data "winfs_registry_value" "cache" {
  server = "server1"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters"
  name   = "CacheTimeout"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				acctest.Attr("data.winfs_registry_value.product", "type", knownvalue.StringExact("string")),
				acctest.Attr("data.winfs_registry_value.product", "value", knownvalue.StringExact("Windows Server 2022 Standard")),
				acctest.Attr("data.winfs_registry_value.missing", "exists", knownvalue.Bool(false)),
				acctest.Attr("data.winfs_registry_value.missing", "value", knownvalue.Null()),
				acctest.Attr("data.winfs_registry_value.cache", "type", knownvalue.StringExact("dword")),
				acctest.Attr("data.winfs_registry_value.cache", "value", knownvalue.NotNull()),
			},
		}},
	})
}

// TestAccRegistryValue_transports: the persistent agent costs one process
// start per host and Terraform command, however many resources; per_request
// costs at least one per operation. Both converge to the same state.
func TestAccRegistryValue_transports(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	const n = 12
	starts := map[string]int{}
	for _, mode := range []string{"persistent", "per_request"} {
		var res strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&res, `
resource "winfs_registry_value" "v%d" {
  server = "server2"
  path   = "HKLM\\SOFTWARE\\winfs-acc\\transport-%s"
  name   = "V%d"
  type   = "dword"
  value  = "%d"
}
`, i, mode, i, i)
		}
		before := l.Stats()["server2"].ProcessStarts
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: []resource.TestStep{{
				Config: acctest.ProviderBlock(l, acctest.ProviderOpts{Transport: mode}) + res.String(),
				Check: func(_ *terraform.State) error {
					for i := 0; i < n; i++ {
						if _, ok := l.Host("server2").RegistryValue("HKLM", `SOFTWARE\winfs-acc\transport-`+mode, fmt.Sprintf("V%d", i)); !ok {
							return fmt.Errorf("%s: value V%d missing on the host", mode, i)
						}
					}
					return nil
				},
			}},
		})
		starts[mode] = l.Stats()["server2"].ProcessStarts - before
	}
	t.Logf("powershell.exe starts on server2 for %d values: %v", n, starts)
	// A test step runs a handful of terraform commands (plan, apply,
	// refresh, destroy...), each a new provider: one agent each.
	if starts["persistent"] >= n {
		t.Errorf("persistent mode started %d PowerShell processes for %d values; want one per terraform command", starts["persistent"], n)
	}
	if starts["per_request"] < 3*n {
		t.Errorf("per_request mode started only %d processes for %d values created, read and deleted", starts["per_request"], n)
	}
}
