package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// protocolProvider is the provider served in this process, spoken to as
// Terraform speaks to it (protocol 6), so that identity and list behaviour
// is tested without a terraform binary that knows them.
type protocolProvider struct {
	t      *testing.T
	s      tfprotov6.ProviderServer
	schema *tfprotov6.GetProviderSchemaResponse
	ids    map[string]*tfprotov6.ResourceIdentitySchema
}

func newProtocolProvider(t *testing.T) *protocolProvider {
	t.Helper()
	ctx := context.Background()
	s, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	p := &protocolProvider{t: t, s: s}
	p.schema, err = s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	p.check("GetProviderSchema", p.schema.Diagnostics, err)
	ids, err := s.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	p.check("GetResourceIdentitySchemas", ids.Diagnostics, err)
	p.ids = ids.IdentitySchemas
	return p
}

// configure configures the provider against l (its servers over HTTPS with
// the lab CA, its array, its DNS server with the TSIG key), given as the
// JSON form of the provider block.
func (p *protocolProvider) configure(l *lab.Lab) {
	p.t.Helper()
	servers := map[string]any{}
	for _, name := range l.ServerNames() {
		_, https, _ := l.Ports(name)
		servers[name] = map[string]any{"address": "127.0.0.1", "port": https}
	}
	key := l.DNSKey()
	cfg := map[string]any{
		"servers": servers,
		"winrm":   map[string]any{"username": l.Username(), "password": l.Password(), "https": true, "ca_certificate": string(l.CACertPEM())},
		"san":     map[string]any{"address": l.SANAddress(), "username": l.SANUsername(), "password": l.SANPassword(), "timeout": "5s"},
		"dns": map[string]any{"backend": "rfc2136", "server": l.DNSAddr(),
			"tsig": map[string]any{"key_name": key.Name, "algorithm": key.Algorithm, "secret": key.Secret}},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	resp, err := p.s.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0", Config: &tfprotov6.DynamicValue{JSON: raw}})
	p.check("ConfigureProvider", resp.Diagnostics, err)
}

func (p *protocolProvider) check(what string, diags []*tfprotov6.Diagnostic, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			p.t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

func (p *protocolProvider) resourceType(typeName string) tftypes.Type {
	return p.schema.ResourceSchemas[typeName].ValueType()
}

func (p *protocolProvider) identityType(typeName string) tftypes.Type {
	return p.ids[typeName].ValueType()
}

// listed is one list result, decoded.
type listed struct {
	name     string
	identity map[string]string // lists joined by commas
	state    tftypes.Value
}

// list runs the list resource typeName with config (its attributes).
func (p *protocolProvider) list(typeName string, config map[string]string) []listed {
	p.t.Helper()
	raw, _ := json.Marshal(config)
	stream, err := p.s.(tfprotov6.ListResourceServer).ListResource(context.Background(),
		&tfprotov6.ListResourceRequest{TypeName: typeName, Config: &tfprotov6.DynamicValue{JSON: raw}, IncludeResource: true})
	p.check("ListResource "+typeName, nil, err)
	var out []listed
	for r := range stream.Results {
		p.check("ListResource "+typeName+" result "+r.DisplayName, r.Diagnostics, nil)
		st, err := r.Resource.Unmarshal(p.resourceType(typeName))
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, listed{name: r.DisplayName, identity: p.decodeIdentity(typeName, r.Identity), state: st})
	}
	return out
}

func (p *protocolProvider) decodeIdentity(typeName string, id *tfprotov6.ResourceIdentityData) map[string]string {
	p.t.Helper()
	if id == nil || id.IdentityData == nil {
		p.t.Fatalf("%s: no identity", typeName)
	}
	v, err := id.IdentityData.Unmarshal(p.identityType(typeName))
	if err != nil {
		p.t.Fatal(err)
	}
	return flatten(p.t, v)
}

// flatten reads an object of strings and lists of strings.
func flatten(t *testing.T, v tftypes.Value) map[string]string {
	t.Helper()
	var obj map[string]tftypes.Value
	if err := v.As(&obj); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, e := range obj {
		if e.Type().Is(tftypes.String) {
			var s string
			_ = e.As(&s)
			out[k] = s
			continue
		}
		var elems []tftypes.Value
		_ = e.As(&elems)
		var ss []string
		for _, x := range elems {
			var s string
			_ = x.As(&s)
			ss = append(ss, s)
		}
		out[k] = strings.Join(ss, ",")
	}
	return out
}

// identityValue encodes identity (lists given comma-joined) for typeName.
func (p *protocolProvider) identityValue(typeName string, identity map[string]string) *tfprotov6.ResourceIdentityData {
	p.t.Helper()
	typ := p.identityType(typeName).(tftypes.Object)
	obj := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if at.Is(tftypes.String) {
			obj[name] = tftypes.NewValue(tftypes.String, identity[name])
			continue
		}
		var elems []tftypes.Value
		for _, s := range strings.Split(identity[name], ",") {
			elems = append(elems, tftypes.NewValue(tftypes.String, s))
		}
		obj[name] = tftypes.NewValue(at, elems)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, obj))
	if err != nil {
		p.t.Fatal(err)
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: &dv}
}

// importByIdentity imports as `import { identity = {...} }` does, then
// reads, as terraform does after an import; it returns the state and the
// identity the read left.
func (p *protocolProvider) importByIdentity(typeName string, identity map[string]string) (tftypes.Value, map[string]string) {
	p.t.Helper()
	ctx := context.Background()
	imp, err := p.s.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typeName, Identity: p.identityValue(typeName, identity)})
	p.check(fmt.Sprintf("ImportResourceState %s %v", typeName, identity), imp.Diagnostics, err)
	if len(imp.ImportedResources) != 1 {
		p.t.Fatalf("import of %v: %d resources", identity, len(imp.ImportedResources))
	}
	got := imp.ImportedResources[0]
	read, err := p.s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: got.State,
		CurrentIdentity: got.Identity, Private: got.Private})
	p.check("ReadResource "+typeName, read.Diagnostics, err)
	st, err := read.NewState.Unmarshal(p.resourceType(typeName))
	if err != nil {
		p.t.Fatal(err)
	}
	return st, p.decodeIdentity(typeName, read.NewIdentity)
}

// readWithoutIdentity reads state as a client that keeps no identity
// (Terraform before 1.12, state written before identities) and returns
// the identity the provider gives it.
func (p *protocolProvider) readWithoutIdentity(typeName string, state tftypes.Value) map[string]string {
	p.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(p.resourceType(typeName), state)
	if err != nil {
		p.t.Fatal(err)
	}
	read, err := p.s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: &dv})
	p.check("ReadResource "+typeName, read.Diagnostics, err)
	return p.decodeIdentity(typeName, read.NewIdentity)
}
