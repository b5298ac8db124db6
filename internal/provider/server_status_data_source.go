package provider

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewServerStatusDataSource is the winfs_server_status data source factory.
func NewServerStatusDataSource() datasource.DataSource {
	return &serverStatusDataSource{dataSourceBase{typeName: "_server_status"}}
}

type serverStatusDataSource struct{ dataSourceBase }

type serverStatusDataSourceModel struct {
	ID                   types.String            `tfsdk:"id"`
	Server               types.String            `tfsdk:"server"`
	Alias                types.String            `tfsdk:"alias"`
	Zone                 types.String            `tfsdk:"zone"`
	Reachable            types.Bool              `tfsdk:"reachable"`
	ComputerName         types.String            `tfsdk:"computer_name"`
	ServerServiceRunning types.Bool              `tfsdk:"server_service_running"`
	Services             map[string]string       `tfsdk:"services"`
	MountedVolumes       []mountedVolumeModel    `tfsdk:"mounted_volumes"`
	Shares               []string                `tfsdk:"shares"`
	AliasTarget          types.String            `tfsdk:"alias_target"`
	ServesAlias          types.Bool              `tfsdk:"serves_alias"`
	Settings             map[string]settingModel `tfsdk:"settings"`
	SettingsInEffect     types.Bool              `tfsdk:"settings_in_effect"`
}

type settingModel struct {
	Service    types.String `tfsdk:"service"`
	Configured types.String `tfsdk:"configured"`
	InEffect   types.String `tfsdk:"in_effect"`
	Pending    types.String `tfsdk:"pending"`
}

type mountedVolumeModel struct {
	MountPoint types.String `tfsdk:"mount_point"`
	VolumeGUID types.String `tfsdk:"volume_guid"`
	DiskSerial types.String `tfsdk:"disk_serial"`
	Online     types.Bool   `tfsdk:"online"`
	ReadOnly   types.Bool   `tfsdk:"read_only"`
	Dirty      types.Bool   `tfsdk:"dirty"`
}

func (d *serverStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedBool := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	}
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reports whether a file server is ready to serve: reachable, the Server service running, its data volumes mounted, " +
			"its shares served and, with the provider's `dns` block, whether the alias clients use points at it. Made for `check` blocks and CI " +
			"(`terraform plan` reports a failed assertion as a warning). The server is read in one agent round trip. " +
			"A server that cannot be reached is not an error: `reachable` is then `false`, `server_service_running` and `serves_alias` " +
			"are `false` and the lists are empty, so that conditions can use them. Other failures (bad credentials, an untrusted certificate) are errors.",
		Attributes: map[string]schema.Attribute{
			"id":     computedString("The server's name, as in `server`."),
			"server": dataSourceServerAttribute(),
			"alias": schema.StringAttribute{
				MarkdownDescription: "The alias clients use, e.g. `files` (relative to `zone`) or `files.corp.example.com` (fully qualified; its zone is then " +
					"found by asking the DNS server). Needs the provider's `dns` block. Without it `alias_target` and `serves_alias` are null.",
				Optional:   true,
				Validators: []validator.String{domainName()},
			},
			"zone": schema.StringAttribute{
				MarkdownDescription: "The zone holding `alias`, e.g. `corp.example.com`; needed when `alias` is a single label.",
				Optional:            true,
				Validators:          []validator.String{domainName()},
			},
			"reachable":              computedBool("Whether the server answered over WinRM. `false` is not an error: the other server attributes are then `false`, empty or null."),
			"computer_name":          computedString("The computer name Windows reports (e.g. `SERVER1`); null when the server is unreachable."),
			"server_service_running": computedBool("Whether the Server service (LanmanServer), which serves every share, is running; `false` when the server is unreachable."),
			"services": schema.MapAttribute{
				MarkdownDescription: "The state of the file-server services a manual failover stops and starts, by service name (`LanmanServer`, `Netlogon`, `Browser`, `Dfs`): " +
					"`running`, `stopped`, `start_pending`, `stop_pending`, `continue_pending`, `pause_pending`, `paused`, or `not_found` when the service is not installed " +
					"(Computer Browser is absent from Windows Server 2019 on). Empty when the server is unreachable.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"mounted_volumes": schema.ListNestedAttribute{
				MarkdownDescription: "Every mount point of a data volume (disks holding the boot or system volume are left out), drive letters first. " +
					"A drive letter whose volume is not present (its disk offline or unmapped, the letter kept in MountedDevices) is listed with `online = false`: " +
					"clients cannot reach it. Empty when the server is unreachable.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"mount_point": computedString("A drive letter such as `X:` or a folder such as `C:\\Mounts\\Data`."),
					"volume_guid": computedString("This server's GUID of the volume, without braces; empty when it cannot be told."),
					"disk_serial": computedString("The serial number of the volume's disk (the LUN serial of the array); empty when the disk is gone."),
					"online":      computedBool("Whether the volume is present and its disk online, so that the mount point can be used."),
					"read_only":   computedBool("Whether the disk is read-only (under the SAN policy OfflineShared a disk the server has not seen before arrives offline and read-only; a known disk keeps its attributes)."),
					"dirty":       computedBool("Whether NTFS marks the volume dirty (chkdsk must run); only known while `online`."),
				}},
			},
			"shares": schema.ListAttribute{
				MarkdownDescription: "Names of the shares the server serves now: not administrative, their volume mounted, the Server service running. Sorted by name.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"settings": schema.MapNestedAttribute{
				MarkdownDescription: "The registry settings the alias hardening writes that a service reads only when it starts, by value name: " +
					"`DisableStrictNameChecking` and `OptionalNames` (read by the Server service when it starts) and `CacheTimeout` (read by NetBT at boot). " +
					"A value written while the service runs is configured but not in effect: clients still get the old behaviour (for strict name checking, " +
					"\"A duplicate name exists on the network\" through the alias) until the restart. Empty when the server is unreachable.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"service":    computedString("The service that reads it: `LanmanServer` or `NetBT`."),
					"configured": computedString("The registry value now (a number in decimal, or the strings of a multi-string value one per line); null when absent."),
					"in_effect": computedString("The value the service read when it started, as `configured`; null when absent (the service's default applies) " +
						"or when a restart is pending (a service does not publish what it read)."),
					"pending": computedString("`restart` (restart the service, e.g. with `winfs_service` and `restart_triggers`), `reboot` (NetBT reads it only at boot), " +
						"or empty when the value in the registry is the one in effect."),
				}},
			},
			"settings_in_effect": computedBool("Whether every one of `settings` is in effect (no restart or reboot pending); `false` when the server is unreachable."),
			"alias_target": computedString("What `alias` points at now (a fully qualified name in lower case with the trailing dot), read from the provider's DNS backend: " +
				"a non-recursive query to `dns.server` (`rfc2136`) or the DNS Server role of `dns.windows_server` (`windows`). Null when `alias` is not set or is no CNAME, " +
				"or when the Windows DNS server cannot be reached (with a warning)."),
			"serves_alias": computedBool("Whether `alias_target` is this server: `<server>.<zone>`, the server's `address` when that is a DNS name, or a name whose " +
				"first label is the server's computer name. `false` when the alias points elsewhere or cannot be read; null when `alias` is not set. " +
				"It is a DNS fact: combine it with `reachable` to tell whether clients of the alias are served."),
		},
	}
}

