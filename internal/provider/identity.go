package provider

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
)

// Resource identity (Terraform 1.12+, OpenTofu): every managed resource
// names the object it manages with a few of its own attributes, so that
// `import { identity = {...} }` and `terraform query` work. The identity is
// read from the resource's state after each create, read, update and
// import, by one wrapper around the resource, and an import by identity is
// turned into the resource's own import ID: the import code stays one.

// identityAttr is one attribute of an identity: a state attribute of the
// same name, a string or (list) a set of strings, kept sorted.
type identityAttr struct {
	name, description string
	list              bool
	// normal is the form the resource compares the value in (nil: as is),
	// so that two spellings of one object have one identity.
	normal func(string) string
}

// identity describes the identity of one resource type.
type identity struct {
	attrs []identityAttr
	// importID is the resource's import ID with each attribute as {name}
	// (a list joined by commas).
	importID string
	// mutable: the identity follows in-place changes (an alias's SPNs move
	// between servers and are added to in place).
	mutable bool
}

// managedResource is a resource with its identity and, for the kinds an
// estate built by hand holds, its list resource.
type managedResource struct {
	factory  func() resource.Resource
	identity identity
	list     *listKind
}

func (m managedResource) resource() *withIdentity {
	return &withIdentity{Resource: m.factory(), identity: m.identity}
}

// managedResources is every resource.
var managedResources = []managedResource{
	{NewRegistryValueResource, onServer(`{server}:{path}\\{name}`,
		identityAttr{name: "path", description: "The key path in normal form, e.g. `HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters`.", normal: registryPathNormal},
		identityAttr{name: "name", description: "The value name; empty for the key's default value."}), registryValueList},
	{NewDNSCNAMEResource, identity{importID: "{name}.{zone}", attrs: []identityAttr{
		{name: "zone", description: "The zone, lower case with the trailing dot, e.g. `corp.example.com.`.", normal: dnsupdate.Canonical},
		{name: "name", description: "The alias's name relative to the zone, lower case, e.g. `files`.", normal: strings.ToLower},
	}}, cnameList},
	{NewVolumeMountResource, onServer("{server}/{mount_point}", identityAttr{name: "mount_point", description: "The mount point, e.g. `X:` or `C:\\Mounts\\Data`."}), volumeMountList},
	{NewSANLunMappingResource, identity{importID: "{lun}:{igroup}", attrs: []identityAttr{
		{name: "lun", description: "The LUN's path on the array, e.g. `/vol/vol1/files_x`."},
		{name: "igroup", description: "The initiator group the LUN is mapped to, e.g. `server1`."},
	}}, lunMappingList},
	{NewSMBShareSetResource, onServer("{server}:{scope}",
		identityAttr{name: "scope", list: true, description: "The roots the set is authoritative under, sorted, e.g. `[\"X:\\\\\", \"Y:\\\\\"]`."}), shareSetList},
	{NewAliasSPNResource, mutable(onServer("{server}:{spns}",
		identityAttr{name: "spns", list: true, description: "The service principal names, sorted, e.g. `[\"HOST/files\", \"HOST/files.corp.example.com\"]`."})), nil},
	{NewServiceResource, onServer("{server}/{name}", identityAttr{name: "name", description: "The service name, e.g. `LanmanServer`."}), nil},
	{NewDFSNamespaceResource, onServer("{server}:{path}", identityAttr{name: "path", description: "The namespace path, e.g. `\\\\corp.example.com\\files`."}), nil},
	{NewDFSFolderResource, onServer("{server}:{path}", identityAttr{name: "path", description: "The folder path, e.g. `\\\\corp.example.com\\files\\Finance`."}), nil},
	{NewDFSRReplicationGroupResource, onServer("{server}:{name}", identityAttr{name: "name", description: "The replication group name."}), nil},
	// The server is not part of it: the address moves between servers.
	{NewServiceAddressResource, identity{importID: "{address}", attrs: []identityAttr{
		{name: "address", description: "The service address, e.g. `192.168.0.50`."},
	}}, nil},
}

// onServer is the identity of an object on one of the provider's servers.
func onServer(importID string, attrs ...identityAttr) identity {
	return identity{importID: importID, attrs: append([]identityAttr{{name: "server", description: serverAttributeDescription}}, attrs...)}
}

func mutable(id identity) identity {
	id.mutable = true
	return id
}

// registryPathNormal is a key path in the form the resource's ID uses.
func registryPathNormal(s string) string {
	if p, err := regpath.Parse(s); err == nil {
		return p.String()
	}
	return s
}

func (id identity) schema() identityschema.Schema {
	attrs := map[string]identityschema.Attribute{}
	for _, a := range id.attrs {
		if a.list {
			attrs[a.name] = identityschema.ListAttribute{ElementType: types.StringType, RequiredForImport: true, Description: a.description}
		} else {
			attrs[a.name] = identityschema.StringAttribute{RequiredForImport: true, Description: a.description}
		}
	}
	return identityschema.Schema{Attributes: attrs}
}

