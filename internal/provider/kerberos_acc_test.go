package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/kdc"
)

// kerberosLab is a lab whose hosts are joined to a realm served by a real
// MIT KDC, and that refuses NTLM: every request must carry a ticket.
func kerberosLab(t *testing.T) *lab.Lab {
	t.Helper()
	acctest.RequireAcc(t)
	kdc.Require(t)
	sc := lab.DefaultScenario()
	sc.Shares = nil
	return acctest.StartLab(t, lab.Options{Scenario: sc, Kerberos: true, DisableNTLM: true})
}

const kerberosValue = `
resource "winfs_registry_value" "krb" {
  server = "server1"
  path   = "HKLM\\SOFTWARE\\winfs-acc\\kerberos"
  name   = "Ticket"
  type   = "string"
  value  = "from the KDC"
}
`

// TestAccKerberos_registryValue applies a registry value over WinRM with
// Kerberos (tickets from krb5kdc, verified by the lab host with its
// keytab), with a wrong password fails at the KDC, and with the host's
// clock 10 minutes ahead fails at the host, each error saying why.
func TestAccKerberos_registryValue(t *testing.T) {
	t.Parallel()
	l := kerberosLab(t)
	t.Run("wrong password", func(t *testing.T) {
		res := expectPlanErrorApply(t, acctest.ProviderBlock(l, acctest.ProviderOpts{Kerberos: true, Password: "not-the-password"})+kerberosValue,
			regexp.MustCompile(`(?s)KDC_ERR_PREAUTH_FAILED.*refused the password`))
		if strings.Contains(res.Output, "not-the-password") {
			t.Fatal("the output holds the password")
		}
	})

	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(acctest.ProviderBlock(l, acctest.ProviderOpts{Kerberos: true}) + kerberosValue)
	tf.Apply()
	got, ok := l.Host("server1").RegistryValue("HKLM", `SOFTWARE\winfs-acc\kerberos`, "Ticket")
	if !ok || got.Type != agent.RegSZ || got.Data != "from the KDC" {
		t.Fatalf("host holds %+v", got)
	}
	tf.PlanIsEmpty()

	// A Windows host whose clock drifted: RFC 4120 and Active Directory
	// allow 5 minutes between client and server.
	acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "clock_skew", SkewSeconds: 600})
	tf.ExpectPlanError(regexp.MustCompile(`(?s)KRB_AP_ERR_SKEW.*10m0s from this machine's.*5 minutes`))
	l.ClearFaults()
	tf.PlanIsEmpty()
}

// expectPlanErrorApply is expectPlanError for a configuration whose error
// only shows when the provider connects (refresh of an empty state has no
// reads): it runs apply.
func expectPlanErrorApply(t *testing.T, config string, want *regexp.Regexp) acctest.Result {
	t.Helper()
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(config)
	res := tf.Run("apply", "-auto-approve")
	for _, d := range res.Diagnostics("error") {
		if want.MatchString(d.Summary + "\n" + d.Detail) {
			return res
		}
	}
	t.Fatalf("want an error matching %q, got %s", want, res.Explain())
	return res
}

// TestAccKerberos_badInput: the Kerberos settings that can never work fail
// at plan time, naming the attribute.
func TestAccKerberos_badInput(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	base := acctest.ProviderBlock(l, acctest.ProviderOpts{})
	withWinRM := func(extra string) string {
		return strings.Replace(base, "  winrm = {\n", "  winrm = {\n"+extra, 1)
	}
	missing := filepath.Join(t.TempDir(), "absent.keytab")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "krb5.conf"), []byte("[libdefaults]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, config string
		want         string
	}{
		{"realm lower case", withWinRM(`    auth = "kerberos"
    kerberos = { realm = "corp.example.com", kdcs = ["127.0.0.1"] }
`), `(?s)winrm.kerberos.realm.*upper case.*"CORP.EXAMPLE.COM"`},
		{"kerberos without realm", withWinRM(`    auth = "kerberos"
`), `(?s)Kerberos needs a realm.*winrm.kerberos`},
		{"keytab missing", withWinRM(`    auth = "kerberos"
    kerberos = { realm = "CORP.EXAMPLE.COM", kdcs = ["127.0.0.1"], keytab = "` + missing + `" }
`), `(?s)winrm.kerberos.keytab.*does not exist`},
		{"spn with a space", strings.Replace(base, "server1 = { ", `server1 = { spn = "HTTP/server 1", `, 1), `(?s)servers\["server1"\].spn.*without spaces`},
		{"spn without class", strings.Replace(base, "server1 = { ", `server1 = { spn = "server1.corp.example.com", `, 1), `(?s)servers\["server1"\].spn.*service class`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			expectPlanError(t, c.config+kerberosValue, regexp.MustCompile(c.want))
		})
	}
}
