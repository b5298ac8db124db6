package provider

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The status tests get a lab of their own: they assert on the untouched
// initial estate (X: and Y: on server1, files -> server1), which other
// tests of the shared lab change.
var (
	statusLabOnce sync.Once
	statusLabInst *lab.Lab
	statusLabErr  error
)

func statusLab(t *testing.T) *lab.Lab {
	t.Helper()
	statusLabOnce.Do(func() {
		statusLabInst, statusLabErr = lab.Start(lab.Options{})
		if statusLabErr != nil {
			return
		}
		extraCleanup = append(extraCleanup, statusLabInst.Close)
		// The estate as set up by hand also has a share on X:, its name with a space.
		h := statusLabInst.Host("server1")
		raw := fmt.Sprintf(`{"share":{"name":"Finance Team","path":"X:\\Finance","description":"","caching_mode":"manual","access_based_enumeration":false,`+
			`"concurrent_user_limit":0,"encrypt_data":false,"access":[{"account":"Everyone","right":"change","type":"allow"}]},"scope":[%q]}`, `X:\`)
		if _, aerr := h.Execute(agent.ShareSet.Name, []byte(raw)); aerr != nil {
			statusLabErr = aerr
		}
	})
	if statusLabErr != nil {
		t.Fatalf("starting the status lab: %v", statusLabErr)
	}
	return statusLabInst
}

func statusData(name, server, extra string) string {
	return fmt.Sprintf("data \"winfs_server_status\" %q {\n  server = %q\n%s}\n", name, server, extra)
}

const filesAlias = "  alias = \"files\"\n  zone  = \"corp.example.com\"\n"

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAccServerStatus(t *testing.T) {
	requireAcc(t)
	l := statusLab(t)
	sc := lab.DefaultScenario()
	x, y := sc.SAN.LUNs[0].Serial, sc.SAN.LUNs[1].Serial
	s1, s2 := "data.winfs_server_status.s1", "data.winfs_server_status.s2"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				// rfc2136: the alias is read from the lab's DNS server; s2 gives
				// it fully qualified, so its zone is found by asking.
				Config: providerBlock(l, providerOpts{dns: "rfc2136"}) + statusData("s1", "server1", filesAlias) +
					statusData("s2", "server2", "  alias = \"files.corp.example.com\"\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(s1, "id", "server1"),
					resource.TestCheckResourceAttr(s1, "reachable", "true"),
					resource.TestCheckResourceAttr(s1, "computer_name", "SERVER1"),
					resource.TestCheckResourceAttr(s1, "server_service_running", "true"),
					resource.TestCheckResourceAttr(s1, "services.%", "4"),
					resource.TestCheckResourceAttr(s1, "services.LanmanServer", "running"),
					resource.TestCheckResourceAttr(s1, "services.Dfs", "running"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.#", "2"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.0.mount_point", "X:"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.0.disk_serial", x),
					resource.TestMatchResourceAttr(s1, "mounted_volumes.0.volume_guid", guidPattern),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.0.online", "true"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.0.read_only", "false"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.0.dirty", "false"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.1.mount_point", "Y:"),
					resource.TestCheckResourceAttr(s1, "mounted_volumes.1.disk_serial", y),
					// The initial estate's shares (the test's own share.set is one of them).
					resource.TestCheckResourceAttr(s1, "shares.#", fmt.Sprint(len(lab.SeedShares()))),
					resource.TestCheckTypeSetElemAttr(s1, "shares.*", "Finance Team"),
					resource.TestCheckTypeSetElemAttr(s1, "shares.*", "Projets Été"),
					resource.TestCheckResourceAttr(s1, "alias_target", "server1.corp.example.com."),
					resource.TestCheckResourceAttr(s1, "serves_alias", "true"),

					resource.TestCheckResourceAttr(s2, "reachable", "true"),
					resource.TestCheckResourceAttr(s2, "server_service_running", "true"),
					resource.TestCheckResourceAttr(s2, "mounted_volumes.#", "0"),
					resource.TestCheckResourceAttr(s2, "shares.#", "0"),
					resource.TestCheckResourceAttr(s2, "alias_target", "server1.corp.example.com."),
					resource.TestCheckResourceAttr(s2, "serves_alias", "false"),
				),
			},
			{
				// server2 dead, the windows backend on server1: no error, and
				// the alias is still read. Without alias the alias attributes are null.
				PreConfig: func() { mustFault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"}) },
				Config: providerBlock(l, providerOpts{dns: "windows"}) + statusData("s1", "server1", filesAlias) +
					statusData("s2", "server2", filesAlias) + statusData("bare", "server2", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(s1, "reachable", "true"),
					resource.TestCheckResourceAttr(s1, "serves_alias", "true"),
					resource.TestCheckResourceAttr(s2, "reachable", "false"),
					resource.TestCheckResourceAttr(s2, "server_service_running", "false"),
					resource.TestCheckNoResourceAttr(s2, "computer_name"),
					resource.TestCheckResourceAttr(s2, "services.%", "0"),
					resource.TestCheckResourceAttr(s2, "mounted_volumes.#", "0"),
					resource.TestCheckResourceAttr(s2, "shares.#", "0"),
					resource.TestCheckResourceAttr(s2, "alias_target", "server1.corp.example.com."),
					resource.TestCheckResourceAttr(s2, "serves_alias", "false"),
					resource.TestCheckResourceAttr("data.winfs_server_status.bare", "reachable", "false"),
					resource.TestCheckNoResourceAttr("data.winfs_server_status.bare", "alias_target"),
					resource.TestCheckNoResourceAttr("data.winfs_server_status.bare", "serves_alias"),
				),
			},
			{
				// The Windows DNS server itself is the dead one: a warning, not an error.
				Config: providerBlock(l, providerOpts{dns: "windows", dnsWindowsServer: "server2"}) + statusData("s1", "server1", filesAlias),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(s1, "reachable", "true"),
					resource.TestCheckNoResourceAttr(s1, "alias_target"),
					resource.TestCheckResourceAttr(s1, "serves_alias", "false"),
				),
			},
			{
				// A passing check block. Terraform plans a check block's data
				// source to be read again at every apply ("config will be
				// reloaded to verify a check block"), so no plan with one is
				// empty, passing or not.
				ExpectNonEmptyPlan: true,
				Config: providerBlock(l, providerOpts{dns: "rfc2136"}) + `
check "server1_serves_files" {
  data "winfs_server_status" "s1" {
    server = "server1"
    alias  = "files"
    zone   = "corp.example.com"
  }
  assert {
    condition     = data.winfs_server_status.s1.reachable && data.winfs_server_status.s1.serves_alias && length(data.winfs_server_status.s1.shares) > 0
    error_message = "server1 does not serve \\\\files"
  }
}
`,
				Check: resource.TestCheckResourceAttr(s1, "serves_alias", "true"),
			},
			{
				// A failing check block is a warning: the apply succeeds
				// (TestAccServerStatus_checkWarning reads the warning itself).
				ExpectNonEmptyPlan: true,
				Config: providerBlock(l, providerOpts{dns: "rfc2136"}) + `
check "server2_serves_files" {
  data "winfs_server_status" "s2" {
    server = "server2"
    alias  = "files"
    zone   = "corp.example.com"
  }
  assert {
    condition     = data.winfs_server_status.s2.reachable && data.winfs_server_status.s2.serves_alias
    error_message = "server2 does not serve \\\\files"
  }
}
`,
			},
		},
	})
	l.ClearFaults()
}

func TestAccServerStatus_errors(t *testing.T) {
	requireAcc(t)
	l := statusLab(t)
	// Bad credentials are an answer from a live server: an error, never reachable = false.
	badPassword := strings.Replace(providerBlock(l, providerOpts{}), hclString(l.Password()), `"not-the-password"`, 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(l, providerOpts{}) + statusData("s", "server9", ""),
				ExpectError: regexp.MustCompile(`server "server9" is not one of the provider's servers`),
			},
			{
				Config:      badPassword + statusData("s", "server1", ""),
				ExpectError: regexp.MustCompile(`(?s)Cannot read server status.*HTTP 401 Unauthorized`),
			},
			{
				Config:      providerBlock(l, providerOpts{}) + statusData("s", "server1", "  alias = \"files\"\n"),
				ExpectError: regexp.MustCompile(`alias "files" is a single label: set zone`),
			},
			{
				Config:      providerBlock(l, providerOpts{}) + statusData("s", "server1", "  zone = \"corp.example.com\"\n"),
				ExpectError: regexp.MustCompile(`zone only says where alias is`),
			},
			{
				Config:      providerBlock(l, providerOpts{}) + statusData("s", "server1", filesAlias),
				ExpectError: regexp.MustCompile(`(?s)DNS backend unavailable.*no dns\s+block`),
			},
		},
	})
}
