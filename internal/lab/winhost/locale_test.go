package winhost

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
)

// On a German host the built-in accounts have German names: the agent still
// takes them by English name or SID, reports them by English name, and a
// share set twice is unchanged the second time.
func TestLocalizedAccounts(t *testing.T) {
	h := New("server1", nil)
	if err := h.SetLocale("xx-XX"); err == nil {
		t.Fatal("an unknown locale was accepted")
	}
	if err := h.SetLocale(secdesc.LocaleGerman); err != nil {
		t.Fatal(err)
	}
	mount(t, h, "X")
	s := agent.Share{Name: "Finance", Path: `X:\Finance`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
		{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow},
		{Account: "S-1-5-32-544", Right: agent.RightFull, Type: agent.AccessAllow},
		{Account: `VORDEFINIERT\Benutzer`, Right: agent.RightChange, Type: agent.AccessAllow},
	}}
	var res agent.ShareSetResult
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	var list agent.ShareListResult
	mustCall(t, h, agent.ShareList.Name, agent.ShareListParams{Scope: scopeXY}, &list)
	got := map[string]string{}
	for _, a := range list.Shares[0].Access {
		got[a.Account] = a.Right
	}
	want := map[string]string{"Everyone": "read", `BUILTIN\Administrators`: "full", `BUILTIN\Users`: "change"}
	if len(got) != len(want) || got["Everyone"] != "read" || got[`BUILTIN\Administrators`] != "full" || got[`BUILTIN\Users`] != "change" {
		t.Fatalf("reported access %v, want %v", got, want)
	}
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	if res.Action != agent.ShareUnchanged {
		t.Fatalf("second set: %q", res.Action)
	}
	// An account the lab has no German name for keeps its English one.
	s.Access = []agent.ShareAccess{{Account: `NT AUTHORITY\ANONYMOUS LOGON`, Right: agent.RightRead, Type: agent.AccessAllow}}
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
}

func TestResolveIn(t *testing.T) {
	for _, tc := range []struct{ locale, name, sid string }{
		{secdesc.LocaleGerman, "Jeder", "S-1-1-0"},
		{secdesc.LocaleGerman, `vordefiniert\administratoren`, "S-1-5-32-544"},
		{secdesc.LocaleGerman, "Administratoren", "S-1-5-32-544"},
		{secdesc.LocaleGerman, `NT-AUTORITÄT\Authentifizierte Benutzer`, "S-1-5-11"},
		{secdesc.LocaleFrench, "Tout le monde", "S-1-1-0"},
		{secdesc.LocaleFrench, `BUILTIN\Administrateurs`, "S-1-5-32-544"},
		{secdesc.LocaleFrench, `AUTORITE NT\Utilisateurs authentifiés`, "S-1-5-11"},
		{secdesc.LocaleGerman, "S-1-1-0", "S-1-1-0"},
		{secdesc.LocaleGerman, `CORP\Finance`, ""},
		{secdesc.LocaleGerman, "Everyone", "-"},
		{secdesc.LocaleFrench, `BUILTIN\Administrators`, "-"},
		{"", "Everyone", "S-1-1-0"},
	} {
		sid, err := secdesc.ResolveIn(tc.locale, tc.name)
		switch {
		case tc.sid == "-":
			if err == nil {
				t.Errorf("%s %q resolved to %s; Windows there has no such name", tc.locale, tc.name, sid)
			}
		case err != nil:
			t.Errorf("%s %q: %v", tc.locale, tc.name, err)
		case tc.sid != "" && sid.String() != tc.sid:
			t.Errorf("%s %q = %s, want %s", tc.locale, tc.name, sid, tc.sid)
		}
	}
	if n := secdesc.NameIn(secdesc.LocaleGerman, secdesc.MustSID("S-1-1-0")); n != "Jeder" {
		t.Errorf("NameIn = %q", n)
	}
}

// chkdsk answers in the host's language; the repair's verdict does not
// depend on it.
func TestRepairOnALocalizedHost(t *testing.T) {
	for _, locale := range secdesc.Locales {
		if chkdskText(locale, true) == chkdskText(locale, false) {
			t.Errorf("%s: one text for both outcomes", locale)
		}
	}
	if chkdskText(secdesc.LocaleGerman, false) == chkdskText(secdesc.LocaleEnglish, false) {
		t.Error("German chkdsk speaks English")
	}
}
