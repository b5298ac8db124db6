package provider

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
)

// Environment variables for the dns block, so that the TSIG secret can stay
// out of .tf files.
const (
	EnvDNSServer        = "WINFS_DNS_SERVER"
	EnvDNSTSIGKeyName   = "WINFS_DNS_TSIG_KEY_NAME"
	EnvDNSTSIGAlgorithm = "WINFS_DNS_TSIG_ALGORITHM"
	EnvDNSTSIGSecret    = "WINFS_DNS_TSIG_SECRET"
)

const (
	dnsBackendRFC2136 = "rfc2136"
	dnsBackendWindows = "windows"
	defaultDNSTimeout = 5 * time.Second
	defaultDNSRetries = 2
)

type dnsModel struct {
	Backend       types.String `tfsdk:"backend"`
	Server        types.String `tfsdk:"server"`
	WindowsServer types.String `tfsdk:"windows_server"`
	TSIG          *tsigModel   `tfsdk:"tsig"`
	Timeout       types.String `tfsdk:"timeout"`
	Retries       types.Int64  `tfsdk:"retries"`
}

type tsigModel struct {
	KeyName   types.String `tfsdk:"key_name"`
	Algorithm types.String `tfsdk:"algorithm"`
	Secret    types.String `tfsdk:"secret"`
}

// dnsSettings is the dns block resolved (defaults and environment applied).
type dnsSettings struct {
	backend       string
	server        string         // rfc2136: host:port
	key           *dnsupdate.Key // rfc2136: nil when unsigned
	windowsServer string         // windows: a key of servers
	timeout       time.Duration
	retries       int
}

func dnsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"backend": schema.StringAttribute{
			MarkdownDescription: "How `winfs_dns_cname` changes the zone: `rfc2136` sends dynamic updates (RFC 2136, signed with TSIG) to the zone's primary, " +
				"as BIND accepts them; `windows` drives the DNS Server role of `windows_server` through its agent with the DnsServer cmdlets " +
				"(Windows DNS does not accept HMAC TSIG keys).",
			Required:   true,
			Validators: []validator.String{stringvalidator.OneOf(dnsBackendRFC2136, dnsBackendWindows)},
		},
		"server": schema.StringAttribute{
			MarkdownDescription: "`rfc2136` only: the zone's primary server, `host` or `host:port` (port 53 by default). Reads are non-recursive queries to it. " +
				"Defaults to the `" + EnvDNSServer + "` environment variable.",
			Optional:   true,
			Validators: []validator.String{hostPort()},
		},
		"windows_server": schema.StringAttribute{
			MarkdownDescription: "`windows` only: the name, in `servers`, of the server running the Windows DNS Server role that hosts the zone.",
			Optional:            true,
		},
		"tsig": schema.SingleNestedAttribute{
			MarkdownDescription: "`rfc2136` only: the TSIG key updates are signed with, as BIND's `key` statement declares it. Without it updates are unsigned, " +
				"which only a server with an open `allow-update` accepts. Every attribute defaults to its environment variable.",
			Optional: true,
			Attributes: map[string]schema.Attribute{
				"key_name": schema.StringAttribute{
					MarkdownDescription: "Key name, e.g. `winfs-update`. Defaults to `" + EnvDNSTSIGKeyName + "`.",
					Optional:            true,
				},
				"algorithm": schema.StringAttribute{
					MarkdownDescription: "HMAC algorithm: " + strings.Join(quoted(dnsupdate.Algorithms), ", ") + " (default `hmac-sha256`, or `" + EnvDNSTSIGAlgorithm + "`).",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.OneOf(dnsupdate.Algorithms...)},
				},
				"secret": schema.StringAttribute{
					MarkdownDescription: "The key's secret, base64 as in BIND's `secret \"...\";`. Defaults to `" + EnvDNSTSIGSecret + "`. Never logged, never in errors.",
					Optional:            true,
					Sensitive:           true,
					Validators:          []validator.String{base64Secret()},
				},
			},
		},
		"timeout": schema.StringAttribute{
			MarkdownDescription: "Time to wait for one DNS reply (`rfc2136`), as a Go duration (default `5s`). Waiting for propagation is bounded by the resource's `timeouts`.",
			Optional:            true,
			Validators:          []validator.String{duration()},
		},
		"retries": schema.Int64Attribute{
			MarkdownDescription: "How many times an unanswered DNS request is sent again, signed afresh each time (default `2`).",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.Between(0, 10)},
		},
	}
}

func quoted(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = "`" + v + "`"
	}
	return out
}

