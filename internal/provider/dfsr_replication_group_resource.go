package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewDFSRReplicationGroupResource is the winfs_dfsr_replication_group factory.
func NewDFSRReplicationGroupResource() resource.Resource {
	return &dfsrReplicationGroupResource{dfsCRUD[dfsrReplicationGroupResourceModel, agent.DFSRGroupGetResult]{resourceBase{typeName: "_dfsr_replication_group"}, dfsrReplicationGroupObject}}
}

type dfsrReplicationGroupResource struct {
	dfsCRUD[dfsrReplicationGroupResourceModel, agent.DFSRGroupGetResult]
}

// dfsrReplicationGroupObject is a replication group, named by its name.
var dfsrReplicationGroupObject = dfsObject[dfsrReplicationGroupResourceModel, agent.DFSRGroupGetResult]{
	what: "replication group", keyAttr: "name", nothing: "replication group",
	ref:    func(m *dfsrReplicationGroupResourceModel) dfsRef { return dfsRef{&m.ID, &m.Server, &m.Name} },
	get:    (*windows.Client).DFSRGroupGet,
	exists: func(have agent.DFSRGroupGetResult) bool { return have.Exists },
	fill:   (*dfsrReplicationGroupResourceModel).fromServer,
	conflict: func(plan *dfsrReplicationGroupResourceModel, have agent.DFSRGroupGetResult) string {
		found := *plan
		found.fromServer(have)
		if dfsrSame(found, *plan) {
			return ""
		}
		return fmt.Sprintf("Replication group %s exists with other settings (members %v, topology %s, schedule %t).",
			plan.Name.ValueString(), have.Members, found.Topology.ValueString(), found.Schedule.ValueBool())
	},
	set: func(ctx context.Context, c *windows.Client, m *dfsrReplicationGroupResourceModel) error {
		return errorOf(c.DFSRGroupSet(ctx, agent.DFSRGroupSetParams{Name: m.Name.ValueString(), DFSRGroupSettings: m.settings()}))
	},
	remove: func(ctx context.Context, c *windows.Client, name string) error {
		return errorOf(c.DFSRGroupRemove(ctx, name))
	},
	importModel: dfsrImportModel,
	imported:    findHub,
}

// dfsrImportModel is the group "<server>:<name>" names, with the
// defaults a read keeps unless the server differs.
func dfsrImportModel(id string) (dfsrReplicationGroupResourceModel, error) {
	server, name, ok := strings.Cut(strings.TrimSpace(id), ":")
	if !ok || server == "" || !dfsrNamePattern.MatchString(name) {
		return dfsrReplicationGroupResourceModel{}, fmt.Errorf("import ID %q must be <server>:<group name>, e.g. server1:Files", id)
	}
	return dfsrReplicationGroupResourceModel{Server: types.StringValue(server), Name: types.StringValue(name), Topology: types.StringValue(topologyFullMesh), Hub: types.StringNull(), Schedule: types.BoolValue(true)}, nil
}

// findHub names the topology of an imported group whose connections are
// a hub connected to every other member.
func findHub(m *dfsrReplicationGroupResourceModel, have agent.DFSRGroupGetResult) {
	if m.Topology.ValueString() != topologyOther {
		return
	}
	for _, hub := range m.Members {
		h := dfsrReplicationGroupResourceModel{Members: m.Members, Topology: types.StringValue(topologyHubAndSpoke), Hub: types.StringValue(hub)}
		if slices.Equal(pairSet(have.Connections), pairSet(h.connections())) {
			m.Topology, m.Hub = h.Topology, h.Hub
		}
	}
}

type dfsrReplicationGroupResourceModel struct {
	ID       types.String               `tfsdk:"id"`
	Server   types.String               `tfsdk:"server"`
	Name     types.String               `tfsdk:"name"`
	Members  []string                   `tfsdk:"members"`
	Folders  map[string]dfsrFolderModel `tfsdk:"folders"`
	Topology types.String               `tfsdk:"topology"`
	Hub      types.String               `tfsdk:"hub"`
	Schedule types.Bool                 `tfsdk:"schedule"`
}

type dfsrFolderModel struct {
	ContentPaths map[string]string `tfsdk:"content_paths"`
}

// The topologies: every member with every other, or a hub with each spoke.
const (
	topologyFullMesh    = "full_mesh"
	topologyHubAndSpoke = "hub_and_spoke"
	// topologyOther is what a read finds when the connections are neither.
	topologyOther = "other"
)

