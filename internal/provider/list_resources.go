package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
	"github.com/winfs/terraform-provider-winfs/internal/regvalue"
	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// List resources (Terraform 1.14, `terraform query`): one per kind of
// object an estate built by hand holds. A kind only says how to find the
// import IDs of its objects; each object is then imported and read by the
// resource itself, so a listed object is exactly what `terraform import`
// of its ID gives, and the configuration generated from it plans empty.

// listKind is a resource `terraform query` can list.
type listKind struct {
	description string
	// config is the list block's `config`: every attribute a string.
	config map[string]listschema.Attribute
	// importIDs lists the import IDs of the objects cfg names, sorted.
	importIDs func(ctx context.Context, d *providerData, cfg listConfig) ([]string, error)
}

// listConfig reads the list block's string attributes.
type listConfig struct {
	ctx   context.Context
	cfg   tfsdk.Config
	diags *diag.Diagnostics
}

func (c listConfig) get(name string) string {
	var s types.String
	c.diags.Append(c.cfg.GetAttribute(c.ctx, path.Root(name), &s)...)
	return s.ValueString()
}

// requiredString is a list block attribute, checked by the validators of
// the resource attribute it stands for.
func requiredString(description string, validators ...validator.String) listschema.StringAttribute {
	return listschema.StringAttribute{MarkdownDescription: description, Required: true, Validators: validators}
}

var listServer = requiredString(serverAttributeDescription)

var (
	registryValueList = &listKind{
		description: "Lists the values of one registry key on a server (not its subkeys).",
		config: map[string]listschema.Attribute{
			"server": listServer,
			"path":   requiredString("The key path, e.g. `HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters`.", registryPath()),
		},
		importIDs: registryValueIDs,
	}
	lunMappingList = &listKind{
		description: "Lists the LUN mappings of one initiator group on the array.",
		config:      map[string]listschema.Attribute{"igroup": requiredString("The initiator group, e.g. `server1`.", sanName("initiator group", true))},
		importIDs:   lunMappingIDs,
	}
	volumeMountList = &listKind{
		description: "Lists the mount points of a server's data volumes (disks holding the boot or system volume left out).",
		config:      map[string]listschema.Attribute{"server": listServer},
		importIDs:   volumeMountIDs,
	}
	shareSetList = &listKind{
		description: "Lists one share set per data volume of a server that holds shares, scoped to the volume's mount point " +
			"(disks holding the boot or system volume left out).",
		config:    map[string]listschema.Attribute{"server": listServer},
		importIDs: shareSetIDs,
	}
	cnameList = &listKind{
		description: "Lists the aliases (CNAME records) of one zone, read by a zone transfer (AXFR) signed with the provider's TSIG key.",
		config:      map[string]listschema.Attribute{"zone": requiredString("The zone, e.g. `corp.example.com`.", domainName())},
		importIDs:   cnameIDs,
	}
)

