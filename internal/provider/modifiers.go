package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
)

// requiresReplaceUnlessSamePath replaces the resource when the key path
// changes, but not when it is respelled (HKLM vs HKEY_LOCAL_MACHINE, case).
func requiresReplaceUnlessSamePath() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			a, errA := regpath.Parse(req.StateValue.ValueString())
			b, errB := regpath.Parse(req.PlanValue.ValueString())
			resp.RequiresReplace = errA != nil || errB != nil || !a.Equal(b)
		},
		"Changing the key replaces the value; respelling the same key does not.",
		"Changing the key replaces the value; respelling the same key does not.",
	)
}

// requiresReplaceUnlessEqualFold replaces unless the change is only in
// letter case, which Windows ignores in value names.
func requiresReplaceUnlessEqualFold() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !strings.EqualFold(req.StateValue.ValueString(), req.PlanValue.ValueString())
		},
		"Changing the name replaces the value; a change of letter case only does not.",
		"Changing the name replaces the value; a change of letter case only does not.",
	)
}

// registryPath validates a key path at plan time.
func registryPath() validator.String { return registryPathValidator{} }

type registryPathValidator struct{}

func (registryPathValidator) Description(context.Context) string {
	return "must be a registry key path starting with a hive: " + regpath.AllowedHives
}
func (v registryPathValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (registryPathValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regpath.Parse(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid registry path", err.Error())
	}
}

func asAgentError(err error, target **agent.Error) bool { return errors.As(err, target) }
