package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// readStep fills a model from the server; false with no error means the
// object is gone.
type readStep[M any] func(ctx context.Context, m *M, diags *diag.Diagnostics) bool

// refreshOrForget is a Read through read: the object refreshed, or removed
// from state when it is gone (the next plan creates it again).
func refreshOrForget[M any](ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, read readStep[M], gone func(ctx context.Context, m *M)) {
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
// error saying so (nothing).
func importByRead[M any](ctx context.Context, resp *resource.ImportStateResponse, m M, read readStep[M], nothing string) {
	if !read(ctx, &m, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			resp.Diagnostics.AddError("Nothing to import", nothing)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
