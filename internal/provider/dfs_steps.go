package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The steps the DFS resources share around their own read, which fills a
// model from the server and says whether the object exists.
type readFunc[M any] func(ctx context.Context, m *M, diags *diag.Diagnostics) bool

// refreshOrForget is a Read: the state as the server has it, or none (the
// next plan creates the object again) when it is gone; gone logs why.
func refreshOrForget[M any](ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, read readFunc[M], gone func(ctx context.Context, m *M)) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !read(ctx, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			if gone != nil {
				gone(ctx, &state)
			}
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// importByRead is an ImportState from a model holding the import ID's
// parts: read fills the rest, and an object that does not exist is an
// error saying so (nothing, e.g. "There is no DFS folder ...").
func importByRead[M any](ctx context.Context, resp *resource.ImportStateResponse, m M, read readFunc[M], nothing string) {
	if !read(ctx, &m, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			resp.Diagnostics.AddError("Nothing to import", nothing)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
