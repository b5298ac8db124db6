package provider

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// sanSettings is the resolved `san` block: where the array is, how to log
// in, and the dialect to speak.
type sanSettings struct {
	config  san.Config
	dialect san.Dialect
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
	}
	d, err := san.DialectNamed(name, m.Generic.config())
	if err != nil {
		diags.AddAttributeError(path.Root("san").AtName("generic"), "Invalid generic dialect", err.Error())
	}
	return d, diags
}

// validateSAN reports, at plan time, a san block that can never work.
func (m providerModel) validateSAN() diag.Diagnostics {
	if m.SAN == nil || m.SAN.Dialect.IsUnknown() || !m.SAN.Generic.known() {
		return nil
	}
	_, diags := m.SAN.dialect()
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
	cfg := san.Config{
		Address:  withDefaultPort(s.Address.ValueString(), "23"),
		Username: firstNonEmpty(s.Username.ValueString(), getenv(EnvSANUsername)),
		Password: firstNonEmpty(s.Password.ValueString(), getenv(EnvSANPassword)),
		Timeout:  san.DefaultTimeout,
		Logger:   logToTflog,
	}
	if t := s.Timeout.ValueString(); t != "" {
		cfg.Timeout, _ = time.ParseDuration(t) // validated at plan time
	}
	if p := s.Prompt.ValueString(); p != "" {
		cfg.Prompt = regexp.MustCompile(p) // validated at plan time
	}
	if cfg.Username == "" || cfg.Password == "" {
		diags.AddAttributeError(path.Root("san"), "Missing SAN credentials",
			fmt.Sprintf("The array needs a user name and password: set san.username and san.password, or the %s and %s environment variables.",
				EnvSANUsername, EnvSANPassword))
	}
	return &sanSettings{config: cfg, dialect: d}, diags
}

func withDefaultPort(addr, port string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(strings.Trim(addr, "[]"), port)
}
