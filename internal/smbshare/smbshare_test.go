package smbshare

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

func TestValidateName(t *testing.T) {
	valid := []string{
		"Finance", "Finance Team", "Hidden$", "naïve ünïcödé 😀", "it's", "`tick`", "$x", "a.b-c_d(e)!@#%&~{}^",
		" leading and trailing ", strings.Repeat("a", 80), strings.Repeat("é", 80),
	}
	for _, n := range valid {
		if err := ValidateName(n); err != nil {
			t.Errorf("ValidateName(%q): %v", n, err)
		}
	}
	invalid := map[string]string{
		"":                      "empty",
		strings.Repeat("a", 81): "at most 80",
		strings.Repeat("😀", 41): "at most 80", // 82 UTF-16 code units
		"tab\there":             "control character",
		"IPC$":                  "administrative",
		"admin$":                "administrative",
		"X$":                    "administrative",
	}
	for _, c := range ForbiddenNameChars {
		invalid["a"+string(c)+"b"] = "forbids"
	}
	for n, want := range invalid {
		err := ValidateName(n)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateName(%q) = %v, want an error containing %q", n, err, want)
		}
	}
	if len(ForbiddenNameChars) != 15 {
		t.Fatalf("MS-FSCC 2.1.6 lists 15 characters, have %d", len(ForbiddenNameChars))
	}
}

func TestValidatePath(t *testing.T) {
	for _, p := range []string{`X:\`, `X:\Finance`, `y:\Dept; $x 'q' ` + "`b`" + ` ü\Sub`, `X:\a=b,c+d[e]`} {
		if err := ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q): %v", p, err)
		}
	}
	for _, p := range []string{``, `X:`, `X:Finance`, `\\server\share`, `X:\Finance\`, `X:\a\\b`, `X:\..\b`, `X:\a.`, `X:\a `, `X:\a"b`, `X:\a|b`, `X:\a*`, `X:\a/b`, `1:\a`} {
		if err := ValidatePath(p); err == nil {
			t.Errorf("ValidatePath(%q) accepted", p)
		}
	}
}

func TestScope(t *testing.T) {
	for in, want := range map[string]string{`x:`: `X:\`, `X:\`: `X:\`, `x:\Data\`: `X:\Data`, `X:\Data`: `X:\Data`} {
		if got, err := NormalizeRoot(in); err != nil || got != want {
			t.Errorf("NormalizeRoot(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeRoot("X"); err == nil {
		t.Error("NormalizeRoot(X) accepted")
	}
	cases := []struct {
		path, root string
		want       bool
	}{
		{`X:\Finance`, `X:\`, true},
		{`x:\finance`, `X:`, true},
		{`X:\`, `X:\`, true},
		{`Y:\Finance`, `X:\`, false},
		{`C:\Public`, `X:\`, false},
		{`X:\Data\Sub`, `X:\data`, true},
		{`X:\Data`, `X:\Data\`, true},
		{`X:\Data2`, `X:\Data`, false},
	}
	for _, c := range cases {
		if got := UnderRoot(c.path, c.root); got != c.want {
			t.Errorf("UnderRoot(%q, %q) = %v", c.path, c.root, got)
		}
	}
}

func TestValidateAccount(t *testing.T) {
	for _, a := range []string{"Everyone", "everyone", "CREATOR OWNER", `BUILTIN\Administrators`, `NT AUTHORITY\Authenticated Users`,
		`CORP\Finance Team`, `corp\o'brien`, `CORP\svc-$x`, "S-1-5-21-1-2-3-1000", "S-1-1-0"} {
		if err := ValidateAccount(a); err != nil {
			t.Errorf("ValidateAccount(%q): %v", a, err)
		}
	}
	for _, a := range []string{"", "Administrators", "user@corp.example.com", `CORP\`, `\user`, `CORP\a\b`, `CORP\a;b`,
		`A-VERY-LONG-DOMAIN-NAME\x`, `CORP\...`, "S-1", "S-1-5"} {
		err := ValidateAccount(a)
		if err == nil || !strings.Contains(err.Error(), "unknown account format") {
			t.Errorf("ValidateAccount(%q) = %v", a, err)
		}
	}
}

func TestSameAndValidateShare(t *testing.T) {
	a := agent.Share{Name: "Finance", Path: `X:\Finance`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
		{Account: `CORP\Finance`, Right: agent.RightFull, Type: agent.AccessAllow},
		{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow},
	}}
	b := a
	b.Name, b.Path = "FINANCE", `x:\finance`
	b.Access = []agent.ShareAccess{a.Access[1], {Account: `corp\finance`, Right: agent.RightFull, Type: agent.AccessAllow}}
	if !Same(a, b) {
		t.Fatal("case and order must not matter")
	}
	b.Description = "x"
	if Same(a, b) || len(Differences(a, b)) != 1 {
		t.Fatalf("description difference: %v", Differences(a, b))
	}
	if err := ValidateShare(a); err != nil {
		t.Fatal(err)
	}
	a.Access = append(a.Access, agent.ShareAccess{Account: `corp\FINANCE`, Right: agent.RightRead, Type: agent.AccessAllow})
	if err := ValidateShare(a); err == nil {
		t.Fatal("two allow rights for one account accepted")
	}
}

// Well-known accounts compare by SID however they are spelled, so that a
// configuration with S-1-1-0 matches a host that reports Everyone.
func TestWellKnownAccountsCompareBySID(t *testing.T) {
	a := []agent.ShareAccess{{Account: "S-1-1-0", Right: agent.RightRead, Type: agent.AccessAllow},
		{Account: "Administrators", Right: agent.RightFull, Type: agent.AccessAllow}}
	b := []agent.ShareAccess{{Account: "everyone", Right: agent.RightRead, Type: agent.AccessAllow},
		{Account: `BUILTIN\Administrators`, Right: agent.RightFull, Type: agent.AccessAllow}}
	if !SameAccess(a, b) {
		t.Fatal("S-1-1-0 and Everyone, Administrators and BUILTIN\\Administrators must be the same accounts")
	}
	b[0].Account = "Jeder"
	if SameAccess(a, b) {
		t.Fatal("a localized name is not known to the client")
	}
	s := agent.Share{Name: "F", Path: `X:\F`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
		{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow}, {Account: "S-1-1-0", Right: agent.RightFull, Type: agent.AccessAllow}}}
	if err := ValidateShare(s); err == nil {
		t.Fatal("Everyone and S-1-1-0 given two rights: accepted")
	}
}
