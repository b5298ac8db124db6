package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

const defaultTimeout = 60 * time.Second

// providerSettings is the provider configuration resolved into what the
// clients need: defaults applied, per-server overrides merged, environment
// variables read.
type providerSettings struct {
	servers map[string]windows.Endpoint
	// noCredentials: servers without a WinRM user name or password. Only a
	// resource that uses one of them fails, naming the winrm block: a
	// configuration that manages only the array or the alias needs none.
	noCredentials map[string]bool
	transport     windows.Mode
	dns           *dnsSettings // nil without a dns block
	san           *sanSettings // nil without a san block
	// readCacheAge bounds how long one listing answers sibling reads
	// (0: no sharing, every read asks the host).
	readCacheAge time.Duration
	// fenced: a delete on an unreachable server succeeds with a warning ("fencing by unmap").
	fenced bool
}

func (s providerSettings) names() []string {
	names := make([]string, 0, len(s.servers))
	for n := range s.servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// settings resolves the configuration. getenv is os.Getenv outside tests.
func (m providerModel) settings(ctx context.Context, getenv func(string) string) (providerSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	w := m.WinRM
	if w == nil {
		w = &winrmModel{}
	}
	if m.Servers.IsUnknown() && !m.Servers.IsNull() {
		diags.AddAttributeError(path.Root("servers"), "Servers not known yet",
			"The provider's `servers` depend on values known only after apply; the provider needs them to plan. Configure them from variables or literals.")
		return providerSettings{}, diags
	}
	servers := map[string]serverModel{}
	diags.Append(m.Servers.ElementsAs(ctx, &servers, false)...)
	if diags.HasError() {
		return providerSettings{}, diags
	}

	https := boolOr(w.HTTPS.ValueBoolPointer(), true)
	timeout := defaultTimeout
	if t := w.Timeout.ValueString(); t != "" {
		timeout, _ = time.ParseDuration(t) // validated at plan time
	}
	out := providerSettings{servers: map[string]windows.Endpoint{}, noCredentials: map[string]bool{}, transport: windows.ModePersistent}
	out.fenced = m.UnreachableDelete.ValueString() == unreachableFenced
	if w.Transport.ValueString() == "per_request" {
		out.transport = windows.ModePerRequest
	}
	for name, s := range servers {
		ep := windows.Endpoint{
			Host:          s.Address.ValueString(),
			HTTPS:         boolOr(s.HTTPS.ValueBoolPointer(), https),
			Insecure:      w.Insecure.ValueBool(),
			TLSServerName: firstNonEmpty(s.TLSServerName.ValueString(), w.TLSServerName.ValueString()),
			Auth:          firstNonEmpty(w.Auth.ValueString(), "ntlm"),
			Username:      firstNonEmpty(s.Username.ValueString(), w.Username.ValueString(), getenv(EnvWinRMUsername)),
			Password:      firstNonEmpty(s.Password.ValueString(), w.Password.ValueString(), getenv(EnvWinRMPassword)),
			Timeout:       timeout,
		}
		krb, krbDiags := w.kerberosSettings(ctx, s.SPN.ValueString(), getenv)
		diags.Append(krbDiags...)
		ep.Kerberos = krb
		if ca := w.CACertificate.ValueString(); ca != "" {
			ep.CACertPEM = []byte(ca)
		}
		switch {
		case !s.Port.IsNull() && !s.Port.IsUnknown():
			ep.Port = int(s.Port.ValueInt64())
		case !w.Port.IsNull() && !w.Port.IsUnknown():
			ep.Port = int(w.Port.ValueInt64())
		case ep.HTTPS:
			ep.Port = 5986
		default:
			ep.Port = 5985
		}
		keytab := krb != nil && krb.Keytab != ""
		if ep.Username == "" || (ep.Password == "" && !keytab) {
			out.noCredentials[name] = true
		}
		out.servers[name] = ep
	}
	out.readCacheAge = windows.DefaultReadCacheAge
	if v := getenv(EnvReadCacheAge); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			diags.AddError("Invalid "+EnvReadCacheAge, fmt.Sprintf("%s=%q must be a duration such as 5s, or 0 to read every value from the host.", EnvReadCacheAge, v))
		}
		out.readCacheAge = max(d, 0)
	}
	dnsS, dnsDiags := m.dnsSettings(getenv)
	diags.Append(dnsDiags...)
	out.dns = dnsS
	sanSet, sanDiags := m.sanSettings(getenv)
	diags.Append(sanDiags...)
	out.san = sanSet
	return out, diags
}

// missingCredentials explains a server without WinRM credentials, naming
// the provider's winrm block.
func missingCredentials(name string) string {
	return fmt.Sprintf("Server %q has no WinRM username or password: set them in the provider's `winrm` block (winrm.username and winrm.password), "+
		"in servers[%q].username and .password, or in the %s and %s environment variables.", name, name, EnvWinRMUsername, EnvWinRMPassword)
}

// validateCredentials reports, at plan time, a configuration that can never
// authenticate. Unknown values are left for Configure.
func (m providerModel) validateCredentials(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	if m.WinRM != nil && m.WinRM.Insecure.ValueBool() && !m.WinRM.CACertificate.IsNull() {
		diags.AddAttributeWarning(path.Root("winrm").AtName("insecure"), "insecure overrides ca_certificate",
			"With insecure = true the server certificate is not verified, so ca_certificate has no effect.")
	}
	return diags
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
