package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"

	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/regpath"
)

// The provider's own plan modifiers, all in this file. Windows compares
// many names case-insensitively, so respelling one must not replace the
// object that it names.

// requiresReplaceUnless replaces the resource unless the planned value is
// the same as the state's by same.
func requiresReplaceUnless(same func(state, plan string) bool, description string) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !same(req.StateValue.ValueString(), req.PlanValue.ValueString())
		},
		description, description,
	)
}

// requiresReplaceUnlessSamePath replaces the resource when the key path
// changes, but not when it is respelled (HKLM vs HKEY_LOCAL_MACHINE, case).
func requiresReplaceUnlessSamePath() planmodifier.String {
	return requiresReplaceUnless(func(state, plan string) bool {
		a, errA := regpath.Parse(state)
		b, errB := regpath.Parse(plan)
		return errA == nil && errB == nil && a.Equal(b)
	}, "Changing the key replaces the value; respelling the same key does not.")
}

// requiresReplaceUnlessEqualFold replaces unless the change is only in
// letter case, which Windows ignores in value names.
func requiresReplaceUnlessEqualFold() planmodifier.String {
	return requiresReplaceUnless(strings.EqualFold,
		"Changing the name replaces the value; a change of letter case only does not.")
}

// requiresReplaceUnlessSameDNSName replaces on a real change of name, not
// on a respelling (case, trailing dot).
func requiresReplaceUnlessSameDNSName() planmodifier.String {
	return requiresReplaceUnless(func(state, plan string) bool {
		return dnsupdate.Canonical(state) == dnsupdate.Canonical(plan)
	}, "Changing the name replaces the alias; changing only its letter case or trailing dot does not.")
}

// replacedWhenChanged is the plan modifier of an attribute that names the
// object itself: another value is another object.
func replacedWhenChanged() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplace()}
}
