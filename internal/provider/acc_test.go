package provider

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The acceptance tests run the real terraform binary (TF_ACC=1) against one
// lab per test binary. Tests that need a pristine host use their own keys.

var (
	testLabOnce sync.Once
	testLab     *lab.Lab
	testLabErr  error
)

// extraCleanup closes labs other than the shared one (e.g. the MSA lab).
var extraCleanup []func()

func sharedLab(t *testing.T) *lab.Lab {
	t.Helper()
	testLabOnce.Do(func() {
		// The initial estate without its hand-made shares: the share tests
		// own server1's X:\ and Y:\ scope on this shared lab. The failover
		// tests start a whole estate of their own.
		sc := lab.DefaultScenario()
		sc.Shares = nil
		testLab, testLabErr = lab.Start(lab.Options{Scenario: sc})
	})
	if testLabErr != nil {
		t.Fatalf("starting the lab: %v", testLabErr)
	}
	return testLab
}

func TestMain(m *testing.M) {
	// A developer machine may point TF_CLI_CONFIG_FILE at a missing file;
	// terraform only warns, but keep the test output clean.
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	code := m.Run()
	if testLab != nil {
		testLab.Close()
	}
	for _, f := range extraCleanup {
		f()
	}
	CloseAllHosts()
	os.Exit(code)
}

// requireAcc makes TF_ACC a hard requirement with a visible reason, rather
// than the silent skip of resource.Test; `make test` always sets it.
func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
}

var protoV6Factories = map[string]func() (tfprotov6.ProviderServer, error){
	"winfs": providerserver.NewProtocol6WithError(New("test")()),
}

// hclString quotes s as an HCL string literal: backslashes, quotes, and
// template sequences (${ and %{) are escaped.
func hclString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

type providerOpts struct {
	transport string // "" = default (persistent)
	https     *bool
	// dns emits a dns block: "rfc2136" (the lab's DNS server with its TSIG
	// key) or "windows" (the Windows DNS role of dnsWindowsServer, default
	// server1); "" emits none.
	dns              string
	dnsSecret        string // overrides the lab's TSIG secret (bad-key tests); "-" leaves it out (from the environment)
	dnsServer        string // overrides the lab DNS server address (BIND tests)
	dnsKeyName       string
	dnsWindowsServer string
	dnsExtra         string // more HCL inside the dns block
	noSAN            bool   // leave out the san block
	fenced           bool   // unreachable_delete = "fenced"
}

// providerBlock configures the provider against the lab over HTTPS with the
// lab's CA and NTLM, as a real deployment would be.
func providerBlock(l *lab.Lab, o providerOpts) string {
	var b strings.Builder
	b.WriteString("provider \"winfs\" {\n  servers = {\n")
	useHTTPS := o.https == nil || *o.https
	for _, name := range l.ServerNames() {
		httpPort, httpsPort, _ := l.Ports(name)
		port := httpsPort
		if !useHTTPS {
			port = httpPort
		}
		fmt.Fprintf(&b, "    %s = { address = \"127.0.0.1\", port = %d }\n", name, port)
	}
	b.WriteString("  }\n")
	if o.fenced {
		b.WriteString("  unreachable_delete = \"fenced\"\n")
	}
	b.WriteString("  winrm = {\n")
	fmt.Fprintf(&b, "    username = %s\n    password = %s\n", hclString(l.Username()), hclString(l.Password()))
	fmt.Fprintf(&b, "    https = %t\n", useHTTPS)
	if useHTTPS {
		fmt.Fprintf(&b, "    ca_certificate = %s\n", hclString(string(l.CACertPEM())))
	}
	if o.transport != "" {
		fmt.Fprintf(&b, "    transport = %q\n", o.transport)
	}
	b.WriteString("  }\n")
	switch o.dns {
	case "rfc2136":
		key := l.DNSKey()
		server := firstNonEmpty(o.dnsServer, l.DNSAddr())
		fmt.Fprintf(&b, "  dns = {\n    backend = \"rfc2136\"\n    server  = %s\n", hclString(server))
		secret := "      secret    = " + hclString(firstNonEmpty(o.dnsSecret, key.Secret)) + "\n"
		if o.dnsSecret == "-" {
			secret = ""
		}
		fmt.Fprintf(&b, "    tsig = {\n      key_name  = %s\n      algorithm = %s\n%s    }\n",
			hclString(firstNonEmpty(o.dnsKeyName, key.Name)), hclString(key.Algorithm), secret)
		b.WriteString(o.dnsExtra + "  }\n")
	case "windows":
		fmt.Fprintf(&b, "  dns = {\n    backend        = \"windows\"\n    windows_server = %s\n%s  }\n",
			hclString(firstNonEmpty(o.dnsWindowsServer, "server1")), o.dnsExtra)
	}
	if !o.noSAN {
		b.WriteString(sanBlock(l))
	}
	b.WriteString("}\n")
	return b.String()
}

// sanBlock points the provider at the lab's array: the ontap7 dialect, or
// the generic one configured for the lab's MSA-style CLI (as the docs show).
func sanBlock(l *lab.Lab) string {
	var b strings.Builder
	b.WriteString("  san = {\n")
	fmt.Fprintf(&b, "    address  = %s\n    username = %s\n    password = %s\n    timeout  = \"5s\"\n",
		hclString(l.SANAddress()), hclString(l.SANUsername()), hclString(l.SANPassword()))
	if l.SANDialect() == "msa" {
		b.WriteString(msaGenericHCL)
	}
	b.WriteString("  }\n")
	return b.String()
}

// msaGenericHCL is the generic dialect for an HP MSA style CLI; the same
// text is in examples/provider/san-generic-msa.tf.
const msaGenericHCL = `    dialect  = "generic"
    prompt   = "^# ?$"
    generic = {
      map_command     = "map volume {lun} host {igroup} lun {lun_id}"
      unmap_command   = "unmap volume {lun} host {igroup}"
      list_command    = "show volume-maps"
      list_pattern    = "^(?P<lun>\\S+)\\s+(?P<igroup>\\S+)\\s+(?P<lun_id>\\d+)\\s+read-write"
      serial_command  = "show volumes {lun}"
      serial_pattern  = "(?m)^\\S+\\s+\\S+\\s+(?P<serial>\\S+)\\s*$"
      success_pattern = "Success: Command completed successfully"
      error_pattern   = "(?m)^Error:.*$"
    }
`
