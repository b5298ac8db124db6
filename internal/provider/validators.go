package provider

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// The provider's own string validators, all in this file. Each checks a
// known value at plan time and names the attribute and what it accepts.

// stringValidator is a validator from its description and a check of a
// value that is known and not null.
type stringValidator struct {
	description string
	check       func(at path.Path, value string, diags *diag.Diagnostics)
}

func (v stringValidator) Description(context.Context) string         { return v.description }
func (v stringValidator) MarkdownDescription(context.Context) string { return v.description }
func (v stringValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v.check(req.Path, req.ConfigValue.ValueString(), &resp.Diagnostics)
}

// pemCertificate validates that a string holds at least one PEM certificate.
func pemCertificate() validator.String {
	return stringValidator{"must be a PEM-encoded X.509 certificate", func(at path.Path, s string, diags *diag.Diagnostics) {
		block, _ := pem.Decode([]byte(s))
		if block == nil || block.Type != "CERTIFICATE" {
			diags.AddAttributeError(at, "Invalid CA certificate",
				"The value must be a PEM-encoded certificate beginning with -----BEGIN CERTIFICATE-----.")
			return
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			diags.AddAttributeError(at, "Invalid CA certificate", "The PEM block is not a valid X.509 certificate: "+err.Error())
		}
	}}
}

// duration validates a Go duration string that is positive.
// domainName validates a DNS name with or without the trailing dot: a
// zone, or an alias that may be relative or fully qualified.
func domainName() validator.String {
	return stringvalidator.RegexMatches(fqdnPattern, "must be a domain name: dot-separated labels of letters, digits, '-' or '_', with or without the trailing dot")
}

func duration() validator.String {
	const d = "must be a positive duration such as 30s, 2m or 1h30m"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if v, err := time.ParseDuration(s); err != nil || v <= 0 {
			diags.AddAttributeError(at, "Invalid duration", fmt.Sprintf("%q %s.", s, d))
		}
	}}
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?$`)

// hostPort validates `host` or `host:port`.
func hostPort() validator.String {
	const d = "must be a host name or IP address, optionally with :port (1-65535)"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		host, port := s, ""
		if h, p, err := net.SplitHostPort(s); err == nil {
			host, port = h, p
		}
		ok := net.ParseIP(host) != nil || hostPattern.MatchString(host)
		if port != "" {
			n, err := strconv.Atoi(port)
			ok = ok && err == nil && n >= 1 && n <= 65535
		}
		if !ok {
			diags.AddAttributeError(at, "Invalid address", fmt.Sprintf("%s: %q %s, e.g. filer1.corp.example.com or 192.0.2.53:53.", at, s, d))
		}
	}}
}

// base64Secret validates a TSIG secret without ever repeating it.
func base64Secret() validator.String {
	const d = "must be base64, as in BIND's `secret \"...\";`"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil || s == "" {
			diags.AddAttributeError(at, "Invalid TSIG secret", at.String()+" "+d+" (the value is not shown).")
		}
	}}
}

// regexpString validates an RE2 regular expression.
func regexpString() validator.String {
	const d = "must be a valid RE2 regular expression (https://github.com/google/re2/wiki/Syntax)"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if _, err := regexp.Compile(s); err != nil {
			diags.AddAttributeError(at, "Invalid regular expression", fmt.Sprintf("%s: %v", d, err))
		}
	}}
}

// sanName validates a LUN or igroup at plan time, whatever the dialect:
// a plain token, so no CLI ever needs quoting ("data, not code"). ModifyPlan adds the
// dialect's own rules.
func sanName(what string, colonOK bool) validator.String {
	d := "must be 1-255 letters, digits, '_', '.', '/', '@' or '-' (not first)"
	if colonOK {
		d = "must be 1-255 letters, digits, '_', '.', '/', ':', '@' or '-' (not first)"
	}
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if san.CheckToken(what, s) != nil || (!colonOK && strings.Contains(s, ":")) {
			diags.AddAttributeError(at, "Invalid "+what,
				fmt.Sprintf("%s %q %s: array CLIs have no quoting, so nothing else can be passed safely.", at, s, d))
		}
	}}
}