// attrGetter is what state, plan and identity offer to read one attribute.
type attrGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// values reads the identity's attributes from src (a state, or an
// identity), normalized, lists sorted.
func (id identity) values(ctx context.Context, src attrGetter, diags *diag.Diagnostics) map[string][]string {
	out := map[string][]string{}
	for _, a := range id.attrs {
		var vs []string
		if a.list {
			var l []string
			diags.Append(src.GetAttribute(ctx, path.Root(a.name), &l)...)
			vs = l
		} else {
			var s types.String
			diags.Append(src.GetAttribute(ctx, path.Root(a.name), &s)...)
			vs = []string{s.ValueString()}
		}
		for i, v := range vs {
			if a.normal != nil {
				vs[i] = a.normal(v)
			}
		}
		if a.list {
			sort.Strings(vs)
		}
		out[a.name] = vs
	}
	return out
}

// raw is the identity object of values.
func (id identity) raw(ctx context.Context, values map[string][]string) tftypes.Value {
	obj := map[string]tftypes.Value{}
	for _, a := range id.attrs {
		if !a.list {
			obj[a.name] = tftypes.NewValue(tftypes.String, values[a.name][0])
			continue
		}
		elems := []tftypes.Value{}
		for _, v := range values[a.name] {
			elems = append(elems, tftypes.NewValue(tftypes.String, v))
		}
		obj[a.name] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
	}
	return tftypes.NewValue(id.schema().Type().TerraformType(ctx), obj)
}

// fromState sets dst to the identity of the object in st.
func (id identity) fromState(ctx context.Context, st tfsdk.State, dst *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if dst == nil || st.Raw.IsNull() {
		return
	}
	values := id.values(ctx, st, diags)
	if !diags.HasError() {
		dst.Raw = id.raw(ctx, values)
	}
}

// toImportID is the import ID named by an identity.
func (id identity) toImportID(values map[string][]string) string {
	var pairs []string
	for _, a := range id.attrs {
		pairs = append(pairs, "{"+a.name+"}", strings.Join(values[a.name], ","))
	}
	return strings.NewReplacer(pairs...).Replace(id.importID)
}

// withIdentity is a resource with its identity: it delegates everything
// to the resource and sets the identity from the state the resource left.
type withIdentity struct {
	resource.Resource
	identity identity
}

// withIdentity offers every interface a resource here may implement.
var _ interface {
	resource.ResourceWithIdentity
	resource.ResourceWithConfigure
	resource.ResourceWithImportState
	resource.ResourceWithModifyPlan
	resource.ResourceWithValidateConfig
} = (*withIdentity)(nil)

func (r *withIdentity) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.Resource.Metadata(ctx, req, resp)
	resp.ResourceBehavior.MutableIdentity = r.identity.mutable
}

func (r *withIdentity) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity.schema()
}

func (r *withIdentity) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c, ok := r.Resource.(resource.ResourceWithConfigure); ok {
		c.Configure(ctx, req, resp)
	}
}

func (r *withIdentity) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if m, ok := r.Resource.(resource.ResourceWithModifyPlan); ok {
		m.ModifyPlan(ctx, req, resp)
	}
}

func (r *withIdentity) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if v, ok := r.Resource.(resource.ResourceWithValidateConfig); ok {
		v.ValidateConfig(ctx, req, resp)
	}
}

func (r *withIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.Resource.Create(ctx, req, resp)
	r.identity.fromState(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Read keeps a known identity (the framework refuses a changed one) and
// fills a missing one: state written before identities, or by a client
// that does not keep them.
func (r *withIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.Resource.Read(ctx, req, resp)
	if resp.Identity == nil || (!r.identity.mutable && !resp.Identity.Raw.IsNull()) {
		return
	}
	st := resp.State
	if st.Raw.IsNull() { // gone: the identity of what was there
		st = req.State
	}
	r.identity.fromState(ctx, st, resp.Identity, &resp.Diagnostics)
}

// Update keeps the planned identity: an in-place change is to the same
// object (the identity attributes replace it, or are spellings of the same
// name). OpenTofu plans none: it is then read from the new state.
func (r *withIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.Resource.Update(ctx, req, resp)
	if resp.Identity == nil || (!r.identity.mutable && !resp.Identity.Raw.IsNull()) {
		return
	}
	r.identity.fromState(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// ImportState imports by ID, or by identity through the import ID the
// identity names.
func (r *withIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		values := r.identity.values(ctx, req.Identity, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		req.ID = r.identity.toImportID(values)
	}
	r.Resource.(resource.ResourceWithImportState).ImportState(ctx, req, resp)
	if !resp.Diagnostics.HasError() {
		r.identity.fromState(ctx, resp.State, resp.Identity, &resp.Diagnostics)
	}
}

// resourceFactories is every resource, with its identity.
func resourceFactories() []func() resource.Resource {
	var out []func() resource.Resource
	for _, m := range managedResources {
		out = append(out, func() resource.Resource { return m.resource() })
	}
	return out
}
