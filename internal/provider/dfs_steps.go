package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// The DFS resources (namespace, folder, replication group) manage one
// object each, named by a key on one server, with the same life: a create
// that adopts the object when it is exactly as declared and refuses it
// otherwise, a read that forgets it when it is gone, an update that sets
// it as declared, a delete that removes it, an import by read. dfsObject
// says what differs; dfsCRUD is the rest, once.

// dfsRef points at the model's ID, `server` and key attributes.
type dfsRef struct{ id, server, key *types.String }

// dfsObject is what one DFS resource says about its object; H is what the
// agent's get returns.
type dfsObject[M, H any] struct {
	what    string // in messages and logs: "namespace", "folder", "replication group"
	keyAttr string // the attribute naming the object: "path" or "name"
	ref     func(m *M) dfsRef
	get     func(c *windows.Client, ctx context.Context, key string) (H, error) // a client method
	exists  func(have H) bool
	// fill records in m what the server has, keeping m's spellings.
	fill func(m *M, have H)
	// conflict says how an existing object differs from plan, "" when it
	// is as declared (then it is adopted).
	conflict func(plan *M, have H) string
	set      func(ctx context.Context, c *windows.Client, m *M) error
	remove   func(ctx context.Context, c *windows.Client, key string) error
	// importModel is the model an import ID names; imported (optional)
	// completes it from what the server has, where a read keeps the plan.
	importModel func(id string) (M, error)
	imported    func(m *M, have H)
	nothing     string // "There is no <nothing> ..." when an import finds none
}

// dfsCRUD is the Create, Read, Update, Delete, ImportState and ModifyPlan
// of a DFS resource; the resource adds its Schema and ValidateConfig.
type dfsCRUD[M, H any] struct {
	resourceBase
	obj dfsObject[M, H]
}

func (r *dfsCRUD[M, H]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkPlannedServer(ctx, req.Plan, &resp.Diagnostics)
}

// start reads m from src and returns the client of its server and m's
// attributes; the client is nil after an error.
func (r *dfsCRUD[M, H]) start(ctx context.Context, src modelSource, m *M, diags *diag.Diagnostics) (*windows.Client, dfsRef) {
	ref := r.obj.ref(m)
	return r.open(ctx, src, m, ref.server, diags), ref
}

// get reads the object m names; ok is false after an error.
func (r *dfsCRUD[M, H]) get(ctx context.Context, c *windows.Client, ref dfsRef, diags *diag.Diagnostics) (have H, exists, ok bool) {
	have, err := r.obj.get(c, ctx, ref.key.ValueString())
	if err != nil {
		diags.AddError("Cannot read the "+r.obj.what, fmt.Sprintf("Reading %s through %s: %v", ref.key.ValueString(), ref.server.ValueString(), err))
		return have, false, false
	}
	return have, r.obj.exists(have), true
}

// setID sets the ID, `<server>:<key>`.
func (r *dfsCRUD[M, H]) setID(ref dfsRef) {
	*ref.id = types.StringValue(ref.server.ValueString() + ":" + ref.key.ValueString())
}

// save sets m's ID and stores m.
func (r *dfsCRUD[M, H]) save(ctx context.Context, m *M, state *tfsdk.State, diags *diag.Diagnostics) {
	r.setID(r.obj.ref(m))
	diags.Append(state.Set(ctx, m)...)
}

// write sets the object as m declares; verb says why ("create", "update").
func (r *dfsCRUD[M, H]) write(ctx context.Context, c *windows.Client, m *M, verb string, diags *diag.Diagnostics) bool {
	ref := r.obj.ref(m)
	tflog.Info(ctx, "setting "+r.obj.what, map[string]any{r.obj.keyAttr: ref.key.ValueString(), "why": verb})
	if err := r.obj.set(ctx, c, m); err != nil {
		diags.AddError("Cannot "+verb+" the "+r.obj.what, fmt.Sprintf("Setting %s through %s: %v", ref.key.ValueString(), ref.server.ValueString(), err))
		return false
	}
	return true
}

func (r *dfsCRUD[M, H]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan M
	c, ref := r.start(ctx, req.Plan, &plan, &resp.Diagnostics)
	if c == nil {
		return
	}
	have, exists, ok := r.get(ctx, c, ref, &resp.Diagnostics)
	switch {
	case !ok:
		return
	case !exists:
		if !r.write(ctx, c, &plan, "create", &resp.Diagnostics) {
			return
		}
	default:
		server, key := ref.server.ValueString(), ref.key.ValueString()
		if differs := r.obj.conflict(&plan, have); differs != "" {
			resp.Diagnostics.AddAttributeError(path.Root(r.obj.keyAttr), strings.ToUpper(r.obj.what[:1])+r.obj.what[1:]+" already exists",
				differs+"\n\n"+fmt.Sprintf("To manage it as it is, import it: terraform import <resource address> '%s:%s' (or an import block with that id), then change the configuration.", server, key))
			return
		}
		tflog.Info(ctx, r.obj.what+" already as declared; adopting it", map[string]any{r.obj.keyAttr: key})
	}
	r.save(ctx, &plan, &resp.State, &resp.Diagnostics)
}

// read fills m from the server; found is false when the object is gone.
func (r *dfsCRUD[M, H]) read(ctx context.Context, m *M, diags *diag.Diagnostics) (have H, found bool) {
	ref := r.obj.ref(m)
	c := r.client(ctx, ref.server.ValueString(), diags)
	if c == nil {
		return have, false
	}
	have, exists, ok := r.get(ctx, c, ref, diags)
	if !ok || !exists {
		return have, false
	}
	r.obj.fill(m, have)
	r.setID(ref)
	return have, true
}

// Read is the state as the server has it, or none (the next plan creates
// the object again) when it is gone.
func (r *dfsCRUD[M, H]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, found := r.read(ctx, &state, &resp.Diagnostics); !found {
		if !resp.Diagnostics.HasError() {
			tflog.Info(ctx, r.obj.what+" is gone; it will be created again", map[string]any{r.obj.keyAttr: r.obj.ref(&state).key.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update sets the object as planned: the set is exact, so whatever drifted
// is put back.
func (r *dfsCRUD[M, H]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan M
	c, _ := r.start(ctx, req.Plan, &plan, &resp.Diagnostics)
	if c != nil && r.write(ctx, c, &plan, "update", &resp.Diagnostics) {
		r.save(ctx, &plan, &resp.State, &resp.Diagnostics)
	}
}

func (r *dfsCRUD[M, H]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state M
	c, ref := r.start(ctx, req.State, &state, &resp.Diagnostics)
	if c == nil {
		return
	}
	if err := r.obj.remove(ctx, c, ref.key.ValueString()); err != nil {
		resp.Diagnostics.AddError("Cannot remove the "+r.obj.what, fmt.Sprintf("Removing %s through %s: %v", ref.key.ValueString(), ref.server.ValueString(), err))
	}
}

// ImportState reads the object the ID names; one that does not exist is
// an error saying so.
func (r *dfsCRUD[M, H]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	m, err := r.obj.importModel(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	have, found := r.read(ctx, &m, &resp.Diagnostics)
	if !found {
		if !resp.Diagnostics.HasError() {
			ref := r.obj.ref(&m)
			resp.Diagnostics.AddError("Nothing to import", fmt.Sprintf("There is no %s %s (read through %s).", r.obj.nothing, ref.key.ValueString(), ref.server.ValueString()))
		}
		return
	}
	if r.obj.imported != nil {
		r.obj.imported(&m, have)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// errorOf is the error of a call whose result is not needed.
func errorOf[R any](_ R, err error) error { return err }