func (d *serverStatusDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m serverStatusDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Alias.IsUnknown() || m.Zone.IsUnknown() {
		return
	}
	switch {
	case m.Alias.IsNull() && !m.Zone.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("zone"), "zone needs alias", "zone only says where alias is; set alias too, or leave zone out.")
	case !m.Alias.IsNull() && m.Zone.IsNull() && !strings.Contains(strings.TrimSuffix(m.Alias.ValueString(), "."), "."):
		resp.Diagnostics.AddAttributeError(path.Root("alias"), "Missing zone",
			fmt.Sprintf("alias %q is a single label: set zone (e.g. zone = \"corp.example.com\") or give the fully qualified name.", m.Alias.ValueString()))
	}
}

func (d *serverStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m serverStatusDataSourceModel
	client := d.open(ctx, req.Config, &m, &m.Server, &resp.Diagnostics)
	if client == nil {
		return
	}
	server := m.Server.ValueString()
	m.ID = types.StringValue(server)
	m.Reachable, m.ServerServiceRunning, m.ComputerName = types.BoolValue(false), types.BoolValue(false), types.StringNull()
	m.Services, m.MountedVolumes, m.Shares = map[string]string{}, []mountedVolumeModel{}, []string{}
	m.Settings, m.SettingsInEffect = map[string]settingModel{}, types.BoolValue(false)
	st, err := client.ServerStatus(ctx, agent.FileServerServices)
	switch {
	case err == nil:
		m.setStatus(st)
	case windows.IsUnreachable(err):
		// Not an error: a check block asserts on reachable instead.
		tflog.Info(ctx, "server unreachable; reporting reachable = false", map[string]any{"server": server, "error": err.Error()})
	default:
		resp.Diagnostics.AddError("Cannot read server status", fmt.Sprintf("Reading the status of %s: %v", server, err))
		return
	}
	m.AliasTarget, m.ServesAlias = types.StringNull(), types.BoolNull()
	if !m.Alias.IsNull() {
		d.readAlias(ctx, &m, st.ComputerName, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	tflog.Debug(ctx, "server status read", map[string]any{"server": server, "reachable": m.Reachable.ValueBool(),
		"volumes": len(m.MountedVolumes), "shares": len(m.Shares), "alias_target": m.AliasTarget.ValueString()})
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (m *serverStatusDataSourceModel) setStatus(st agent.ServerStatusResult) {
	m.Reachable = types.BoolValue(true)
	m.ComputerName = types.StringValue(st.ComputerName)
	for _, s := range st.Services {
		m.Services[s.Name] = s.State
		if strings.EqualFold(s.Name, agent.ServerServiceName) {
			m.ServerServiceRunning = types.BoolValue(s.State == agent.ServiceRunning)
		}
	}
	for _, v := range st.Volumes {
		m.MountedVolumes = append(m.MountedVolumes, mountedVolumeModel{
			MountPoint: types.StringValue(v.MountPoint), VolumeGUID: types.StringValue(v.VolumeGUID), DiskSerial: types.StringValue(v.DiskSerial),
			Online: types.BoolValue(v.Online), ReadOnly: types.BoolValue(v.ReadOnly), Dirty: types.BoolValue(v.Dirty),
		})
	}
	for _, s := range st.Shares {
		if s.Available {
			m.Shares = append(m.Shares, s.Name)
		}
	}
	m.SettingsInEffect = types.BoolValue(true)
	for _, s := range st.Settings {
		m.Settings[s.Name] = settingModel{Service: types.StringValue(s.Service), Configured: registryText(s.Configured),
			InEffect: registryText(s.InEffect), Pending: types.StringValue(s.Pending)}
		if s.Pending != agent.PendingNone {
			m.SettingsInEffect = types.BoolValue(false)
		}
	}
}

// registryText is a watched value as text: a DWORD in decimal, strings one
// per line; null when absent.
func registryText(v *agent.RegistryValue) types.String {
	switch {
	case v == nil:
		return types.StringNull()
	case v.Type == agent.RegMultiSZ:
		return types.StringValue(strings.Join(v.Strings, "\n"))
	case v.Type == agent.RegDWord:
		if n, err := strconv.ParseUint(v.Data, 0, 32); err == nil {
			return types.StringValue(strconv.FormatUint(n, 10))
		}
	}
	return types.StringValue(v.Data)
}

// readAlias resolves the alias through the provider's DNS backend. The DNS
// answer does not depend on the server being up, so it is read even when the
// server is unreachable: "the alias points at a dead server" is what a crash
// check needs to see.
func (d *serverStatusDataSource) readAlias(ctx context.Context, m *serverStatusDataSourceModel, computerName string, diags *diag.Diagnostics) {
	b, err := d.data.dnsBackend(ctx)
	if err != nil {
		diags.AddAttributeError(path.Root("alias"), "DNS backend unavailable", "alias is read through the provider's DNS backend: "+err.Error())
		return
	}
	var owner, zone string
	if m.Zone.IsNull() {
		owner = dnsupdate.Canonical(m.Alias.ValueString())
		zone, err = b.findZone(ctx, owner)
	} else {
		zone = dnsupdate.Canonical(m.Zone.ValueString())
		owner = dnsupdate.Absolute(m.Alias.ValueString(), zone)
	}
	var node dnsupdate.Node
	if err == nil {
		node, err = b.read(ctx, zone, owner)
	}
	switch {
	case err != nil && windows.IsUnreachable(err):
		m.ServesAlias = types.BoolValue(false)
		diags.AddWarning("Alias not read", fmt.Sprintf("%s could not be reached, so where %s points is not known: alias_target is null and serves_alias false.\n\nCause: %v",
			b.describe(), owner, err))
		return
	case err != nil:
		diags.AddError("Cannot read the alias", fmt.Sprintf("Reading %s from %s: %v", owner, b.describe(), err))
		return
	}
	m.ServesAlias = types.BoolValue(false)
	if node.CNAME == nil {
		tflog.Debug(ctx, "alias has no CNAME", map[string]any{"alias": owner, "other_types": node.OtherTypes})
		return
	}
	m.AliasTarget = types.StringValue(node.CNAME.Target)
	server := m.Server.ValueString()
	m.ServesAlias = types.BoolValue(aliasNamesServer(node.CNAME.Target, server, d.data.settings.servers[server].Host, zone, computerName))
}

// aliasNamesServer says whether an alias target names this server:
// <server>.<zone>, its address when that is a DNS name, or a name whose first
// label is its computer name (as a CNAME to server1.ad.corp.example.com. is).
func aliasNamesServer(target, server, address, zone, computerName string) bool {
	target = dnsupdate.Canonical(target)
	if target == dnsupdate.Absolute(server, zone) {
		return true
	}
	if address != "" && net.ParseIP(address) == nil && target == dnsupdate.Canonical(address) {
		return true
	}
	first, _, _ := strings.Cut(target, ".")
	return computerName != "" && strings.EqualFold(first, computerName)
}
