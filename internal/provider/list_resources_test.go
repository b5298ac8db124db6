package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestListTheHandBuiltEstate lists the lab's estate as `terraform query`
// does (in process, over protocol 6), imports every result by its
// identity as `import { identity = ... }` does, and reads its state as a
// client that keeps no identity: each gives back the same object and
// identity.
func TestListTheHandBuiltEstate(t *testing.T) {
	t.Parallel()
	l := acctest.StartLab(t, lab.Options{})
	p := newProtocolProvider(t)
	p.configure(l)
	for _, c := range []struct {
		typeName string
		config   map[string]string
		want     []string // display names
	}{
		{"winfs_registry_value", map[string]string{"server": "server1", "path": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa`},
			[]string{`server1:HKLM\SYSTEM\CurrentControlSet\Control\Lsa\\DisableLoopbackCheck`}},
		{"winfs_san_lun_mapping", map[string]string{"igroup": "server1"}, []string{"/vol/vol1/files_x:server1", "/vol/vol1/files_y:server1"}},
		{"winfs_volume_mount", map[string]string{"server": "server1"}, []string{"server1/X:", "server1/Y:"}},
		{"winfs_smb_share_set", map[string]string{"server": "server1"}, []string{`server1:X:\`, `server1:Y:\`}},
		{"winfs_dns_cname", map[string]string{"zone": "corp.example.com"}, []string{"files.corp.example.com."}},
		{"winfs_volume_mount", map[string]string{"server": "server2"}, nil},
	} {
		results := p.list(c.typeName, c.config)
		var names []string
		for _, r := range results {
			names = append(names, r.name)
		}
		if strings.Join(names, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s %v lists %q, want %q", c.typeName, c.config, names, c.want)
			continue
		}
		for _, r := range results {
			t.Logf("%s: %v", r.name, r.identity)
			st, id := p.importByIdentity(c.typeName, r.identity)
			if !st.Equal(r.state) {
				t.Errorf("%s: imported by identity %v:\n%s\nlisted:\n%s", r.name, r.identity, st, r.state)
			}
			if fmt.Sprint(id) != fmt.Sprint(r.identity) {
				t.Errorf("%s: identity after import %v, listed %v", r.name, id, r.identity)
			}
			if got := p.readWithoutIdentity(c.typeName, r.state); fmt.Sprint(got) != fmt.Sprint(r.identity) {
				t.Errorf("%s: a read without identity gives %v, want %v", r.name, got, r.identity)
			}
		}
	}
}

// TestListConfigIsValidated: a list block's config is checked as the
// resource's attributes are, before anything is listed.
func TestListConfigIsValidated(t *testing.T) {
	p := newProtocolProvider(t)
	for _, c := range []struct {
		typeName, config, attr, want string
	}{
		{"winfs_registry_value", `{"server": "server1", "path": "HKXX\\Software"}`, "path", "HKLM"},
		{"winfs_dns_cname", `{"zone": "corp example"}`, "zone", "domain name"},
		{"winfs_san_lun_mapping", `{"igroup": "server 1"}`, "igroup", "initiator group"},
	} {
		resp, err := p.s.(tfprotov6.ListResourceServer).ValidateListResourceConfig(context.Background(),
			&tfprotov6.ValidateListResourceConfigRequest{TypeName: c.typeName, Config: &tfprotov6.DynamicValue{JSON: []byte(c.config)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Diagnostics) == 0 || !strings.Contains(resp.Diagnostics[0].Summary+resp.Diagnostics[0].Detail, c.want) ||
			!strings.Contains(fmt.Sprint(resp.Diagnostics[0].Attribute), c.attr) {
			t.Errorf("%s %s: %+v", c.typeName, c.config, *resp.Diagnostics[0])
		}
	}
}