// registryPath validates a key path at plan time.
func registryPath() validator.String {
	const d = "must be a registry key path: a hive (" + regpath.AllowedHives + ") and a key below it, such as HKLM\\SOFTWARE\\Example"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		p, err := regpath.Parse(s)
		switch {
		case err != nil:
			diags.AddAttributeError(at, "Invalid registry path", err.Error())
		case p.Key == "":
			// A hive root is a predefined handle, not a key values are
			// managed in; its subkeys belong to the system.
			diags.AddAttributeError(at, "Invalid registry path", fmt.Sprintf("%s %q is a hive root; it %s.", at, s, d))
		}
	}}
}

// sshPublicKey validates a pinned SSH host key.
func sshPublicKey() validator.String {
	const d = `must be an SSH public key as in authorized_keys or ssh-keyscan output, e.g. "ssh-ed25519 AAAAC3Nza..."`
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if _, err := san.ParseHostKey(s); err != nil {
			diags.AddAttributeError(at, "Invalid host key", fmt.Sprintf("%s is %s; it %s.", at, err, d))
		}
	}}
}

// vserverName validates an ONTAP SVM name.
func vserverName() validator.String {
	const d = "must be an SVM name: 1-47 letters, digits, '_', '.' or '-', starting with a letter or '_'"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if err := san.CheckVserver(s); err != nil {
			diags.AddAttributeError(at, "Invalid vserver", fmt.Sprintf("%s: %v", at, err))
		}
	}}
}

// mountPointRule is what mount_point accepts, for every error about it.
const mountPointRule = `must be a drive letter other than C: such as "X:", or a folder on a drive such as "C:\Mounts\Data" ` +
	`(no trailing backslash; folder names without control characters, <>:"/\|?*, a trailing dot or space, . or .., ` +
	`or a reserved device name such as CON, PRN, AUX, NUL, COM1 or LPT1)`

// mountPoint validates a mount point as Windows would accept it: an
// absolute path (a drive-relative "C:Data" or root-relative "\Data" is
// resolved against a current directory the agent does not share), never
// the system drive itself, and folder names that are legal Win32 names
// (Microsoft's "Naming Files, Paths, and Namespaces").
func mountPoint() validator.String {
	return stringValidator{mountPointRule, func(at path.Path, s string, diags *diag.Diagnostics) {
		if why := mountPointProblem(s); why != "" {
			diags.AddAttributeError(at, "Invalid mount point", fmt.Sprintf("%s %q %s: %s.", at, s, mountPointRule, why))
		}
	}}
}

var driveLetter = regexp.MustCompile(`^[A-Za-z]:$`)

// reservedDeviceNames are the DOS device names Win32 maps to devices in
// every folder, alone or with an extension (CON.txt); COM and LPT also
// take the superscript digits 1-3.
var reservedDeviceName = regexp.MustCompile(`(?i)^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$`)

