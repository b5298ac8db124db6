package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

const testKeyRoot = `SOFTWARE\winfs-acc`

// hostValue checks the value as the lab's host holds it, not as the
// provider's state claims it.
func hostValue(l *lab.Lab, server, key, name string, want *agent.RegistryValue) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, ok := l.Host(server).RegistryValue("HKLM", key, name)
		switch {
		case want == nil && ok:
			return fmt.Errorf("%s\\%s on %s: want no value, host has %+v", key, name, server, got)
		case want == nil:
			return nil
		case !ok:
			return fmt.Errorf("%s\\%s on %s: value missing on the host", key, name, server)
		}
		if got.Type != want.Type || got.Data != want.Data || strings.Join(got.Strings, "\x00") != strings.Join(want.Strings, "\x00") || len(got.Strings) != len(want.Strings) {
			return fmt.Errorf("%s\\%s on %s: host has %+v, want %+v", key, name, server, got, want)
		}
		return nil
	}
}

type valueCase struct {
	name   string
	typ    string
	attr   string // HCL for value or values
	want   agent.RegistryValue
	ignore []string // attributes whose spelling import cannot know
}

// dwordConfig is a winfs_registry_value named label that holds a dword.
func dwordConfig(label, server, path, name, value string) string {
	return fmt.Sprintf(`
resource "winfs_registry_value" %q {
  server = %q
  path   = %s
  name   = %q
  type   = "dword"
  value  = %q
}
`, label, server, acctest.HCLString(path), name, value)
}

// registryData is a winfs_registry_value data source named label.
func registryData(label, server, path, name string) string {
	return fmt.Sprintf(`
data "winfs_registry_value" %q {
  server = %q
  path   = %s
  name   = %q
}
`, label, server, acctest.HCLString(path), name)
}

func registryCases() []valueCase {
	awkward := "naïve $env:PATH `backtick` 'single' \"double\" ; & | > %TEMP%\nsecond line ünïcödé 😀"
	return []valueCase{
		{"dword_hex", "dword", `value = "0xea60"`, agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}, []string{"value"}},
		{"dword_max", "dword", `value = "4294967295"`, agent.RegistryValue{Type: agent.RegDWord, Data: "4294967295"}, nil},
		{"qword_max", "qword", `value = "0xFFFFFFFFFFFFFFFF"`, agent.RegistryValue{Type: agent.RegQWord, Data: "18446744073709551615"}, []string{"value"}},
		{"string_awkward", "string", "value = " + acctest.HCLString(awkward), agent.RegistryValue{Type: agent.RegSZ, Data: awkward}, nil},
		// An import records empty data as no value (null), not "".
		{"string_empty", "string", `value = ""`, agent.RegistryValue{Type: agent.RegSZ, Data: ""}, []string{"value"}},
		{"expand_unexpanded", "expand_string", `value = "%SystemRoot%\\System32"`, agent.RegistryValue{Type: agent.RegExpandSZ, Data: `%SystemRoot%\System32`}, nil},
		{"multi_empty", "multi_string", `values = []`, agent.RegistryValue{Type: agent.RegMultiSZ}, nil},
		{"multi_awkward", "multi_string", `values = ["a b", "$x", "` + "`y" + `", "'q'", "\"dq\"", "ü", ""]`,
			agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{"a b", "$x", "`y", "'q'", `"dq"`, "ü", ""}}, nil},
		{"binary_empty", "binary", `value = ""`, agent.RegistryValue{Type: agent.RegBinary, Data: ""}, []string{"value"}},
		{"binary_zero", "binary", `value = "00"`, agent.RegistryValue{Type: agent.RegBinary, Data: "00"}, nil},
		{"binary_mixed_case", "binary", `value = "DEADbeef"`, agent.RegistryValue{Type: agent.RegBinary, Data: "deadbeef"}, []string{"value"}},
	}
}

