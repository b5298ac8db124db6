package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

var serverAttrTypes = map[string]attr.Type{
	"address": types.StringType, "port": types.Int64Type, "https": types.BoolType,
	"username": types.StringType, "password": types.StringType, "tls_server_name": types.StringType,
	"spn": types.StringType,
}

func server(t *testing.T, address string, port *int64, https *bool, user string) attr.Value {
	t.Helper()
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	v, diags := types.ObjectValue(serverAttrTypes, map[string]attr.Value{
		"address": types.StringValue(address), "port": types.Int64PointerValue(port), "https": types.BoolPointerValue(https),
		"username": str(user), "password": types.StringNull(), "tls_server_name": types.StringNull(),
		"spn": types.StringNull(),
	})
	if diags.HasError() {
		t.Fatal(diags)
	}
	return v
}

func servers(t *testing.T, m map[string]attr.Value) types.Map {
	v, diags := types.MapValue(types.ObjectType{AttrTypes: serverAttrTypes}, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return v
}

func env(vals map[string]string) func(string) string { return func(k string) string { return vals[k] } }

func TestSettingsDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	p5000, no := int64(5000), false
	m := providerModel{
		Servers: servers(t, map[string]attr.Value{
			"server1": server(t, "10.0.0.1", nil, nil, ""),
			"server2": server(t, "10.0.0.2", &p5000, nil, "CORP\\other"),
			"server3": server(t, "10.0.0.3", nil, &no, ""),
		}),
		WinRM: &winrmModel{Timeout: types.StringValue("90s"), Transport: types.StringValue("per_request")},
	}
	s, diags := m.settings(context.Background(), env(map[string]string{EnvWinRMUsername: "envuser", EnvWinRMPassword: "envpass"}))
	if diags.HasError() {
		t.Fatal(diags)
	}
	want := map[string]windows.Endpoint{
		"server1": {Host: "10.0.0.1", Port: 5986, HTTPS: true, Auth: "ntlm", Username: "envuser", Password: "envpass", Timeout: 90 * time.Second},
		"server2": {Host: "10.0.0.2", Port: 5000, HTTPS: true, Auth: "ntlm", Username: "CORP\\other", Password: "envpass", Timeout: 90 * time.Second},
		"server3": {Host: "10.0.0.3", Port: 5985, HTTPS: false, Auth: "ntlm", Username: "envuser", Password: "envpass", Timeout: 90 * time.Second},
	}
	for name, w := range want {
		got := s.servers[name]
		if got.Host != w.Host || got.Port != w.Port || got.HTTPS != w.HTTPS || got.Auth != w.Auth ||
			got.Username != w.Username || got.Password != w.Password || got.Timeout != w.Timeout {
			t.Errorf("%s: got %+v, want %+v", name, got, w)
		}
	}
	if s.transport != windows.ModePerRequest {
		t.Errorf("transport = %q", s.transport)
	}
	if strings.Join(s.names(), ",") != "server1,server2,server3" {
		t.Errorf("names = %v", s.names())
	}
}

func TestSettingsMissingCredentialsNameTheServer(t *testing.T) {
	t.Parallel()
	m := providerModel{Servers: servers(t, map[string]attr.Value{"server1": server(t, "10.0.0.1", nil, nil, "")})}
	s, diags := m.settings(context.Background(), env(nil))
	if diags.HasError() {
		t.Fatalf("credentials are needed by the resources on a server, not by the provider: %v", diags)
	}
	err := (&providerData{settings: s}).checkServer("server1")
	if err == nil {
		t.Fatal("want an error for a server without credentials")
	}
	msg := err.Error()
	for _, want := range []string{`"server1"`, EnvWinRMUsername, EnvWinRMPassword, "winrm.username", "`winrm` block"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %s", msg, want)
		}
	}
}

func TestCheckServerListsKnownNames(t *testing.T) {
	t.Parallel()
	d := &providerData{settings: providerSettings{servers: map[string]windows.Endpoint{"server2": {}, "server1": {}}}}
	err := d.checkServer("srv9")
	if err == nil || !strings.Contains(err.Error(), "configured servers are: server1, server2") {
		t.Fatalf("checkServer = %v", err)
	}
	if d.checkServer("server1") != nil {
		t.Fatal("server1 is configured")
	}
}