var (
	dfsrNamePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$`)
	dfsrMemberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)
	// An absolute local path: a drive letter, a colon, a backslash, then
	// folder names without the characters Windows refuses.
	dfsrContentPath = regexp.MustCompile(`^[A-Za-z]:\\([^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*)?$`)
)

func (r *dfsrReplicationGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A DFS Replication group managed through the agent on `server` with the DFSR cmdlets: its members, " +
			"its replicated folders with each member's content path, full-mesh or hub-and-spoke connections, and whether its schedule " +
			"replicates. DFS Replication has no distributed locking: a file changed on two members before it replicates keeps the later change.",
		Attributes: map[string]schema.Attribute{
			"id":     idAttribute("`<server>:<name>`; also the import ID."),
			"server": resourceServerAttribute(" Changing it replaces the resource."),
			"name": replacingAttribute("The group's name (letters, digits, space, `.`, `_`, `-`). Changing it replaces the group.",
				stringvalidator.RegexMatches(dfsrNamePattern, "must be letters, digits, space, '.', '_' or '-'"), requiresReplaceUnlessEqualFold()),
			"members": schema.ListAttribute{
				MarkdownDescription: "The members' computer names, e.g. `[\"server1\", \"server2\"]`, each once.",
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(dfsrMemberPattern, "must be a computer name, e.g. server1"))},
			},
			"folders": schema.MapNestedAttribute{
				MarkdownDescription: "The replicated folders by name, each with the local folder every member replicates.",
				Required:            true,
				Validators:          []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.KeysAre(stringvalidator.RegexMatches(dfsrNamePattern, "must be letters, digits, space, '.', '_' or '-'"))},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"content_paths": schema.MapAttribute{
						MarkdownDescription: "Member name => absolute local path of its copy, e.g. `{ server1 = \"D:\\\\Finance\" }`.",
						ElementType:         types.StringType,
						Required:            true,
						Validators: []validator.Map{mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(dfsrContentPath,
							`must be an absolute local path such as D:\Finance`))},
					},
				}},
			},
			"topology": optionalString("`full_mesh` (default: every member replicates with every other) or `hub_and_spoke` (each member with `hub`).",
				topologyFullMesh, stringvalidator.OneOf(topologyFullMesh, topologyHubAndSpoke)),
			"hub": schema.StringAttribute{
				MarkdownDescription: "The hub member of `hub_and_spoke`.",
				Optional:            true,
			},
			"schedule": optionalBool("Replicate all week (`true`, default) or not at all (`false`).", true),
		},
	}
}

func (r *dfsrReplicationGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m dfsrReplicationGroupResourceModel
	if diags := req.Config.Get(ctx, &m); diags.HasError() {
		return // unknown values: checked again at apply
	}
	seen := map[string]bool{}
	for i, member := range m.Members {
		if seen[strings.ToUpper(member)] {
			resp.Diagnostics.AddAttributeError(path.Root("members").AtListIndex(i), "Member listed twice",
				fmt.Sprintf("members: %q is listed twice (computer names are compared without regard to case); list each member once.", member))
		}
		seen[strings.ToUpper(member)] = true
	}
	for name, f := range m.Folders {
		for member := range f.ContentPaths {
			if !seen[strings.ToUpper(member)] {
				resp.Diagnostics.AddAttributeError(path.Root("folders").AtMapKey(name).AtName("content_paths").AtMapKey(member), "Not a member",
					fmt.Sprintf("folders[%q].content_paths: %q is not in members %v.", name, member, m.Members))
			}
		}
	}
	hubAndSpoke := m.Topology.ValueString() == topologyHubAndSpoke
	switch {
	case hubAndSpoke && (m.Hub.IsNull() || !seen[strings.ToUpper(m.Hub.ValueString())]):
		resp.Diagnostics.AddAttributeError(path.Root("hub"), "Hub required", "topology = \"hub_and_spoke\" needs hub, one of members.")
	case !hubAndSpoke && !m.Hub.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("hub"), "Hub without hub_and_spoke", "hub is only for topology = \"hub_and_spoke\".")
	}
}

