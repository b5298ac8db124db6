package provider

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

func aliasSPNConfig(l *lab.Lab, server, extra string) string {
	return acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true}) + fmt.Sprintf(`
resource "winfs_alias_spn" "files" {
  server = %q
  spns   = ["HOST/files", "HOST/files.corp.example.com"]
%s}
`, server, extra)
}

func accountSPNs(t *testing.T, l *lab.Lab, account string) []string {
	t.Helper()
	spns, err := l.Directory().SPNs(account)
	if err != nil {
		t.Fatal(err)
	}
	return spns
}

// TestAccAliasSPN_moveAndDrift adopts the SPNs set by hand on SERVER1,
// moves them to SERVER2 and back (never on two accounts), sees a name
// removed by hand as drift, and refuses to take a name another account
// holds unless release_from names it.
func TestAccAliasSPN_moveAndDrift(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	want := lab.AliasSPNs()
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(aliasSPNConfig(l, "server1", `  release_from = ["SERVER1", "SERVER2"]`+"\n"))
	tf.Apply()
	tf.PlanIsEmpty()
	if got := accountSPNs(t, l, "SERVER1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("SERVER1 holds %v", got)
	}
	// Import (a configuration of its own) finds the account that holds them.
	imp := acctest.NewTerraform(t, testProvider)
	imp.WriteConfig(aliasSPNConfig(l, "server1", "") + `
import {
  to = winfs_alias_spn.files
  id = "server1:HOST/files,HOST/files.corp.example.com"
}
`)
	imp.Apply()
	if r := imp.State().Values.RootModule.Resources[0]; r.AttributeValues["computer"] != "SERVER1" || len(r.AttributeValues["spns"].([]any)) != 2 {
		t.Fatalf("imported %v", r.AttributeValues)
	}
	imp.PlanIsEmpty()

	tf.WriteConfig(aliasSPNConfig(l, "server2", `  release_from = ["SERVER1", "SERVER2"]`+"\n"))
	tf.Apply()
	if got := accountSPNs(t, l, "SERVER2"); !reflect.DeepEqual(got, want) || len(accountSPNs(t, l, "SERVER1")) != 0 {
		t.Fatalf("after the move: SERVER1 %v, SERVER2 %v", accountSPNs(t, l, "SERVER1"), got)
	}
	for _, v := range l.Invariants() {
		if v.Invariant == lab.SPNOnOneAccount {
			t.Fatal(v.Detail)
		}
	}
	tf.PlanIsEmpty()

	// An administrator removes one by hand: the plan puts it back.
	if err := l.Directory().Modify("SERVER2", nil, []string{"HOST/files"}); err != nil {
		t.Fatal(err)
	}
	tf.Apply()
	if got := accountSPNs(t, l, "SERVER2"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after repairing the drift: %v", got)
	}

	// Without release_from, a name held by another account is refused by
	// the domain, and the error says what to do.
	tf.WriteConfig(aliasSPNConfig(l, "server1", ""))
	if res := tf.Run("destroy", "-auto-approve"); res.Code != 0 {
		t.Fatalf("destroy: %s", res.Explain())
	}
	if len(accountSPNs(t, l, "SERVER2")) != 0 {
		t.Fatalf("destroy left %v", accountSPNs(t, l, "SERVER2"))
	}
	if err := l.Directory().Modify("SERVER2", want, nil); err != nil {
		t.Fatal(err)
	}
	res := tf.Run("apply", "-auto-approve")
	found := false
	for _, d := range res.Diagnostics("error") {
		found = found || regexp.MustCompile(`(?s)not unique forest-wide.*release_from`).MatchString(d.Detail)
	}
	if !found {
		t.Fatalf("want a duplicate SPN refused naming release_from, got %s", res.Explain())
	}
}

// TestAccAliasSPN_badInput: malformed SPNs and account names fail at plan
// time naming the attribute.
func TestAccAliasSPN_badInput(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	base := acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true})
	var refusals []acctest.Refusal
	for name, c := range map[string]struct{ hcl, want string }{
		"space":    {`spns = ["HOST/files corp"]`, `(?s)spns.*without spaces`},
		"no class": {`spns = ["files.corp.example.com"]`, `(?s)spns.*service class`},
		"account":  {`spns = ["HOST/files"]` + "\n  release_from = [\"SERVER1$\"]", `(?s)release_from.*without the \$`},
	} {
		refusals = append(refusals, acctest.Refusal{Name: name, Config: base + "resource \"winfs_alias_spn\" \"x\" {\n  server = \"server1\"\n  " + c.hcl + "\n}\n", Want: regexp.MustCompile(c.want)})
	}
	expectRefusals(t, refusals)
}
