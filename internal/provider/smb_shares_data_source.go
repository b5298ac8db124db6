package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// NewSMBSharesDataSource is the winfs_smb_shares data source factory.
func NewSMBSharesDataSource() datasource.DataSource {
	return &smbSharesDataSource{dataSourceBase{typeName: "_smb_shares"}}
}

type smbSharesDataSource struct{ dataSourceBase }

func computedAccess(name string) schema.SetAttribute {
	return schema.SetAttribute{MarkdownDescription: shareDocs[name], ElementType: types.StringType, Computed: true}
}

func (d *smbSharesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the SMB shares a server serves under a set of path roots, in the shape `winfs_smb_share_set` takes, " +
			"so that `shares = data.winfs_smb_shares.primary.shares` copies a server's shares to another, as a scheduled copy of the " +
			"`LanmanServer\\Shares` registry key would. Administrative shares, shares outside the scope and shares whose volume is not mounted are left out.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<server>:<root>,<root>...`, as for the resource.",
				Computed:            true,
			},
			"server": dataSourceServerAttribute(),
			"scope": schema.SetAttribute{
				MarkdownDescription: shareDocs["scope"],
				ElementType:         types.StringType,
				Required:            true,
				Validators:          []validator.Set{setvalidator.SizeAtLeast(1)},
			},
			"shares": schema.MapNestedAttribute{
				MarkdownDescription: "The shares under `scope`, keyed by share name as the server spells it.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"path":                     schema.StringAttribute{MarkdownDescription: shareDocs["path"], Computed: true},
					"description":              schema.StringAttribute{MarkdownDescription: shareDocs["description"], Computed: true},
					"full_access":              computedAccess("full_access"),
					"change_access":            computedAccess("change_access"),
					"read_access":              computedAccess("read_access"),
					"no_access":                computedAccess("no_access"),
					"caching_mode":             schema.StringAttribute{MarkdownDescription: shareDocs["caching_mode"], Computed: true},
					"access_based_enumeration": schema.BoolAttribute{MarkdownDescription: shareDocs["access_based_enumeration"], Computed: true},
					"concurrent_user_limit":    schema.Int64Attribute{MarkdownDescription: shareDocs["concurrent_user_limit"], Computed: true},
					"encrypt_data":             schema.BoolAttribute{MarkdownDescription: shareDocs["encrypt_data"], Computed: true},
				}},
			},
		},
	}
}

func (d *smbSharesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m smbShareSetResourceModel
	o, ok := d.openShareSet(ctx, req.Config, &m, shareSetStart{cached: true}, &resp.Diagnostics)
	if !ok {
		return
	}
	t, list := o.t, o.list
	tflog.Debug(ctx, "shares read", map[string]any{"server": t.server, "scope": strings.Join(t.scope, ","), "count": len(list.Shares)})
	m.ID = types.StringValue(t.id())
	m.Shares = hostSharesModel(ctx, list.Shares, nil, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
