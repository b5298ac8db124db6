package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
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
	acctest.RequireAcc(t)
	l := testLab(t)
	for _, c := range registryCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			key := testKeyRoot + `\types`
			name := "Value " + c.name + " $`'\""
			cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + fmt.Sprintf(`
resource "winfs_registry_value" "v" {
  server = "server1"
  path   = %s
  name   = %s
  type   = %q
  %s
}
`, acctest.HCLString(`HKLM\`+key), acctest.HCLString(name), c.typ, c.attr)
			want := c.want
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				CheckDestroy:             hostValue(l, "server1", key, name, nil),
				Steps: []resource.TestStep{
					{
						Config: cfg,
						Check: resource.ComposeAggregateTestCheckFunc(
							hostValue(l, "server1", key, name, &want),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.Attr("winfs_registry_value.v", "id", knownvalue.StringExact(`server1:HKLM\`+key+`\\`+name)),
							acctest.Attr("winfs_registry_value.v", "type", knownvalue.StringExact(c.typ)),
						},
					},
					{
						ResourceName:            "winfs_registry_value.v",
						ImportState:             true,
						ImportStateId:           `server1:HKLM\` + key + `\\` + name,
						ImportStateVerify:       true,
						ImportStateVerifyIgnore: c.ignore,
					},
					{
						// An administrator deletes the value: the next plan recreates it.
						PreConfig: func() {
							if _, err := l.Host("server1").DeleteRegistryValue("HKLM", key, name); err != nil {
								t.Fatal(err)
							}
						},
						Config:             cfg,
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					},
					{
						Config: cfg,
						Check:  hostValue(l, "server1", key, name, &want),
					},
				},
			})
		})
	}
}
