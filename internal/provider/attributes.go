package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The kinds of resource attribute that recur across the provider's
// schemas, each declared once here (the server-scoped ones, `id` and
// `server`, are in server_scoped.go).

// replacingAttribute is a required attribute that names the object a
// resource manages: check validates it, and replace says when another
// value is another object (stringplanmodifier.RequiresReplace, or
// requiresReplaceUnlessEqualFold and the like for names Windows compares
// without regard to their spelling).
func replacingAttribute(description string, check validator.String, replace planmodifier.String) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Required:            true,
		Validators:          []validator.String{check},
		PlanModifiers:       []planmodifier.String{replace},
	}
}

// reportedString is what the server reports about the object: set at
// create or import, and known in later plans as the state has it.
func reportedString(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// optionalString is an optional setting with a default, which the plan
// shows when the configuration leaves it out.
func optionalString(description, def string, checks ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(def),
		Validators:          checks,
	}
}

// optionalInt64 is optionalString for a number.
func optionalInt64(description string, def int64, checks ...validator.Int64) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: description,
		Optional:            true,
		Computed:            true,
		Default:             int64default.StaticInt64(def),
		Validators:          checks,
	}
}

// optionalBool is optionalString for a switch.
func optionalBool(description string, def bool) schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: description,
		Optional:            true,
		Computed:            true,
		Default:             booldefault.StaticBool(def),
	}
}