// validateDNS reports, at plan time, a dns block that mixes the backends'
// attributes or names a server that is not configured.
func (m providerModel) validateDNS(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	d := m.DNS
	if d == nil || d.Backend.IsUnknown() {
		return diags
	}
	root := path.Root("dns")
	switch d.Backend.ValueString() {
	case dnsBackendRFC2136:
		if !d.WindowsServer.IsNull() {
			diags.AddAttributeError(root.AtName("windows_server"), "windows_server needs backend = \"windows\"",
				"dns.windows_server is only used by the windows backend; the rfc2136 backend sends updates to dns.server.")
		}
	case dnsBackendWindows:
		if !d.Server.IsNull() {
			diags.AddAttributeError(root.AtName("server"), "server needs backend = \"rfc2136\"",
				"dns.server is only used by the rfc2136 backend; the windows backend uses dns.windows_server, a name from servers.")
		}
		if d.TSIG != nil {
			diags.AddAttributeError(root.AtName("tsig"), "tsig needs backend = \"rfc2136\"",
				"dns.tsig: Windows DNS does not accept HMAC TSIG keys; the windows backend goes through the agent of dns.windows_server instead.")
		}
		switch {
		case d.WindowsServer.IsUnknown():
		case d.WindowsServer.IsNull() || d.WindowsServer.ValueString() == "":
			diags.AddAttributeError(root.AtName("windows_server"), "Missing windows_server",
				"The windows backend needs dns.windows_server: the name, in servers, of the server running the DNS Server role.")
		case !m.Servers.IsUnknown() && !m.Servers.IsNull():
			if _, ok := m.Servers.Elements()[d.WindowsServer.ValueString()]; !ok {
				diags.AddAttributeError(root.AtName("windows_server"), "Unknown server",
					fmt.Sprintf("dns.windows_server %q is not one of the keys of servers.", d.WindowsServer.ValueString()))
			}
		}
	}
	return diags
}

// dnsSettings resolves the dns block with getenv (os.Getenv outside tests).
func (m providerModel) dnsSettings(getenv func(string) string) (*dnsSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	d := m.DNS
	if d == nil {
		return nil, diags
	}
	root := path.Root("dns")
	s := &dnsSettings{backend: d.Backend.ValueString(), timeout: defaultDNSTimeout, retries: defaultDNSRetries}
	if t := d.Timeout.ValueString(); t != "" {
		s.timeout, _ = time.ParseDuration(t) // validated at plan time
	}
	if !d.Retries.IsNull() && !d.Retries.IsUnknown() {
		s.retries = int(d.Retries.ValueInt64())
	}
	if s.backend == dnsBackendWindows {
		s.windowsServer = d.WindowsServer.ValueString()
		return s, diags
	}
	s.server = firstNonEmpty(d.Server.ValueString(), getenv(EnvDNSServer))
	if s.server == "" {
		diags.AddAttributeError(root.AtName("server"), "Missing DNS server",
			"The rfc2136 backend needs the zone's primary server: set dns.server or the "+EnvDNSServer+" environment variable.")
	}
	t := d.TSIG
	if t == nil {
		t = &tsigModel{}
	}
	name := firstNonEmpty(t.KeyName.ValueString(), getenv(EnvDNSTSIGKeyName))
	secret := firstNonEmpty(t.Secret.ValueString(), getenv(EnvDNSTSIGSecret))
	alg := firstNonEmpty(t.Algorithm.ValueString(), getenv(EnvDNSTSIGAlgorithm), "hmac-sha256")
	switch {
	case name == "" && secret == "":
		// unsigned updates
	case name == "":
		diags.AddAttributeError(root.AtName("tsig").AtName("key_name"), "Missing TSIG key name",
			"A TSIG secret is set but no key name: set dns.tsig.key_name or "+EnvDNSTSIGKeyName+".")
	case secret == "":
		diags.AddAttributeError(root.AtName("tsig").AtName("secret"), "Missing TSIG secret",
			"A TSIG key name is set but no secret: set dns.tsig.secret or "+EnvDNSTSIGSecret+".")
	default:
		if _, err := base64.StdEncoding.DecodeString(secret); err != nil {
			diags.AddAttributeError(root.AtName("tsig").AtName("secret"), "Invalid TSIG secret",
				"The TSIG secret (from dns.tsig.secret or "+EnvDNSTSIGSecret+") is not valid base64.")
		}
		if !validAlgorithm(alg) {
			diags.AddAttributeError(root.AtName("tsig").AtName("algorithm"), "Invalid TSIG algorithm",
				fmt.Sprintf("%q is not supported; allowed: %s.", alg, strings.Join(dnsupdate.Algorithms, ", ")))
		}
		s.key = &dnsupdate.Key{Name: name, Algorithm: alg, Secret: secret}
	}
	return s, diags
}

func validAlgorithm(a string) bool {
	for _, x := range dnsupdate.Algorithms {
		if strings.EqualFold(a, x) {
			return true
		}
	}
	return false
}
