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

func registryCases() []valueCase {
	awkward := "naïve $env:PATH `backtick` 'single' \"double\" ; & | > %TEMP%\nsecond line ünïcödé 😀"
	return []valueCase{
		{"dword_hex", "dword", `value = "0xea60"`, agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}, []string{"value"}},
		{"dword_max", "dword", `value = "4294967295"`, agent.RegistryValue{Type: agent.RegDWord, Data: "4294967295"}, nil},
		{"qword_max", "qword", `value = "0xFFFFFFFFFFFFFFFF"`, agent.RegistryValue{Type: agent.RegQWord, Data: "18446744073709551615"}, []string{"value"}},
		{"string_awkward", "string", "value = " + acctest.HCLString(awkward), agent.RegistryValue{Type: agent.RegSZ, Data: awkward}, nil},
		{"string_empty", "string", `value = ""`, agent.RegistryValue{Type: agent.RegSZ, Data: ""}, nil},
		{"expand_unexpanded", "expand_string", `value = "%SystemRoot%\\System32"`, agent.RegistryValue{Type: agent.RegExpandSZ, Data: `%SystemRoot%\System32`}, nil},
		{"multi_empty", "multi_string", `values = []`, agent.RegistryValue{Type: agent.RegMultiSZ}, nil},
		{"multi_awkward", "multi_string", `values = ["a b", "$x", "` + "`y" + `", "'q'", "\"dq\"", "ü", ""]`,
			agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{"a b", "$x", "`y", "'q'", `"dq"`, "ü", ""}}, nil},
		{"binary_empty", "binary", `value = ""`, agent.RegistryValue{Type: agent.RegBinary, Data: ""}, nil},
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(gone...),
		Steps:                    steps,
	})
}
