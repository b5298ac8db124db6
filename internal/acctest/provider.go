package acctest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// ProviderOpts vary the provider block.
type ProviderOpts struct {
	Transport string // "" = default (persistent)
	Timeout   string // the winrm timeout ("" = the provider's default)
	HTTPS     *bool  // nil = HTTPS
	// DNS emits a dns block: "rfc2136" (the lab's DNS server with its TSIG
	// key) or "windows" (the Windows DNS role of DNSWindowsServer, default
	// server1); "" emits none.
	DNS              string
	DNSSecret        string // overrides the lab's TSIG secret (bad-key tests); "-" leaves it out (from the environment)
	DNSServer        string // overrides the lab DNS server address (BIND tests)
	DNSKeyName       string
	DNSWindowsServer string
	DNSExtra         string // more HCL inside the dns block
	NoSAN            bool   // leave out the san block
	NoServers        bool   // leave out the servers block
	NoWinRM          bool   // leave out the winrm block (no credentials)
	Fenced           bool   // unreachable_delete = "fenced"
	// Kerberos authenticates with tickets from the lab's KDC (a lab
	// started with Options.Kerberos); each server's spn is its FQDN's.
	Kerberos bool
	Password string // overrides the lab's WinRM password (bad-credential tests)
}

// ProviderBlock configures the provider against the lab over HTTPS with the
// lab's CA and NTLM, as a real deployment would be.
func ProviderBlock(l *lab.Lab, o ProviderOpts) string {
	var b strings.Builder
	b.WriteString("provider \"winfs\" {\n")
	useHTTPS := o.HTTPS == nil || *o.HTTPS
	if !o.NoServers {
		b.WriteString("  servers = {\n")
		for _, name := range l.ServerNames() {
			httpPort, httpsPort, _ := l.Ports(name)
			port := httpsPort
			if !useHTTPS {
				port = httpPort
			}
			spn := ""
			if o.Kerberos {
				spn = fmt.Sprintf(", spn = %q", lab.HostSPNs(name)[1])
			}
			fmt.Fprintf(&b, "    %s = { address = \"127.0.0.1\", port = %d%s }\n", name, port, spn)
		}
		b.WriteString("  }\n")
	}
	if o.Fenced {
		b.WriteString("  unreachable_delete = \"fenced\"\n")
	}
	if !o.NoWinRM {
		winrmBlock(&b, l, o, useHTTPS)
	}
	switch o.DNS {
	case "rfc2136":
		key := l.DNSKey()
		server := firstNonEmpty(o.DNSServer, l.DNSAddr())
		fmt.Fprintf(&b, "  dns = {\n    backend = \"rfc2136\"\n    server  = %s\n", HCLString(server))
		secret := "      secret    = " + HCLString(firstNonEmpty(o.DNSSecret, key.Secret)) + "\n"
		if o.DNSSecret == "-" {
			secret = ""
		}
		fmt.Fprintf(&b, "    tsig = {\n      key_name  = %s\n      algorithm = %s\n%s    }\n",
			HCLString(firstNonEmpty(o.DNSKeyName, key.Name)), HCLString(key.Algorithm), secret)
		b.WriteString(o.DNSExtra + "  }\n")
	case "windows":
		fmt.Fprintf(&b, "  dns = {\n    backend        = \"windows\"\n    windows_server = %s\n%s  }\n",
			HCLString(firstNonEmpty(o.DNSWindowsServer, "server1")), o.DNSExtra)
	}
	if !o.NoSAN {
		b.WriteString(SANBlock(l))
	}
	b.WriteString("}\n")
	return b.String()
}

func winrmBlock(b *strings.Builder, l *lab.Lab, o ProviderOpts, useHTTPS bool) {
	b.WriteString("  winrm = {\n")
	fmt.Fprintf(b, "    username = %s\n    password = %s\n", HCLString(l.Username()), HCLString(firstNonEmpty(o.Password, l.Password())))
	if o.Kerberos {
		fmt.Fprintf(b, "    auth = \"kerberos\"\n    kerberos = {\n      realm = %q\n      kdcs  = [%q]\n    }\n", lab.KerberosRealm, l.KerberosKDC())
	}
	fmt.Fprintf(b, "    https = %t\n", useHTTPS)
	if useHTTPS {
		fmt.Fprintf(b, "    ca_certificate = %s\n", HCLString(string(l.CACertPEM())))
	}
	if o.Transport != "" {
		fmt.Fprintf(b, "    transport = %q\n", o.Transport)
	}
	if o.Timeout != "" {
		fmt.Fprintf(b, "    timeout = %q\n", o.Timeout)
	}
	b.WriteString("  }\n")
}

// SANBlock points the provider at the lab's array: the ontap7 dialect, or
// the generic one configured for the lab's MSA-style CLI (as the docs show).
func SANBlock(l *lab.Lab) string {
	var b strings.Builder
	b.WriteString("  san = {\n")
	fmt.Fprintf(&b, "    address  = %s\n    username = %s\n    password = %s\n    timeout  = \"5s\"\n",
		HCLString(l.SANAddress()), HCLString(l.SANUsername()), HCLString(l.SANPassword()))
	if l.SANDialect() == "msa" {
		b.WriteString(msaGenericHCL())
	}
	b.WriteString("  }\n")
	return b.String()
}

// msaGenericHCL is the generic dialect for an HP MSA style CLI as
// examples/provider/san-generic-msa.tf documents it (its lines from
// `dialect` to the end of the `generic` block): the lab's MSA runs the
// documented configuration.
var msaGenericHCL = sync.OnceValue(func() string {
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "..", "..", "examples", "provider", "san-generic-msa.tf")
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	const blockEnd = "\n    }\n"
	text := string(b)
	start := strings.Index(text, "    dialect ")
	end := strings.Index(text[max(start, 0):], blockEnd)
	if start < 0 || end < 0 {
		panic(path + ": no dialect line followed by the generic block")
	}
	return text[start : start+end+len(blockEnd)]
})

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