// mountPointProblem says why Windows would refuse s as a mount point, or "".
func mountPointProblem(s string) string {
	if len(s) < 2 || !driveLetter.MatchString(s[:2]) {
		return "it does not start with a drive letter and a colon, so it is a relative path"
	}
	if len(s) == 2 {
		if strings.EqualFold(s, "C:") {
			return "C: is the system volume"
		}
		return ""
	}
	if s[2] != '\\' {
		return `a drive letter must be followed by "\" (a drive-relative path such as "C:Data" depends on a current directory)`
	}
	for _, seg := range strings.Split(s[3:], `\`) {
		switch {
		case seg == "":
			return "it has an empty folder name (a doubled or trailing backslash)"
		case seg == "." || seg == "..":
			return fmt.Sprintf("%q is not a folder name", seg)
		case strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) }):
			return fmt.Sprintf("folder name %q has a control character or one of <>:\"/\\|?*", seg)
		case strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " "):
			return fmt.Sprintf("folder name %q ends in a dot or a space, which Windows strips", seg)
		case reservedDeviceName.MatchString(strings.TrimRight(seg, " ")):
			return fmt.Sprintf("folder name %q is a reserved device name", seg)
		case len(seg) > 255:
			return "a folder name is longer than 255 characters"
		}
	}
	return ""
}

// positiveTimeouts is a timeouts attribute whose durations must be
// positive: a zero or negative limit would fail every operation at once.
func positiveTimeouts(ctx context.Context, opts timeouts.Opts) schema.Attribute {
	a := timeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	for name, sub := range a.Attributes {
		s := sub.(schema.StringAttribute)
		s.Validators = append(s.Validators, duration())
		a.Attributes[name] = s
	}
	return a
}

var realmPattern = regexp.MustCompile(`^[A-Z0-9]([A-Z0-9.-]*[A-Z0-9])?$`)

// kerberosRealm validates a realm: Active Directory's realm is the DNS
// domain in upper case, and Kerberos compares realms case-sensitively.
func kerberosRealm() validator.String {
	const d = "must be the realm in upper case, e.g. CORP.EXAMPLE.COM"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if !realmPattern.MatchString(s) {
			hint := ""
			if up := strings.ToUpper(s); up != s && realmPattern.MatchString(up) {
				hint = fmt.Sprintf(" (Kerberos realms are case-sensitive: write %q)", up)
			}
			diags.AddAttributeError(at, "Invalid Kerberos realm", fmt.Sprintf("%s: %q %s%s.", at, s, d, hint))
		}
	}}
}

// servicePrincipalName validates an SPN as setspn takes it: a service
// class, a slash, a host (optionally :port or /service name), no spaces.
func servicePrincipalName() validator.String {
	const d = "must be a service principal name: service class/host[:port], e.g. HTTP/server1.corp.example.com or HOST/files, without spaces"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		class, rest, found := strings.Cut(s, "/")
		if !found || class == "" || rest == "" || strings.ContainsAny(s, " \t\r\n@") {
			diags.AddAttributeError(at, "Invalid service principal name", fmt.Sprintf("%s: %q %s.", at, s, d))
		}
	}}
}

// existingFile validates a path to a readable file on the machine that
// runs Terraform.
func existingFile(what string) validator.String {
	d := "must be the path of an existing " + what + " file on the machine running Terraform"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		st, err := os.Stat(s)
		if err != nil || st.IsDir() {
			reason := "it does not exist"
			if err == nil {
				reason = "it is a directory"
			} else if !os.IsNotExist(err) {
				reason = err.Error()
			}
			diags.AddAttributeError(at, "File not found", fmt.Sprintf("%s: %q %s: %s.", at, s, d, reason))
		}
	}}
}

// serviceName validates a Windows service name (the key under
// HKLM\SYSTEM\CurrentControlSet\Services, not the display name): Windows
// forbids "/" and "\" and allows at most 256 characters (CreateService), and
// Get-Service -Name would take "*", "?" and "[" as wildcards, so names are
// limited to letters, digits, "_", "." and "-", as agent.ServiceNamePattern.
func serviceName() validator.String {
	return stringValidator{"a service name: 1-256 letters, digits, '_', '.' or '-'", func(at path.Path, s string, diags *diag.Diagnostics) {
		if agent.ServiceNamePattern.MatchString(s) {
			return
		}
		why := "it must be 1-256 letters, digits, '_', '.' or '-'"
		switch {
		case strings.ContainsAny(s, `/\`):
			why = `Windows forbids "/" and "\" in service names; ` + why
		case strings.ContainsAny(s, "*?["):
			why = "wildcard characters would match other services; " + why
		case strings.Contains(s, " "):
			why = `it looks like a display name ("Server"); use the service name ("LanmanServer"): ` + why
		}
		diags.AddAttributeError(at, "Invalid service name", fmt.Sprintf("Service name %q: %s.", s, why))
	}}
}

// ipv4Address validates an IPv4 address as the agent takes it
// (agent.ParseIPv4): dotted decimal, no leading zeros, no IPv6.
func ipv4Address() validator.String {
	return stringValidator{"an IPv4 address in dotted decimal, e.g. 192.168.0.50", func(at path.Path, s string, diags *diag.Diagnostics) {
		if _, err := agent.ParseIPv4(s); err != nil {
			diags.AddAttributeError(at, "Invalid IPv4 address", fmt.Sprintf("%s: %v.", at, err))
		}
	}}
}

// interfaceAlias validates a network adapter's name (Get-NetAdapter's
// Name) as agent.InterfaceAliasPattern: no wildcard characters.
func interfaceAlias() validator.String {
	const d = "a network adapter name as Get-NetAdapter shows it, e.g. Ethernet: 1-256 letters, digits, spaces and _().,:#+-"
	return stringValidator{d, func(at path.Path, s string, diags *diag.Diagnostics) {
		if !agent.InterfaceAliasPattern.MatchString(s) {
			diags.AddAttributeError(at, "Invalid interface alias", fmt.Sprintf("%s: %q must be %s.", at, s, d))
		}
	}}
}