// connections is the topology as connection pairs, in a stable order.
func (m dfsrReplicationGroupResourceModel) connections() []agent.DFSRConnection {
	out := []agent.DFSRConnection{}
	if m.Topology.ValueString() == topologyHubAndSpoke {
		for _, member := range m.Members {
			if !strings.EqualFold(member, m.Hub.ValueString()) {
				out = append(out, agent.DFSRConnection{A: m.Hub.ValueString(), B: member})
			}
		}
		return out
	}
	for i, a := range m.Members {
		for _, b := range m.Members[i+1:] {
			out = append(out, agent.DFSRConnection{A: a, B: b})
		}
	}
	return out
}

func (m dfsrReplicationGroupResourceModel) settings() agent.DFSRGroupSettings {
	s := agent.DFSRGroupSettings{Members: append([]string{}, m.Members...), Folders: []agent.DFSRFolder{}, Connections: m.connections(), Schedule: m.Schedule.ValueBool()}
	names := make([]string, 0, len(m.Folders))
	for n := range m.Folders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := agent.DFSRFolder{Name: n, Memberships: []agent.DFSRMembership{}}
		for _, member := range m.Members {
			for k, p := range m.Folders[n].ContentPaths {
				if strings.EqualFold(k, member) {
					f.Memberships = append(f.Memberships, agent.DFSRMembership{Member: member, ContentPath: p})
				}
			}
		}
		s.Folders = append(s.Folders, f)
	}
	return s
}

func pairKey(a, b string) string {
	a, b = strings.ToUpper(a), strings.ToUpper(b)
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

func pairSet(cs []agent.DFSRConnection) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = pairKey(c.A, c.B)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// fromServer fills m from what the server holds, keeping m's spellings
// and order where they name the same things.
func (m *dfsrReplicationGroupResourceModel) fromServer(have agent.DFSRGroupGetResult) {
	members := spellAsFold(have.Members, m.Members)
	if !sameFoldSet(members, m.Members) {
		m.Members = members
	}
	folders := map[string]dfsrFolderModel{}
	for _, f := range have.Folders {
		name := f.Name
		for mine := range m.Folders {
			if strings.EqualFold(mine, f.Name) {
				name = mine
			}
		}
		paths := map[string]string{}
		for _, ms := range f.Memberships {
			key := ms.Member
			for mine := range m.Folders[name].ContentPaths {
				if strings.EqualFold(mine, ms.Member) {
					key = mine
				}
			}
			paths[key] = ms.ContentPath
		}
		folders[name] = dfsrFolderModel{ContentPaths: paths}
	}
	m.Folders = folders
	switch {
	case slices.Equal(pairSet(have.Connections), pairSet(m.connections())):
		// the declared topology
	case slices.Equal(pairSet(have.Connections), pairSet(dfsrReplicationGroupResourceModel{Members: m.Members, Topology: types.StringValue(topologyFullMesh)}.connections())):
		m.Topology, m.Hub = types.StringValue(topologyFullMesh), types.StringNull()
	default:
		m.Topology = types.StringValue(topologyOther)
	}
	switch have.HoursReplicated {
	case agent.DFSRHoursAlways:
		m.Schedule = types.BoolValue(true)
	case 0:
		m.Schedule = types.BoolValue(false)
	default: // a partial schedule made by hand: drift either way
		m.Schedule = types.BoolValue(!m.Schedule.ValueBool())
	}
}

func spellAsFold(server, mine []string) []string {
	out := make([]string, 0, len(server))
	for _, s := range server {
		name := s
		for _, m := range mine {
			if strings.EqualFold(m, s) {
				name = m
			}
		}
		out = append(out, name)
	}
	return out
}

func sameFoldSet(a, b []string) bool {
	fold := func(xs []string) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = strings.ToUpper(x)
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(fold(a), fold(b))
}

func dfsrSame(a, b dfsrReplicationGroupResourceModel) bool {
	if !sameFoldSet(a.Members, b.Members) || a.Topology.ValueString() != b.Topology.ValueString() || a.Schedule.ValueBool() != b.Schedule.ValueBool() || len(a.Folders) != len(b.Folders) {
		return false
	}
	for n, f := range b.Folders {
		g, ok := a.Folders[n]
		if !ok || len(g.ContentPaths) != len(f.ContentPaths) {
			return false
		}
		for k, v := range f.ContentPaths {
			if !strings.EqualFold(g.ContentPaths[k], v) {
				return false
			}
		}
	}
	return true
}