// TestAccRegistryValue_types creates, imports, detects drift on, repairs and
// destroys a value of every type, with data that breaks naive quoting.
func TestAccRegistryValue_types(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	key := testKeyRoot + `\types`
	cases := registryCases()
	// One configuration holds a value of every type: one terraform run
	// per step for all of them, each still checked on its own.
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{})
	valueName := func(c valueCase) string { return "Value " + c.name + " $`'\"" }
	address := func(c valueCase) string { return "winfs_registry_value." + c.name }
	id := func(c valueCase) string { return `server1:HKLM\` + key + `\\` + valueName(c) }
	var onHost, gone []resource.TestCheckFunc
	var inState []statecheck.StateCheck
	var recreated []plancheck.PlanCheck
	imports := []resource.TestStep{}
	for _, c := range cases {
		cfg += fmt.Sprintf(`
resource "winfs_registry_value" %q {
  server = "server1"
  path   = %s
  name   = %s
  type   = %q
  %s
}
`, c.name, acctest.HCLString(`HKLM\`+key), acctest.HCLString(valueName(c)), c.typ, c.attr)
		want := c.want
		onHost = append(onHost, hostValue(l, "server1", key, valueName(c), &want))
		gone = append(gone, hostValue(l, "server1", key, valueName(c), nil))
		inState = append(inState,
			acctest.Attr(address(c), "id", knownvalue.StringExact(id(c))),
			acctest.Attr(address(c), "type", knownvalue.StringExact(c.typ)))
		recreated = append(recreated, plancheck.ExpectResourceAction(address(c), plancheck.ResourceActionCreate))
		imports = append(imports, resource.TestStep{
			ResourceName:            address(c),
			ImportState:             true,
			ImportStateId:           id(c),
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: c.ignore,
		})
	}
	steps := []resource.TestStep{{
		Config:            cfg,
		Check:             resource.ComposeAggregateTestCheckFunc(onHost...),
		ConfigStateChecks: inState,
	}}
	steps = append(steps, imports...)
	steps = append(steps, resource.TestStep{
		// An administrator deletes the values: the next plan recreates
		// each of them, and the apply puts them back.
		PreConfig: func() {
			for _, c := range cases {
				if _, err := l.Host("server1").DeleteRegistryValue("HKLM", key, valueName(c)); err != nil {
					t.Fatal(err)
				}
			}
		},
		Config:           cfg,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: recreated},
		Check:            resource.ComposeAggregateTestCheckFunc(onHost...),
	})
	accTest(t, resource.TestCase{
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(gone...),
		Steps:        steps,
	})
}

// TestAccRegistryValue_driftChangedAndRetyped: a value changed by hand is
// updated in place; a value retyped by hand is replaced.
func TestAccRegistryValue_driftChangedAndRetyped(t *testing.T) {
	l := parallelAccLab(t)
	key := testKeyRoot + `\drift`
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + dwordConfig("v", "server2", `HKEY_LOCAL_MACHINE\`+key, "Timeout", "0xea60")
	want := agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}
	set := func(v agent.RegistryValue) func() {
		return func() {
			if err := l.Host("server2").SetRegistryValue("HKLM", key, "Timeout", v); err != nil {
				t.Fatal(err)
			}
		}
	}
	accTest(t, resource.TestCase{
		CheckDestroy: hostValue(l, "server2", key, "Timeout", nil),
		Steps: []resource.TestStep{
			// 0xea60 in the configuration, 60000 on the host: the plans
			// resource.Test makes after the apply are empty.
			{Config: cfg, Check: hostValue(l, "server2", key, "Timeout", &want)},
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
	l := parallelAccLab(t)
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
	accTest(t, resource.TestCase{
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
	l := parallelAccLab(t)
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
	var refusals []acctest.Refusal
	for name, c := range cases {
		body := c.body
		if !strings.Contains(body, "path =") {
			body = `path = "HKLM\\SOFTWARE\\winfs-acc\\errors"` + "\n" + body
		}
		if !strings.Contains(body, "server =") {
			body = `server = "server1"` + "\n" + body
		}
		refusals = append(refusals, acctest.Refusal{Name: name, Config: "resource \"winfs_registry_value\" \"bad\" {\n" + body + "\n}\n", Want: acctest.Phrases(c.want)})
	}
	acctest.ExpectRefusals(t, testProvider, acctest.ProviderBlock(l, acctest.ProviderOpts{}), refusals)
	for _, ev := range acctest.EventsSince(l, eventsBefore) {
		if strings.HasPrefix(ev.Kind, "registry.") && strings.Contains(ev.Detail, "errors") {
			t.Errorf("a refused plan changed the estate: %+v", ev)
		}
	}
}

// TestAccRegistryValue_dataSource reads what the resource wrote and a value
// the lab seeded.
func TestAccRegistryValue_dataSource(t *testing.T) {
	l := parallelAccLab(t)
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) +
		registryData("product", "server1", `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "ProductName") +
		registryData("missing", "server1", `HKLM\SOFTWARE\winfs-acc\nothing-here`, "Nope") +
		registryData("cache", "server1", `HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`, "CacheTimeout")
	accTest(t, resource.TestCase{
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
	l := parallelAccLab(t)
	const n = 12
	starts := map[string]int{}
	for _, mode := range []string{"persistent", "per_request"} {
		var res strings.Builder
		for i := 0; i < n; i++ {
			res.WriteString(dwordConfig(fmt.Sprintf("v%d", i), "server2", `HKLM\SOFTWARE\winfs-acc\transport-`+mode, fmt.Sprintf("V%d", i), fmt.Sprint(i)))
		}
		before := l.Stats()["server2"].ProcessStarts
		accTest(t, resource.TestCase{
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

// TestAccRegistryValue_survivesDroppedConnections: WinRM connections cut
// during an apply cost a reconnect, not a failed run, and nothing is
// written twice.
func TestAccRegistryValue_survivesDroppedConnections(t *testing.T) {
	l := parallelAccLab(t)
	key := testKeyRoot + `\drops`
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_registry_value" "a" {
  server = "server1"
  path   = %[1]s
  name   = "A"
  type   = "string"
  value  = "first"
}
resource "winfs_registry_value" "b" {
  server = "server1"
  path   = %[1]s
  name   = "B"
  type   = "string"
  value  = "second"
}
`, acctest.HCLString(`HKLM\`+key))
	a := agent.RegistryValue{Type: agent.RegSZ, Data: "first"}
	b := agent.RegistryValue{Type: agent.RegSZ, Data: "second"}
	var mark uint64
	accTest(t, resource.TestCase{
		CheckDestroy: hostValue(l, "server1", key, "A", nil),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				mark = acctest.Mark(l)
				// Cut the next few Receives and Sends: the agent's output
				// stream and a request in flight.
				acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "drop", Count: 2, Action: "Receive"})
			},
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				hostValue(l, "server1", key, "A", &a),
				hostValue(l, "server1", key, "B", &b),
				func(*terraform.State) error {
					l.ClearFaults()
					sets := 0
					evs := acctest.EventsSince(l, mark)
					for _, ev := range evs {
						if ev.Kind == "registry.set" && strings.Contains(ev.Detail, `drops\A`) {
							sets++
						}
					}
					if sets != 1 {
						return fmt.Errorf("value A was written %d times; a write of unknown outcome must be re-read, not repeated", sets)
					}
					return nil
				},
			),
		}},
	})
}

// TestAccRegistryValue_unreachableServer: a dead server is a prompt, clear
// error that names the server and never shows the password.
func TestAccRegistryValue_unreachableServer(t *testing.T) {
	l := parallelAccLab(t)
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + dwordConfig("v", "server2", `HKLM\SOFTWARE\winfs-acc\unreachable`, "V", "1")
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			PreConfig:   func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)server2.*127\.0\.0\.1`),
		}},
	})
	l.ClearFaults()
	if _, ok := l.Host("server2").RegistryValue("HKLM", `SOFTWARE\winfs-acc\unreachable`, "V"); ok {
		t.Fatal("a value was written to an unreachable server")
	}
}

