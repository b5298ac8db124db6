// Package provider is the Terraform surface of winfs: provider
// configuration, resources and data sources. It never builds PowerShell or
// array commands itself; it asks internal/windows for typed operations.
package provider

import (
	"context"
	"os"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// Environment variables that supply credentials when the configuration
// does not, so that secrets can stay out of .tf files.
const (
	EnvWinRMUsername = "WINFS_WINRM_USERNAME"
	EnvWinRMPassword = "WINFS_WINRM_PASSWORD"
	EnvSANUsername   = "WINFS_SAN_USERNAME"
	EnvSANPassword   = "WINFS_SAN_PASSWORD"
	// EnvSANPrivateKey holds a PEM private key for the array's SSH login.
	EnvSANPrivateKey = "WINFS_SAN_PRIVATE_KEY"
	// EnvReadCacheAge bounds how long a listing of a registry key or of a
	// host's shares answers sibling reads within one command (default 5s;
	// 0 turns the sharing off). For measurements and troubleshooting.
	EnvReadCacheAge = "WINFS_READ_CACHE_AGE"
)

var serverNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// New returns the provider factory for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &winfsProvider{version: version, sessions: &live} }
}

type winfsProvider struct {
	version  string
	sessions *sessions // where Configure records what it opens
}

var (
	_ provider.Provider                   = (*winfsProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*winfsProvider)(nil)
	_ provider.ProviderWithListResources  = (*winfsProvider)(nil)
)

func (p *winfsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "winfs"
	resp.Version = p.version
}

func (p *winfsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the failover of a pair of Windows file servers that share SAN storage: " +
			"registry hardening, SAN LUN mappings, volume mounts, SMB shares and the DNS alias clients use. " +
			"Windows servers are reached over WinRM, where one long-lived PowerShell agent per server answers typed requests.",
		Attributes: map[string]schema.Attribute{
			"servers": schema.MapNestedAttribute{
				MarkdownDescription: "The Windows servers this provider manages, keyed by the name resources use in their `server` " +
					"attribute (for example `server1`). Names are 1-63 letters, digits, `.`, `_` or `-`. Needed only by the resources and data sources " +
					"that act on a Windows server (a configuration that manages only the array or the DNS alias leaves it out); one of them naming a server " +
					"that is not here fails at plan time.",
				Optional: true,
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(serverNamePattern,
						"must be 1-63 characters: letters, digits, '.', '_' or '-', starting with a letter or digit")),
				},
				NestedObject: schema.NestedAttributeObject{Attributes: serverAttributes()},
			},
			"unreachable_delete": schema.StringAttribute{
				MarkdownDescription: "What destroying a resource does when its server cannot be reached (safety rule \"fencing by unmap\": a dead primary must not block a failover). " +
					"`fail` (default): the destroy fails and names the server. `fenced`: the server is treated as fenced, the destroy succeeds with a warning, " +
					"and refreshes of its resources keep their last known state. Only choose `fenced` when the LUN is unmapped from that server on the array " +
					"in the same run (the array unmap is the fence, like a cluster's quorum arbitration): a server that comes back keeps its stale mounts until an administrator cleans them up.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(unreachableFail, unreachableFenced)},
			},
			"winrm": schema.SingleNestedAttribute{
				MarkdownDescription: "How to reach every server over WinRM. Each server in `servers` can override the port, " +
					"the scheme and the credentials. Credentials are needed only by the resources that act on a server: one of them on a server " +
					"without credentials fails at plan time naming this block.",
				Optional:   true,
				Attributes: winrmAttributes(),
			},
			"dns": schema.SingleNestedAttribute{
				MarkdownDescription: "Where `winfs_dns_cname` manages the alias: RFC 2136 updates signed with TSIG to the zone's primary " +
					"(`backend = \"rfc2136\"`, e.g. BIND) or the Windows DNS Server role of one of `servers` (`backend = \"windows\"`).",
				Optional:   true,
				Attributes: dnsAttributes(),
			},
			"san": schema.SingleNestedAttribute{
				MarkdownDescription: "The SAN array that presents the data LUNs, reached over its command line, over SSH (recommended) or telnet; " +
					"needed by `winfs_san_lun_mapping`. **Telnet sends the user name and password in clear text**: anyone who can see the traffic " +
					"between Terraform and the array can read them. Use it only for arrays that offer nothing else, on a management network that " +
					"only administrators reach, with an array account that can only map LUNs.",
				Optional:   true,
				Attributes: sanAttributes(),
			},
		},
	}
}

func sanAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"address": schema.StringAttribute{
			MarkdownDescription: "Host name or IP address of the array's management interface, optionally with `:port` (default port `22` over SSH, `23` over telnet).",
			Required:            true,
			Validators:          []validator.String{hostPort()},
		},
		"transport": schema.StringAttribute{
			MarkdownDescription: "`ssh` (the default with `dialect = \"ontap\"`) or `telnet` (the default with `ontap7` and `generic`, for compatibility; clear text).",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf(san.TransportSSH, san.TransportTelnet)},
		},
		"vserver": schema.StringAttribute{
			MarkdownDescription: "With `dialect = \"ontap\"`: the SVM (vserver) that holds the LUNs and initiator groups, e.g. `svm1`. Required with that dialect.",
			Optional:            true,
			Validators:          []validator.String{vserverName()},
		},
		"private_key": schema.StringAttribute{
			MarkdownDescription: "SSH: the private key (PEM or OpenSSH format, unencrypted) that logs in as `username`, e.g. `file(\"~/.ssh/array_ed25519\")`. " +
				"Defaults to the `" + EnvSANPrivateKey + "` environment variable. Never logged, never in an error. With a key, `password` is optional.",
			Optional:  true,
			Sensitive: true,
		},
		"private_key_file": schema.StringAttribute{
			MarkdownDescription: "SSH: path of the private key file, instead of `private_key`.",
			Optional:            true,
		},
		"host_key": schema.StringAttribute{
			MarkdownDescription: "SSH: the array's host key, pinned, as an `authorized_keys` line or `ssh-keyscan` output (`ssh-ed25519 AAAA...`). " +
				"The connection is refused, before any credential is sent, when the array presents another key; the error shows both fingerprints.",
			Optional:   true,
			Validators: []validator.String{sshPublicKey()},
		},
		"known_hosts_file": schema.StringAttribute{
			MarkdownDescription: "SSH: an OpenSSH `known_hosts` file holding the array's host key, instead of `host_key`. " +
				"Without either, `~/.ssh/known_hosts` is used.",
			Optional: true,
		},
		"insecure_ignore_host_key": schema.BoolAttribute{
			MarkdownDescription: "SSH: accept any host key. Anyone who can intercept the connection then gets the credentials; only for a lab.",
			Optional:            true,
		},
		"username": schema.StringAttribute{
			MarkdownDescription: "Array user (`root` on a filer). Defaults to the `" + EnvSANUsername + "` environment variable.",
			Optional:            true,
		},
		"password": schema.StringAttribute{
			MarkdownDescription: "Password of `username`. Defaults to the `" + EnvSANPassword + "` environment variable. Never logged, never in an error; " +
				"but telnet itself sends it in clear text. Over SSH it is optional when a private key is given.",
			Optional:  true,
			Sensitive: true,
		},
		"dialect": schema.StringAttribute{
			MarkdownDescription: "The array's CLI: `ontap` (clustered ONTAP 9 clustershell, in the SVM `vserver`: `lun mapping create`, `lun mapping delete`, " +
				"`lun mapping show`, `lun show -fields serial`, `lun igroup show`; the pager is turned off with `rows 0`), " +
				"`ontap7` (default; NetApp Data ONTAP 7-mode: `lun map`, `lun unmap`, `lun show -m`, `lun serial`, `igroup show`) " +
				"or `generic` (any line-oriented CLI, described by the `generic` attribute).",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf("ontap", "ontap7", "generic")},
		},
		"prompt": schema.StringAttribute{
			MarkdownDescription: "Regular expression (RE2) matching the CLI prompt, tested against the last unfinished line of output. " +
				"Defaults: `" + san.ONTAP{}.Prompt().String() + "` for ontap (`cluster1::> `), `" + san.ONTAP7{}.Prompt().String() + "` for ontap7 (`filer1> `), `" +
				san.DefaultGenericPrompt + "` for generic (`# `).",
			Optional:   true,
			Validators: []validator.String{regexpString()},
		},
		"timeout": schema.StringAttribute{
			MarkdownDescription: "Time limit for each wait on the array (connect, each prompt, each command's answer), as a Go duration (default `30s`).",
			Optional:            true,
			Validators:          []validator.String{duration()},
		},
		"generic": schema.SingleNestedAttribute{
			MarkdownDescription: "With `dialect = \"generic\"`: the array's commands, as templates with the placeholders `{lun}`, `{igroup}` and `{lun_id}`, " +
				"and regular expressions (RE2) that read its answers. LUN and igroup names are passed only when they need no quoting " +
				"(letters, digits, `_`, `.`, `/`, `@`, `-`; `:` in igroups).",
			Optional: true,
			Attributes: map[string]schema.Attribute{
				"map_command": schema.StringAttribute{
					MarkdownDescription: "Maps a LUN, e.g. `map volume {lun} host {igroup} lun {lun_id}`. With `{lun_id}` and no `lun_id` on the resource, the provider picks the lowest free ID of the igroup.",
					Required:            true,
				},
				"unmap_command": schema.StringAttribute{
					MarkdownDescription: "Unmaps a LUN, e.g. `unmap volume {lun} host {igroup}`.",
					Required:            true,
				},
				"list_command": schema.StringAttribute{
					MarkdownDescription: "Lists every mapping, e.g. `show volume-maps`.",
					Required:            true,
				},
				"list_pattern": schema.StringAttribute{
					MarkdownDescription: "Matches one output line per mapping, with the named groups `(?P<lun>...)`, `(?P<igroup>...)` and optionally `(?P<lun_id>...)`.",
					Required:            true,
					Validators:          []validator.String{regexpString()},
				},
				"serial_command": schema.StringAttribute{
					MarkdownDescription: "Shows a LUN's serial number, e.g. `show volumes {lun}`. Optional; without it `serial` is empty.",
					Optional:            true,
				},
				"serial_pattern": schema.StringAttribute{
					MarkdownDescription: "Finds the serial number in the answer of `serial_command`, with the named group `(?P<serial>...)`.",
					Optional:            true,
					Validators:          []validator.String{regexpString()},
				},
				"success_pattern": schema.StringAttribute{
					MarkdownDescription: "When set, the answers of map and unmap must match it, e.g. `Success: Command completed successfully`.",
					Optional:            true,
					Validators:          []validator.String{regexpString()},
				},
				"error_pattern": schema.StringAttribute{
					MarkdownDescription: "An answer matching it is the array's error, reported verbatim. Default: `" + san.DefaultGenericError + "`.",
					Optional:            true,
					Validators:          []validator.String{regexpString()},
				},
			},
		},
	}
}

func serverAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"address": schema.StringAttribute{
			MarkdownDescription: "Host name or IP address of the server's WinRM listener.",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, 253)},
		},
		"port": schema.Int64Attribute{
			MarkdownDescription: "WinRM port for this server; overrides `winrm.port`.",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		},
		"https": schema.BoolAttribute{
			MarkdownDescription: "Use HTTPS for this server; overrides `winrm.https`.",
			Optional:            true,
		},
		"username": schema.StringAttribute{
			MarkdownDescription: "WinRM user for this server; overrides `winrm.username`.",
			Optional:            true,
		},
		"password": schema.StringAttribute{
			MarkdownDescription: "WinRM password for this server; overrides `winrm.password`.",
			Optional:            true,
			Sensitive:           true,
		},
		"tls_server_name": schema.StringAttribute{
			MarkdownDescription: "Name to verify in this server's TLS certificate; overrides `winrm.tls_server_name`.",
			Optional:            true,
		},
		"spn": schema.StringAttribute{
			MarkdownDescription: "With `winrm.auth = \"kerberos\"`: the service principal of this server's WinRM listener (default `HTTP/<address>`), " +
				"e.g. `HTTP/server1.corp.example.com` when `address` is an IP address.",
			Optional:   true,
			Validators: []validator.String{servicePrincipalName()},
		},
	}
}

func winrmAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"username": schema.StringAttribute{
			MarkdownDescription: "User to authenticate as (`user`, `DOMAIN\\user` or `user@domain`). Defaults to the `" + EnvWinRMUsername + "` environment variable.",
			Optional:            true,
		},
		"password": schema.StringAttribute{
			MarkdownDescription: "Password of `username`. Defaults to the `" + EnvWinRMPassword + "` environment variable. Never logged.",
			Optional:            true,
			Sensitive:           true,
		},
		"https": schema.BoolAttribute{
			MarkdownDescription: "Use HTTPS (default `true`). Plain HTTP sends NTLM-authenticated traffic unencrypted and needs `AllowUnencrypted` on the server.",
			Optional:            true,
		},
		"port": schema.Int64Attribute{
			MarkdownDescription: "WinRM port (default `5986` with HTTPS, `5985` without).",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		},
		"insecure": schema.BoolAttribute{
			MarkdownDescription: "Skip verification of the server certificate (default `false`). Use `ca_certificate` instead where possible.",
			Optional:            true,
		},
		"ca_certificate": schema.StringAttribute{
			MarkdownDescription: "PEM-encoded CA certificate that signed the servers' WinRM certificates.",
			Optional:            true,
			Validators:          []validator.String{pemCertificate()},
		},
		"tls_server_name": schema.StringAttribute{
			MarkdownDescription: "Name to verify in the server certificate when it differs from `address`.",
			Optional:            true,
		},
		"auth": schema.StringAttribute{
			MarkdownDescription: "Authentication scheme: `ntlm` (default), `kerberos` or `basic`. Kerberos needs the `kerberos` block and works where NTLM is disabled; " +
				"the provider does not encrypt Kerberos messages itself, so over plain HTTP the server must allow unencrypted traffic (`AllowUnencrypted`): use HTTPS. " +
				"Basic needs `Basic = true` in the WinRM service configuration and sends the password base64-encoded: only use it over HTTPS.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf("ntlm", "kerberos", "basic")},
		},
		"kerberos": kerberosAttribute(),
		"timeout": schema.StringAttribute{
			MarkdownDescription: "Time limit for one operation on a server, as a Go duration such as `60s` or `2m` (default `60s`).",
			Optional:            true,
			Validators:          []validator.String{duration()},
		},
		"transport": schema.StringAttribute{
			MarkdownDescription: "`persistent` (default): one PowerShell agent per server for the whole run, requests multiplexed onto it. " +
				"`per_request`: a new WinRM shell and PowerShell process for every request, as other Windows providers do; slower, kept as a fallback.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf("persistent", "per_request")},
		},
	}
}

func (p *winfsProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(cfg.validateCredentials(ctx)...)
	resp.Diagnostics.Append(cfg.validateKerberos()...)
	resp.Diagnostics.Append(cfg.validateDNS(ctx)...)
	resp.Diagnostics.Append(cfg.validateSAN()...)
}

func (p *winfsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	settings, diags := cfg.settings(ctx, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, s := range settings.servers {
		ctx = tflog.MaskMessageStrings(ctx, s.Password)
	}
	if settings.dns != nil && settings.dns.key != nil {
		ctx = tflog.MaskMessageStrings(ctx, settings.dns.key.Secret)
	}
	if settings.san != nil {
		ctx = tflog.MaskMessageStrings(ctx, settings.san.config.Password)
		if settings.san.privateKey != "" {
			ctx = tflog.MaskMessageStrings(ctx, settings.san.privateKey)
		}
	}
	tflog.Debug(ctx, "winfs provider configured", map[string]any{"servers": settings.names(), "transport": settings.transport})
	data := p.sessions.newProviderData(settings)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *winfsProvider) Resources(context.Context) []func() resource.Resource {
	return resourceFactories()
}

func (p *winfsProvider) ListResources(context.Context) []func() list.ListResource {
	return listResourceFactories()
}

func (p *winfsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewRegistryValueDataSource,
		NewSMBSharesDataSource,
		NewServerStatusDataSource,
		NewDFSRBacklogDataSource,
	}
}