func registryValueIDs(ctx context.Context, d *providerData, cfg listConfig) ([]string, error) {
	server, key := cfg.get("server"), cfg.get("path")
	p, err := regpath.Parse(key)
	if err != nil {
		return nil, err
	}
	c, err := d.host(ctx, server)
	if err != nil {
		return nil, err
	}
	res, err := c.RegistryList(ctx, registryTarget{key: p}.ref())
	if err != nil {
		return nil, err
	}
	var ids []string
	for name, v := range res.Values {
		if regvalue.TypeName(v.Type) != "none" { // a type the resource does not manage
			ids = append(ids, registryTarget{server: server, key: p, name: name}.id())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func lunMappingIDs(ctx context.Context, d *providerData, cfg listConfig) ([]string, error) {
	igroup := cfg.get("igroup")
	c, err := d.sanClient()
	var all []san.Mapping
	if err == nil {
		all, err = c.Mappings(ctx)
	}
	var ids []string
	for _, m := range all {
		if m.IGroup == igroup { // the array's names compare exactly
			ids = append(ids, mappingID(m.LUN, m.IGroup))
		}
	}
	sort.Strings(ids)
	return ids, err
}

// dataMountPoints are the mount points of the server's online data volumes.
func dataMountPoints(ctx context.Context, d *providerData, server string) ([]string, error) {
	c, err := d.host(ctx, server)
	if err != nil {
		return nil, err
	}
	st, err := c.ServerStatus(ctx, []string{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range st.Volumes {
		if v.Online {
			out = append(out, v.MountPoint)
		}
	}
	return out, nil
}

func volumeMountIDs(ctx context.Context, d *providerData, cfg listConfig) ([]string, error) {
	server := cfg.get("server")
	mps, err := dataMountPoints(ctx, d, server)
	var ids []string
	for _, mp := range mps {
		ids = append(ids, mountID(server, mp))
	}
	return ids, err
}

func shareSetIDs(ctx context.Context, d *providerData, cfg listConfig) ([]string, error) {
	server := cfg.get("server")
	mps, err := dataMountPoints(ctx, d, server)
	if err != nil {
		return nil, err
	}
	c, err := d.host(ctx, server)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, mp := range mps {
		root := strings.TrimSuffix(mp, `\`) + `\`
		res, err := c.ShareList(ctx, []string{root})
		if err != nil {
			return nil, err
		}
		for _, s := range res.Shares {
			if !s.Special {
				ids = append(ids, smbShareSetTarget{server: server, scope: []string{root}}.id())
				break
			}
		}
	}
	return ids, nil
}

func cnameIDs(ctx context.Context, d *providerData, cfg listConfig) ([]string, error) {
	b, err := d.dnsBackend(ctx)
	if err != nil {
		return nil, err
	}
	owners, err := b.list(ctx, dnsupdate.Canonical(cfg.get("zone")))
	sort.Strings(owners)
	return owners, err
}

// listResource is the list resource of one kind.
type listResource struct {
	managed managedResource
	data    *providerData
}

var _ list.ListResourceWithConfigure = (*listResource)(nil)

// listResourceFactories is every list resource.
func listResourceFactories() []func() list.ListResource {
	var out []func() list.ListResource
	for _, m := range managedResources {
		if m.list != nil {
			out = append(out, func() list.ListResource { return &listResource{managed: m} })
		}
	}
	return out
}

func (l *listResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	l.managed.factory().Metadata(ctx, req, resp)
}

func (l *listResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{MarkdownDescription: l.managed.list.description, Attributes: l.managed.list.config}
}

func (l *listResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// resource is the kind's resource with its identity, configured.
func (l *listResource) resource(ctx context.Context) (*withIdentity, diag.Diagnostics) {
	r := l.managed.resource()
	var resp resource.ConfigureResponse
	r.Configure(ctx, resource.ConfigureRequest{ProviderData: l.data}, &resp)
	return r, resp.Diagnostics
}

func (l *listResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if l.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured to list objects.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	ids, err := l.managed.list.importIDs(ctx, l.data, listConfig{ctx: ctx, cfg: req.Config, diags: &diags})
	if err != nil {
		diags.AddError("Cannot list objects", err.Error())
	}
	r, d := l.resource(ctx)
	diags.Append(d...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, id := range ids {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(l.result(ctx, r, req, id)) {
				return
			}
		}
	}
}

// result imports the object of id as `terraform import` would, and reads
// it when the resource itself is asked for.
func (l *listResource) result(ctx context.Context, r *withIdentity, req list.ListRequest, id string) list.ListResult {
	res := req.NewListResult(ctx)
	res.DisplayName = id
	empty := tfsdk.State{Schema: req.ResourceSchema, Raw: tftypes.NewValue(req.ResourceSchema.Type().TerraformType(ctx), nil)}
	imported := resource.ImportStateResponse{State: empty, Identity: res.Identity}
	r.ImportState(ctx, resource.ImportStateRequest{ID: id}, &imported)
	res.Diagnostics.Append(imported.Diagnostics...)
	if res.Diagnostics.HasError() {
		res.Diagnostics = prefixed(res.Diagnostics, id)
		return res
	}
	if !req.IncludeResource {
		res.Resource = nil
		return res
	}
	read := resource.ReadResponse{State: imported.State, Identity: imported.Identity}
	r.Read(ctx, resource.ReadRequest{State: imported.State, Identity: imported.Identity}, &read)
	res.Diagnostics.Append(read.Diagnostics...)
	if read.State.Raw.IsNull() && !res.Diagnostics.HasError() {
		res.Diagnostics.AddError("Object gone", fmt.Sprintf("%s disappeared while it was listed.", id))
	}
	res.Diagnostics = prefixed(res.Diagnostics, id)
	res.Resource.Raw = read.State.Raw
	return res
}

// prefixed names the listed object in each diagnostic's summary.
func prefixed(diags diag.Diagnostics, id string) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range diags {
		summary := d.Summary() + " (" + id + ")"
		if d.Severity() == diag.SeverityError {
			out.AddError(summary, d.Detail())
		} else {
			out.AddWarning(summary, d.Detail())
		}
	}
	return out
}
