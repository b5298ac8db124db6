package provider

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// sanSettings is the resolved `san` block: where the array is, how to log
// in, and the dialect to speak.
type sanSettings struct {
	config     san.Config
	dialect    san.Dialect
	privateKey string // masked in logs
}

// genericConfig reads the `generic` block (nil when absent).
func (g *sanGenericModel) config() *san.GenericConfig {
	if g == nil {
		return nil
	}
	return &san.GenericConfig{
		MapCommand:     g.MapCommand.ValueString(),
		UnmapCommand:   g.UnmapCommand.ValueString(),
		ListCommand:    g.ListCommand.ValueString(),
		ListPattern:    g.ListPattern.ValueString(),
		SerialCommand:  g.SerialCommand.ValueString(),
		SerialPattern:  g.SerialPattern.ValueString(),
		SuccessPattern: g.SuccessPattern.ValueString(),
		ErrorPattern:   g.ErrorPattern.ValueString(),
	}
}

func (g *sanGenericModel) known() bool {
	if g == nil {
		return true
	}
	for _, v := range []interface{ IsUnknown() bool }{g.MapCommand, g.UnmapCommand, g.ListCommand, g.ListPattern,
		g.SerialCommand, g.SerialPattern, g.SuccessPattern, g.ErrorPattern} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// dialect builds the configured dialect; errors are attributed to the
// attribute at fault.
func (m *sanModel) dialect() (san.Dialect, diag.Diagnostics) {
	var diags diag.Diagnostics
	name := m.Dialect.ValueString()
	switch {
	case name == "generic" && m.Generic == nil:
		diags.AddAttributeError(path.Root("san").AtName("generic"), "Missing generic dialect",
			`dialect = "generic" needs the generic attribute: map_command, unmap_command, list_command and list_pattern at least.`)
		return nil, diags
	case name != "generic" && m.Generic != nil:
		diags.AddAttributeError(path.Root("san").AtName("generic"), "generic without the generic dialect",
			fmt.Sprintf(`san.generic is only used with dialect = "generic"; dialect is %q. Set dialect = "generic" or remove generic.`, firstNonEmpty(name, "ontap7")))
		return nil, diags
	case name == "ontap" && m.Vserver.ValueString() == "":
		diags.AddAttributeError(path.Root("san").AtName("vserver"), "Missing vserver",
			`dialect = "ontap" needs san.vserver: the SVM that holds the LUNs and initiator groups (e.g. "svm1").`)
		return nil, diags
	case name != "ontap" && m.Vserver.ValueString() != "":
		diags.AddAttributeError(path.Root("san").AtName("vserver"), "vserver without the ontap dialect",
			fmt.Sprintf(`san.vserver is only used with dialect = "ontap"; dialect is %q.`, firstNonEmpty(name, "ontap7")))
		return nil, diags
	}
	d, err := san.DialectNamed(name, m.Generic.config(), m.Vserver.ValueString())
	if err != nil {
		at := "generic"
		if name == "ontap" {
			at = "vserver"
		}
		diags.AddAttributeError(path.Root("san").AtName(at), "Invalid "+at, err.Error())
	}
	return d, diags
}

// transport is the configured transport, or the dialect's default: SSH
// for the ONTAP 9 clustershell, telnet for the older CLIs (as before SSH).
func (m *sanModel) transport() string {
	if t := m.Transport.ValueString(); t != "" {
		return t
	}
	if m.Dialect.ValueString() == "ontap" {
		return san.TransportSSH
	}
	return san.TransportTelnet
}

// sshOnly are the attributes that only mean something over SSH.
func (m *sanModel) sshOnly() map[string]bool {
	return map[string]bool{
		"private_key":              !m.PrivateKey.IsNull(),
		"private_key_file":         !m.PrivateKeyFile.IsNull(),
		"host_key":                 !m.HostKey.IsNull(),
		"known_hosts_file":         !m.KnownHostsFile.IsNull(),
		"insecure_ignore_host_key": m.InsecureIgnoreHostKey.ValueBool(),
	}
}

// validateSAN reports, at plan time, a san block that can never work.
func (m providerModel) validateSAN() diag.Diagnostics {
	if m.SAN == nil || m.SAN.Dialect.IsUnknown() || m.SAN.Vserver.IsUnknown() || !m.SAN.Generic.known() {
		return nil
	}
	_, diags := m.SAN.dialect()
	s := m.SAN
	if !s.Transport.IsUnknown() && s.transport() == san.TransportTelnet {
		for name, set := range s.sshOnly() {
			if set {
				diags.AddAttributeError(path.Root("san").AtName(name), name+" needs transport ssh",
					fmt.Sprintf(`san.%s is only used over SSH, and the transport is telnet. Set transport = "ssh" (recommended) or remove %s.`, name, name))
			}
		}
	}
	if !s.PrivateKey.IsNull() && !s.PrivateKeyFile.IsNull() {
		diags.AddAttributeError(path.Root("san").AtName("private_key_file"), "Two private keys",
			"Set san.private_key or san.private_key_file, not both.")
	}
	if s.InsecureIgnoreHostKey.ValueBool() && (!s.HostKey.IsNull() || !s.KnownHostsFile.IsNull()) {
		diags.AddAttributeError(path.Root("san").AtName("insecure_ignore_host_key"), "Host key check both on and off",
			"insecure_ignore_host_key = true skips the host key check that san.host_key or san.known_hosts_file asks for; remove one.")
	}
	if !s.HostKey.IsNull() && !s.KnownHostsFile.IsNull() {
		diags.AddAttributeError(path.Root("san").AtName("known_hosts_file"), "Two host key sources",
			"Set san.host_key (a pinned key) or san.known_hosts_file, not both.")
	}
	return diags
}

// sanSettings resolves the san block; nil when there is none.
func (m providerModel) sanSettings(getenv func(string) string) (*sanSettings, diag.Diagnostics) {
	if m.SAN == nil {
		return nil, nil
	}
	s := m.SAN
	d, diags := s.dialect()
	if diags.HasError() {
		return nil, diags
	}
	transport := s.transport()
	port := "23"
	if transport == san.TransportSSH {
		port = "22"
	}
	cfg := san.Config{
		Address:   withDefaultPort(s.Address.ValueString(), port),
		Transport: transport,
		Username:  firstNonEmpty(s.Username.ValueString(), getenv(EnvSANUsername)),
		Password:  firstNonEmpty(s.Password.ValueString(), getenv(EnvSANPassword)),
		Timeout:   san.DefaultTimeout,
		Logger:    logToTflog,
	}
	if t := s.Timeout.ValueString(); t != "" {
		cfg.Timeout, _ = time.ParseDuration(t) // validated at plan time
	}
	if p := s.Prompt.ValueString(); p != "" {
		cfg.Prompt = regexp.MustCompile(p) // validated at plan time
	}
	out := &sanSettings{dialect: d}
	if transport == san.TransportTelnet {
		if cfg.Username == "" || cfg.Password == "" {
			diags.AddAttributeError(path.Root("san"), "Missing SAN credentials",
				fmt.Sprintf("The array needs a user name and password: set san.username and san.password, or the %s and %s environment variables.",
					EnvSANUsername, EnvSANPassword))
		}
		out.config = cfg
		return out, diags
	}
	keyAt, keyPEM := path.Root("san").AtName("private_key"), s.PrivateKey.ValueString()
	switch {
	case keyPEM != "":
	case s.PrivateKeyFile.ValueString() != "":
		keyAt = path.Root("san").AtName("private_key_file")
		raw, err := os.ReadFile(s.PrivateKeyFile.ValueString())
		if err != nil {
			diags.AddAttributeError(keyAt, "Unreadable private key file", err.Error())
		}
		keyPEM = string(raw)
	default:
		keyPEM = getenv(EnvSANPrivateKey)
	}
	if keyPEM != "" {
		signer, err := ssh.ParsePrivateKey([]byte(keyPEM))
		if err != nil {
			// The parser's message never quotes the key.
			diags.AddAttributeError(keyAt, "Invalid private key",
				fmt.Sprintf("san.private_key, san.private_key_file or %s must be an unencrypted private key in PEM or OpenSSH format: %v", EnvSANPrivateKey, err))
		}
		cfg.SSH.Signer = signer
		out.privateKey = keyPEM
	}
	if cfg.Username == "" || (cfg.Password == "" && keyPEM == "") {
		diags.AddAttributeError(path.Root("san"), "Missing SAN credentials",
			fmt.Sprintf("The array's SSH login needs a user name and a private key or password: set san.username and san.private_key "+
				"(or san.private_key_file) or san.password, or the %s, %s and %s environment variables.",
				EnvSANUsername, EnvSANPrivateKey, EnvSANPassword))
	}
	cfg.SSH.InsecureIgnoreHostKey = s.InsecureIgnoreHostKey.ValueBool()
	cfg.SSH.KnownHostsFile = s.KnownHostsFile.ValueString()
	if v := s.HostKey.ValueString(); v != "" {
		cfg.SSH.HostKey, _ = san.ParseHostKey(v) // validated at plan time
	} else if cfg.SSH.KnownHostsFile == "" && !cfg.SSH.InsecureIgnoreHostKey {
		if home, err := os.UserHomeDir(); err == nil {
			cfg.SSH.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	out.config = cfg
	return out, diags
}

func withDefaultPort(addr, port string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(strings.Trim(addr, "[]"), port)
}