func TestParseRegistryID(t *testing.T) {
	t.Parallel()
	tgt, err := parseRegistryID(`server1:HKEY_LOCAL_MACHINE\SYSTEM\X\\Name with \ backslash`)
	if err != nil || tgt.server != "server1" || tgt.key.String() != `HKLM\SYSTEM\X` || tgt.name != `Name with \ backslash` {
		t.Fatalf("got %+v, %v", tgt, err)
	}
	def, err := parseRegistryID(`server2:HKLM\SOFTWARE\X\\`)
	if err != nil || def.name != "" {
		t.Fatalf("default value: %+v, %v", def, err)
	}
	if tgt.id() != `server1:HKLM\SYSTEM\X\\Name with \ backslash` {
		t.Fatalf("id %q does not round-trip", tgt.id())
	}
	for _, bad := range []string{`HKLM\SOFTWARE\X\\Name`, `server1:HKLM\SOFTWARE\X`, `server1:HKXX\A\\B`} {
		if _, err := parseRegistryID(bad); err == nil {
			t.Errorf("parseRegistryID(%q) should fail", bad)
		}
	}
}

// TestAccProvider_httpBasic: plain HTTP with Basic authentication and
// per-server port overrides works as well as the HTTPS/NTLM default.
func TestAccProvider_httpBasic(t *testing.T) {
	l := parallelAccLab(t)
	cfg := strings.Replace(acctest.ProviderBlock(l, acctest.ProviderOpts{HTTPS: new(false)}), "https = false", "https = false\n    auth = \"basic\"", 1) +
		registryData("name", "server2", `HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`, "ComputerName")
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            cfg,
			ConfigStateChecks: []statecheck.StateCheck{acctest.Attr("data.winfs_registry_value.name", "value", knownvalue.StringExact("SERVER2"))},
		}},
	})
}

// TestAccProvider_configErrors: provider settings are checked at plan time
// with errors naming the attribute and the allowed values.
func TestAccProvider_configErrors(t *testing.T) {
	l := parallelAccLab(t)
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

// TestAccProvider_blocksOnlyWhereUsed: each provider block is needed only
// by the resources that use it. A configuration that manages only the
// alias declares no server, no WinRM credentials and no array; a resource
// whose block is missing fails at plan time naming the block.
func TestAccProvider_blocksOnlyWhereUsed(t *testing.T) {
	l := parallelAccLab(t)
	aliasOnly := acctest.ProviderOpts{NoServers: true, NoWinRM: true, NoSAN: true, DNS: "rfc2136"}
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: cnameConfig(l, aliasOnly, "blocks", "server2.corp.example.com.", 300),
			Check:  labAlias(l, "blocks.corp.example.com.", "server2.corp.example.com.", 300),
		}},
	})

	registry := `
resource "winfs_registry_value" "x" {
  server = "server1"
  path   = "HKLM\\SOFTWARE\\WinfsBlocks"
  name   = "x"
  type   = "string"
  value  = "y"
}
`
	mapping := `
resource "winfs_san_lun_mapping" "x" {
  lun    = "/vol/vol1/files_x"
  igroup = "server1"
}
`
	cases := map[string]struct {
		o         acctest.ProviderOpts
		res, want string
	}{
		"no servers": {acctest.ProviderOpts{NoServers: true, NoWinRM: true}, registry,
			`Server not usable\nserver "server1": the provider has no .servers. block`},
		"no winrm": {acctest.ProviderOpts{NoWinRM: true, NoSAN: true}, registry,
			`Server not usable\nServer "server1" has no WinRM username or password: set them in the provider's .winrm. block`},
		"no san": {acctest.ProviderOpts{NoServers: true, NoWinRM: true, NoSAN: true, DNS: "rfc2136"}, mapping,
			`No SAN array configured\nThe provider has no .san. block`},
		"no dns": {acctest.ProviderOpts{NoSAN: true}, `
resource "winfs_dns_cname" "x" {
  zone   = "corp.example.com."
  name   = "blocks"
  target = "server1.corp.example.com."
}
`, `DNS backend unavailable\nThe provider has no dns block`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := expectPlanError(t, acctest.ProviderBlock(l, c.o)+c.res, regexp.MustCompile(c.want))
			for _, d := range res.Diagnostics("error") {
				if d.Address == "" {
					t.Errorf("error not reported on the resource that needs the block: %s", d)
				}
			}
		})
	}
}
