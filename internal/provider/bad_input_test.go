package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
)

// TestAccBadInputsRefusedAtPlan: inputs Windows, DNS or the provider would
// refuse half-way through an apply are refused by the plan, naming the
// attribute and what it accepts.
func TestAccBadInputsRefusedAtPlan(t *testing.T) {
	l := parallelAccLab(t)
	mount := func(server, mountPoint, extra string) string {
		return fmt.Sprintf(`
resource "winfs_volume_mount" "bad" {
  server      = %s
  disk_serial = "P3OoG4WVLmC0"
  mount_point = %s
  %s
}
`, acctest.HCLString(server), acctest.HCLString(mountPoint), extra)
	}
	mountRule := `mount_point %q must be a drive letter other than C:`
	shareSet := func(name, scope, access string) string {
		return fmt.Sprintf(`
resource "winfs_smb_share_set" %q {
  server = "server1"
  scope  = [%s]
  shares = {
    "Bad%s" = {
      path = %s
      %s
    }
  }
}
`, name, acctest.HCLString(scope), name, acctest.HCLString(strings.TrimSuffix(scope, `\`)+`\Data`), access)
	}
	longLabel := strings.Repeat("a", 63)
	cases := map[string]struct{ cfg, want string }{
		"system drive":           {mount("server1", "C:", ""), fmt.Sprintf(mountRule, "C:") + ` .* C: is the system volume`},
		"dot dot":                {mount("server1", `X:\Mounts\..`, ""), `".." is not a folder name`},
		"bare dot dot":           {mount("server1", `..`, ""), `so it is a relative path`},
		"device name":            {mount("server1", `C:\CON`, ""), `folder name "CON" is a reserved device name`},
		"device name extension":  {mount("server1", `C:\Mounts\lpt1.data`, ""), `folder name "lpt1.data" is a reserved device name`},
		"trailing dot":           {mount("server1", `C:\Mounts\Data.`, ""), `ends in a dot or a space`},
		"trailing space":         {mount("server1", `C:\Mounts\Data `, ""), `ends in a dot or a space`},
		"control character":      {mount("server1", "C:\\Mounts\\Da\tta", ""), `has a control character`},
		"relative":               {mount("server1", `Mounts\Data`, ""), `so it is a relative path`},
		"drive relative":         {mount("server1", `C:Data`, ""), `must be followed by`},
		"zero timeout":           {mount("server1", "N:", `timeouts = { create = "0s" }`), `"0s" must be a positive duration`},
		"negative timeout":       {mount("server1", "N:", `timeouts = { create = "-5m" }`), `"-5m" must be a positive duration`},
		"write cache enabled":    {mount("server1", "N:", `write_cache = "enabled"`), `Attribute write_cache value must be one of: \["disabled" "unchanged"\]`},
		"repair of 0.x if_dirty": {mount("server1", "N:", `repair = "if_dirty"`), `repair must be "spotfix", "full" or "never": "if_dirty" is now "full"`},
		"repair of 0.x always":   {mount("server1", "N:", `repair = "always"`), `repair must be "spotfix", "full" or "never": "always" is gone`},
		"repair unknown":         {mount("server1", "N:", `repair = "chkdsk"`), `repair must be "spotfix", "full" or "never", not "chkdsk"`},
		"service name slash": {`
resource "winfs_service" "bad" {
  server = "server1"
  name   = "Lanman/Server"
}
`, `Service name "Lanman/Server": Windows forbids "/" and "\\" in service names; it must be 1-256 letters, digits`},
		"service display name": {`
resource "winfs_service" "bad" {
  server = "server1"
  name   = "Net Logon"
}
`, `looks like a display name`},
		"restart stopped service": {`
resource "winfs_service" "bad" {
  server           = "server1"
  name             = "Browser"
  state            = "stopped"
  restart_triggers = { x = "1" }
}
`, `restart_triggers restarts a running service when a value changes, but this service is set to state = "stopped"`},
		"disabled running service": {`
resource "winfs_service" "bad" {
  server       = "server1"
  name         = "Browser"
  startup_type = "disabled"
}
`, `startup_type = "disabled" needs state = "stopped"`},
		"empty server": {mount("", "N:", ""), `server "" is not one of the provider's servers; configured servers are: server1, server2`},
		"hive root": {`
resource "winfs_registry_value" "bad" {
  server = "server1"
  path   = "HKLM"
  name   = "x"
  type   = "REG_SZ"
  value  = "y"
}
`, `path "HKLM" is a hive root; it must be a registry key path: a hive`},
		"system scope":  {shareSet("c", `C:\`, ""), `scope root "C:\\\\" is on the system drive`},
		"windows scope": {shareSet("w", `C:\Windows\SYSVOL`, ""), `is on the system drive`},
		"account twice": {shareSet("a", `X:\Acct`, `read_access = ["CORP\\alice", "corp\\ALICE"]`),
			`are the same account \(Windows compares account names case-insensitively\); list it once`},
		"overlapping scopes": {shareSet("outer", `X:\`, "") + shareSet("inner", `X:\Finance`, ""),
			`overlaps the scope .* of another winfs_smb_share_set on server1 in this configuration`},
		"long alias": {fmt.Sprintf(`
resource "winfs_dns_cname" "bad" {
  zone   = "corp.example.com."
  name   = %q
  target = "server1.corp.example.com."
}
`, strings.Join([]string{longLabel, longLabel, longLabel, longLabel}, ".")), `is 272 characters long; a domain name must be at most 253 characters`},
	}
	// The overlap is between two blocks of the configuration, and the
	// alias needs the DNS settings: each is planned with its own prefix.
	apart := map[string]acctest.ProviderOpts{"overlapping scopes": {}, "long alias": {DNS: "rfc2136"}}
	var together []acctest.Refusal
	for name, c := range cases {
		r := acctest.Refusal{Name: name, Config: c.cfg, Want: regexp.MustCompile(`(?s)` + strings.ReplaceAll(c.want, " ", `\s+`))}
		if o, ok := apart[name]; ok {
			acctest.ExpectRefusals(t, testProvider, acctest.ProviderBlock(l, o), []acctest.Refusal{r})
			continue
		}
		together = append(together, r)
	}
	acctest.ExpectRefusals(t, testProvider, acctest.ProviderBlock(l, acctest.ProviderOpts{}), together)
}
