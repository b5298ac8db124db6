package provider

import (
	"fmt"
	"regexp"
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

// TestAccProvider_httpBasic: plain HTTP with Basic authentication and
// per-server port overrides works as well as the HTTPS/NTLM default.
func TestAccProvider_httpBasic(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	cfg := strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{HTTPS: new(false)}), "https = false", "https = false\n    auth = \"basic\"", 1) + `
data "winfs_registry_value" "name" {
  server = "server2"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
  name   = "ComputerName"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            cfg,
			ConfigStateChecks: []statecheck.StateCheck{acctest.Attr("data.winfs_registry_value.name", "value", knownvalue.StringExact("SERVER2"))},
		}},
	})
}

// TestAccProvider_configErrors: provider settings are checked at plan time
// with errors naming the attribute and the allowed values.
func TestAccProvider_configErrors(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	base := acctest.ProviderBlock(l, acctest.ProviderOpts{})
	cases := map[string]struct{ from, to, want string }{
		"auth":      {"https = true", "https = true\n    auth = \"negotiate\"", `value must be one of: ["ntlm" "kerberos" "basic"]`},
		"transport": {"https = true", "https = true\n    transport = \"pooled\"", `value must be one of: ["persistent" "per_request"]`},
		"timeout":   {"https = true", "https = true\n    timeout = \"soon\"", `must be a positive duration`},
		"port":      {"https = true", "https = true\n    port = 70000", `winrm.port`},
		"ca":        {"ca_certificate = ", "ca_certificate = \"not a pem\"\n    # ", `Invalid CA certificate`},
		"name":      {"server1 = {", "\"server one\" = {", `must be 1-63 characters`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := strings.Replace(base, c.from, c.to, 1) + `
data "winfs_registry_value" "x" {
  server = "server2"
  path   = "HKLM\\SOFTWARE"
}
`
			expectPlanError(t, cfg, acctest.Phrases(c.want))
		})
	}
}

// TestAccRegistryValue_survivesDroppedConnections: WinRM connections cut
// during an apply cost a reconnect, not a failed run, and nothing is
// written twice.
func TestAccRegistryValue_survivesDroppedConnections(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             hostValue(l, "server1", key, "A", nil),
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
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{}) + `
resource "winfs_registry_value" "v" {
  server = "server2"
  path   = "HKLM\\SOFTWARE\\winfs-acc\\unreachable"
  name   = "V"
  type   = "dword"
  value  = "1"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
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
