package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// kerberosModel is winrm.kerberos.
type kerberosModel struct {
	Realm    types.String `tfsdk:"realm"`
	KDCs     types.List   `tfsdk:"kdcs"`
	Krb5Conf types.String `tfsdk:"krb5_conf"`
	Keytab   types.String `tfsdk:"keytab"`
}

const defaultKrb5Conf = "/etc/krb5.conf"

func kerberosAttribute() schema.Attribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "With `auth = \"kerberos\"`: the realm and where its KDCs are. The provider logs in as `username` " +
			"(the user part; the realm comes from here) with `password` or a keytab, then asks for a ticket for each server's " +
			"`spn` (default `HTTP/<address>`: use the server's DNS name as `address`, Kerberos does not work with IP addresses " +
			"unless an SPN is registered for them). Clocks must agree within the realm's tolerance (5 minutes by default).",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"realm": schema.StringAttribute{
				MarkdownDescription: "The realm in upper case: the Active Directory domain's DNS name, e.g. `CORP.EXAMPLE.COM`.",
				Required:            true,
				Validators:          []validator.String{kerberosRealm()},
			},
			"kdcs": schema.ListAttribute{
				MarkdownDescription: "KDC addresses (`host` or `host:port`, port 88 by default), e.g. the domain controllers. " +
					"When empty, the KDCs come from `krb5_conf`.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.List{listvalidator.ValueStringsAre(hostPort())},
			},
			"krb5_conf": schema.StringAttribute{
				MarkdownDescription: "Path of a `krb5.conf` naming the realm's KDCs, used when `kdcs` is empty " +
					"(default: the `KRB5_CONFIG` environment variable, else `" + defaultKrb5Conf + "`).",
				Optional:   true,
				Validators: []validator.String{existingFile("krb5.conf")},
			},
			"keytab": schema.StringAttribute{
				MarkdownDescription: "Path of a keytab holding the user's keys (`ktpass` or `ktutil`), used instead of `password`.",
				Optional:            true,
				Validators:          []validator.String{existingFile("keytab")},
			},
		},
	}
}

// validateKerberos reports at plan time an auth = "kerberos" without a
// realm, and a kerberos block that auth does not use.
func (m providerModel) validateKerberos() diag.Diagnostics {
	var diags diag.Diagnostics
	w := m.WinRM
	if w == nil || w.Auth.IsUnknown() || w.Kerberos.IsUnknown() {
		return diags
	}
	if w.Auth.ValueString() == "kerberos" && w.Kerberos.IsNull() {
		diags.AddAttributeError(path.Root("winrm").AtName("kerberos").AtName("realm"), "Kerberos needs a realm",
			`winrm.auth = "kerberos" needs winrm.kerberos with at least realm (upper case, e.g. "CORP.EXAMPLE.COM"), and kdcs or a krb5_conf naming its KDCs.`)
	}
	if w.Auth.ValueString() != "kerberos" && !w.Kerberos.IsNull() {
		diags.AddAttributeWarning(path.Root("winrm").AtName("kerberos"), "kerberos is unused",
			`winrm.kerberos only applies with winrm.auth = "kerberos"; auth is `+firstNonEmpty(w.Auth.ValueString(), "ntlm (the default)")+".")
	}
	return diags
}

// kerberosSettings resolves winrm.kerberos for one server.
func (w *winrmModel) kerberosSettings(ctx context.Context, spn string, getenv func(string) string) (*windows.Kerberos, diag.Diagnostics) {
	var diags diag.Diagnostics
	if w.Auth.ValueString() != "kerberos" || w.Kerberos.IsNull() || w.Kerberos.IsUnknown() {
		return nil, diags
	}
	var m kerberosModel
	diags.Append(w.Kerberos.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, diags
	}
	k := &windows.Kerberos{Realm: m.Realm.ValueString(), Keytab: m.Keytab.ValueString(), SPN: spn}
	diags.Append(m.KDCs.ElementsAs(ctx, &k.KDCs, false)...)
	k.Krb5Conf = firstNonEmpty(m.Krb5Conf.ValueString(), getenv("KRB5_CONFIG"), defaultKrb5Conf)
	if len(k.KDCs) == 0 {
		if _, err := os.Stat(k.Krb5Conf); err != nil {
			diags.AddAttributeError(path.Root("winrm").AtName("kerberos").AtName("kdcs"), "No KDC configured",
				"winrm.kerberos names no kdcs and "+k.Krb5Conf+" cannot be read: set kdcs (e.g. the domain controllers) or krb5_conf.")
		}
	}
	return k, diags
}