// The framework interfaces the types serve, checked when compiling: every
// resource is configured, checks its plan and imports; some validate their
// configuration as a whole.
type fullResource interface {
	resource.ResourceWithConfigure
	resource.ResourceWithModifyPlan
	resource.ResourceWithImportState
}

var (
	_ = []fullResource{(*registryValueResource)(nil), (*dnsCNAMEResource)(nil), (*volumeMountResource)(nil), (*sanLunMappingResource)(nil),
		(*smbShareSetResource)(nil), (*aliasSPNResource)(nil), (*serviceResource)(nil), (*dfsNamespaceResource)(nil), (*dfsFolderResource)(nil),
		(*dfsrReplicationGroupResource)(nil), (*serviceAddressResource)(nil)}
	_ = []resource.ResourceWithValidateConfig{(*registryValueResource)(nil), (*dnsCNAMEResource)(nil), (*smbShareSetResource)(nil),
		(*serviceResource)(nil), (*dfsNamespaceResource)(nil), (*dfsFolderResource)(nil), (*dfsrReplicationGroupResource)(nil)}
	_ = []datasource.DataSourceWithConfigure{(*registryValueDataSource)(nil), (*smbSharesDataSource)(nil), (*serverStatusDataSource)(nil),
		(*dfsrBacklogDataSource)(nil)}
	_ = []datasource.DataSourceWithValidateConfig{(*serverStatusDataSource)(nil)}
)

// providerModel mirrors the provider schema.
type providerModel struct {
	Servers           types.Map    `tfsdk:"servers"`
	UnreachableDelete types.String `tfsdk:"unreachable_delete"`
	WinRM             *winrmModel  `tfsdk:"winrm"`
	DNS               *dnsModel    `tfsdk:"dns"`
	SAN               *sanModel    `tfsdk:"san"`
}

type sanModel struct {
	Address               types.String     `tfsdk:"address"`
	Transport             types.String     `tfsdk:"transport"`
	Vserver               types.String     `tfsdk:"vserver"`
	Username              types.String     `tfsdk:"username"`
	Password              types.String     `tfsdk:"password"`
	PrivateKey            types.String     `tfsdk:"private_key"`
	PrivateKeyFile        types.String     `tfsdk:"private_key_file"`
	HostKey               types.String     `tfsdk:"host_key"`
	KnownHostsFile        types.String     `tfsdk:"known_hosts_file"`
	InsecureIgnoreHostKey types.Bool       `tfsdk:"insecure_ignore_host_key"`
	Dialect               types.String     `tfsdk:"dialect"`
	Prompt                types.String     `tfsdk:"prompt"`
	Timeout               types.String     `tfsdk:"timeout"`
	Generic               *sanGenericModel `tfsdk:"generic"`
}

type sanGenericModel struct {
	MapCommand     types.String `tfsdk:"map_command"`
	UnmapCommand   types.String `tfsdk:"unmap_command"`
	ListCommand    types.String `tfsdk:"list_command"`
	ListPattern    types.String `tfsdk:"list_pattern"`
	SerialCommand  types.String `tfsdk:"serial_command"`
	SerialPattern  types.String `tfsdk:"serial_pattern"`
	SuccessPattern types.String `tfsdk:"success_pattern"`
	ErrorPattern   types.String `tfsdk:"error_pattern"`
}

type serverModel struct {
	Address       types.String `tfsdk:"address"`
	Port          types.Int64  `tfsdk:"port"`
	HTTPS         types.Bool   `tfsdk:"https"`
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	TLSServerName types.String `tfsdk:"tls_server_name"`
	SPN           types.String `tfsdk:"spn"`
}

type winrmModel struct {
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	HTTPS         types.Bool   `tfsdk:"https"`
	Port          types.Int64  `tfsdk:"port"`
	Insecure      types.Bool   `tfsdk:"insecure"`
	CACertificate types.String `tfsdk:"ca_certificate"`
	TLSServerName types.String `tfsdk:"tls_server_name"`
	Auth          types.String `tfsdk:"auth"`
	Kerberos      types.Object `tfsdk:"kerberos"` // kerberosModel; unknown while validating when set from a variable
	Timeout       types.String `tfsdk:"timeout"`
	Transport     types.String `tfsdk:"transport"`
}
