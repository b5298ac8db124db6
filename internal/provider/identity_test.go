package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestIdentitySchemasMatchTheResources: every resource has an identity,
// every identity attribute is a string (or list of strings) the resource
// has under the same name, required for an import, and named in the
// import ID the identity turns into.
func TestIdentitySchemasMatchTheResources(t *testing.T) {
	p := newProtocolProvider(t)
	if len(p.schema.ResourceSchemas) != len(managedResources) {
		t.Fatalf("%d resources, %d in the identity table", len(p.schema.ResourceSchemas), len(managedResources))
	}
	byName := map[string]identity{}
	for _, m := range managedResources {
		byName[typeNameOf(m.factory)] = m.identity
	}
	for _, name := range sortedKeys(p.schema.ResourceSchemas) {
		ids, ok := p.ids[name]
		if !ok || len(ids.IdentityAttributes) == 0 {
			t.Errorf("%s: no identity", name)
			continue
		}
		attrs := map[string]tftypes.Type{}
		for _, a := range p.schema.ResourceSchemas[name].Block.Attributes {
			attrs[a.Name] = a.Type
		}
		for _, ia := range ids.IdentityAttributes {
			rt, ok := attrs[ia.Name]
			switch {
			case !ok:
				t.Errorf("%s: identity attribute %s is not an attribute of the resource", name, ia.Name)
			case !ia.RequiredForImport:
				t.Errorf("%s: identity attribute %s is not required for import", name, ia.Name)
			case ia.Type.Is(tftypes.String) && !rt.Is(tftypes.String):
				t.Errorf("%s: %s is a string in the identity, %s in the resource", name, ia.Name, rt)
			case ia.Type.Is(tftypes.List{ElementType: tftypes.String}) && !rt.Is(tftypes.Set{ElementType: tftypes.String}) && !rt.Is(tftypes.List{ElementType: tftypes.String}):
				t.Errorf("%s: %s is a list in the identity, %s in the resource", name, ia.Name, rt)
			}
			if !strings.Contains(byName[name].importID, "{"+ia.Name+"}") {
				t.Errorf("%s: the import ID %q does not name %s", name, byName[name].importID, ia.Name)
			}
		}
	}
	for _, name := range sortedKeys(p.schema.ListResourceSchemas) {
		if _, ok := p.schema.ResourceSchemas[name]; !ok {
			t.Errorf("list resource %s has no resource", name)
		}
	}
	if got := strings.Join(sortedKeys(p.schema.ListResourceSchemas), " "); got != "winfs_dns_cname winfs_registry_value winfs_san_lun_mapping winfs_smb_share_set winfs_volume_mount" {
		t.Errorf("list resources: %s", got)
	}
}

func TestIdentityTurnsIntoTheImportID(t *testing.T) {
	for _, c := range []struct {
		typeName string
		values   map[string][]string
		want     string
	}{
		{"winfs_registry_value", map[string][]string{"server": {"server1"}, "path": {`HKLM\SYSTEM\X`}, "name": {"V"}}, `server1:HKLM\SYSTEM\X\\V`},
		{"winfs_dns_cname", map[string][]string{"zone": {"corp.example.com."}, "name": {"files"}}, "files.corp.example.com."},
		{"winfs_smb_share_set", map[string][]string{"server": {"server1"}, "scope": {`X:\`, `Y:\`}}, `server1:X:\,Y:\`},
		{"winfs_san_lun_mapping", map[string][]string{"lun": {"/vol/vol1/files_x"}, "igroup": {"server1"}}, "/vol/vol1/files_x:server1"},
		{"winfs_volume_mount", map[string][]string{"server": {"server1"}, "mount_point": {"X:"}}, "server1/X:"},
	} {
		for _, m := range managedResources {
			if typeNameOf(m.factory) == c.typeName {
				if got := m.identity.toImportID(c.values); got != c.want {
					t.Errorf("%s: %q, want %q", c.typeName, got, c.want)
				}
			}
		}
	}
}

func typeNameOf(factory func() resource.Resource) string {
	var resp resource.MetadataResponse
	factory().Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: "winfs"}, &resp)
	return resp.TypeName
}

// TestWrapperForwardsWhatResourcesImplement: withIdentity forwards
// Configure, ImportState, ModifyPlan and ValidateConfig; a resource that
// implemented another optional interface would lose it behind the wrapper.
func TestWrapperForwardsWhatResourcesImplement(t *testing.T) {
	for _, m := range managedResources {
		switch r := m.factory().(type) {
		case resource.ResourceWithConfigValidators, resource.ResourceWithUpgradeState, resource.ResourceWithMoveState,
			resource.ResourceWithIdentity, resource.ResourceWithUpgradeIdentity:
			t.Errorf("%s implements %T: forward it from withIdentity", typeNameOf(m.factory), r)
		case resource.ResourceWithImportState:
		default:
			t.Errorf("%s has no import: withIdentity would offer one", typeNameOf(m.factory))
		}
	}
}