// TestAccRegistryValue_unreachableDelete: the "fencing by unmap" setting applies to every
// resource that lives on a server, the registry value included.
func TestAccRegistryValue_unreachableDelete(t *testing.T) {
	l := parallelAccLab(t)
	value := dwordConfig("v", "server2", `HKLM\SOFTWARE\winfs-acc\fenced`, "V", "1")
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: acctest.ProviderBlock(l, acctest.ProviderOpts{}) + value},
			{
				PreConfig:   func() { acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config:      acctest.ProviderBlock(l, acctest.ProviderOpts{}) + value,
				Destroy:     true,
				ExpectError: acctest.Phrases("server2", "127.0.0.1"),
			},
			{
				Config:  acctest.ProviderBlock(l, acctest.ProviderOpts{Fenced: true}) + value,
				Destroy: true,
			},
		},
	})
	l.ClearFaults()
	if _, ok := l.Host("server2").RegistryValue("HKLM", `SOFTWARE\winfs-acc\fenced`, "V"); !ok {
		t.Fatal("a fenced delete must not have reached the server")
	}
	_, _ = l.Host("server2").DeleteRegistryValue("HKLM", `SOFTWARE\winfs-acc\fenced`, "V")
}

// An agent operation that never answers (a storage call stuck on a LUN whose
// paths are gone) fails within the winrm timeout, naming the operation and
// the server; the other server's work is not held up. (That the stuck agent
// is replaced within one run is TestUnansweredCallEndsTheAgentAndOthersGoOn
// in internal/windows.)
func TestAccStuckAgentCallTimesOut(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := acctest.StartLab(t, lab.Options{})
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{Timeout: "3s"}) + statusData("s1", "server1", "") + statusData("s2", "server2", "")
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "hang_agent", Op: "server.status"})
				},
				Config:      cfg,
				ExpectError: acctest.Phrases("server.status", "on server1", "did not answer"),
			},
			{
				PreConfig: func() {
					events := acctest.AllEvents(l)
					if events.Count("server1", "fault.fire", "agent stuck in server.status") != 1 {
						t.Errorf("the fault did not fire:\n%s", events)
					}
					// server2 answered while server1 was stuck.
					if n := l.Stats()["server2"].Ops["server.status"]; n < 1 {
						t.Errorf("server2 was not asked: %d server.status calls", n)
					}
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("data.winfs_server_status.s1", "reachable", knownvalue.Bool(true)),
					acctest.Attr("data.winfs_server_status.s2", "reachable", knownvalue.Bool(true)),
				},
			},
		},
	})
}
