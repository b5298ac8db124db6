package winhost

import (
	"reflect"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// mount marks a drive letter mounted the way Windows records it (an MBR
// disk signature and partition offset); the volume model replaces this.
func mount(t *testing.T, h *Host, drive string) {
	t.Helper()
	if err := h.SetRegistryValue("HKLM", KeyMountedDevices, `\DosDevices\`+drive+":", agent.RegistryValue{Type: agent.RegBinary, Data: "1a2b3c4d0000100000000000"}); err != nil {
		t.Fatal(err)
	}
}

func finance() agent.Share {
	return agent.Share{Name: "Finance Team", Path: `X:\Finance`, Description: "Money; $x 'q' \"dq\" `b` ü", CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{
			{Account: `BUILTIN\Guests`, Right: agent.RightFull, Type: agent.AccessDeny},
			{Account: `CORP\Finance`, Right: agent.RightFull, Type: agent.AccessAllow},
		}}
}

var scopeXY = []string{`X:\`, `Y:\`}

func TestShareRegistryFormat(t *testing.T) {
	h := New("server1", nil)
	mount(t, h, "X")
	s := finance()
	s.ConcurrentUserLimit = 25
	s.AccessBasedEnumeration = true
	s.EncryptData = true
	s.CachingMode = agent.CachingDocuments
	var res agent.ShareSetResult
	s.Access[0], s.Access[1] = s.Access[1], s.Access[0] // given allow first
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	s.Access[0], s.Access[1] = s.Access[1], s.Access[0] // stored deny first, as Windows orders a canonical DACL
	if res.Action != agent.ShareCreated {
		t.Fatalf("action %q", res.Action)
	}
	v := get(t, h, KeyLanmanServerShares, "Finance Team")
	want := []string{"CATimeout=0", "CSCFlags=16", "MaxUses=25", `Path=X:\Finance`, "Permissions=0", "Remark=" + s.Description,
		"ShareFlags=" + "34816", "ShareName=Finance Team", "Type=0"}
	if v.Value.Type != agent.RegMultiSZ || !reflect.DeepEqual(v.Value.Strings, want) {
		t.Fatalf("share value:\n got %q\nwant %q", v.Value.Strings, want)
	}
	sec := get(t, h, KeyShareSecurity, "Finance Team")
	if sec.Value.Type != agent.RegBinary || !strings.HasPrefix(sec.Value.Data, "01000480") {
		t.Fatalf("security value: %+v", sec.Value)
	}
	var list agent.ShareListResult
	mustCall(t, h, agent.ShareList.Name, agent.ShareListParams{Scope: []string{`x:`}}, &list)
	if len(list.Shares) != 1 || !list.Shares[0].Available {
		t.Fatalf("list: %+v", list)
	}
	got := list.Shares[0].Share
	if got.Access[0].Type != agent.AccessDeny || got.Access[1].Account != `CORP\Finance` {
		t.Fatalf("access order: %+v", got.Access)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
	}
	// Unlimited is MaxUses=4294967295 and no Remark line when empty.
	s2 := agent.Share{Name: "Plain", Path: `X:\Plain`, CachingMode: agent.CachingNone, Access: []agent.ShareAccess{}}
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s2, Scope: scopeXY}, nil)
	if v := get(t, h, KeyLanmanServerShares, "plain"); strings.Join(v.Value.Strings, "|") !=
		`CATimeout=0|CSCFlags=48|MaxUses=4294967295|Path=X:\Plain|Permissions=0|ShareName=Plain|Type=0` {
		t.Fatalf("plain share: %q", v.Value.Strings)
	}
}

// TestSeedCopyCarriesAShare copies the two registry values to another host,
// as an administrator's script does with reg query / reg add.
func TestSeedCopyCarriesAShare(t *testing.T) {
	tl := timeline.New()
	h1, h2 := New("server1", tl), New("server2", tl)
	mount(t, h1, "X")
	mustCall(t, h1, agent.ShareSet.Name, agent.ShareSetParams{Share: finance(), Scope: scopeXY}, nil)
	for _, key := range []string{KeyLanmanServerShares, KeyShareSecurity} {
		v, ok := h1.RegistryValue("HKLM", key, "Finance Team")
		if !ok {
			t.Fatalf("%s missing", key)
		}
		if err := h2.SetRegistryValue("HKLM", key, "Finance Team", v); err != nil {
			t.Fatal(err)
		}
	}
	if h2.Serves("finance team") {
		t.Fatal("server2 serves a share whose volume is not mounted")
	}
	var list agent.ShareListResult
	mustCall(t, h2, agent.ShareList.Name, agent.ShareListParams{Scope: scopeXY}, &list)
	if len(list.Shares) != 1 || list.Shares[0].Available {
		t.Fatalf("unmounted share must be listed as unavailable: %+v", list)
	}
	mount(t, h2, "X")
	if !h2.Serves("FINANCE TEAM") {
		t.Fatal("server2 does not serve the copied share once X: is mounted")
	}
	mustCall(t, h2, agent.ShareList.Name, agent.ShareListParams{Scope: scopeXY}, &list)
	if !reflect.DeepEqual(list.Shares[0].Share, finance()) {
		t.Fatalf("copied share:\n got %+v\nwant %+v", list.Shares[0].Share, finance())
	}
}

func TestShareSetExactAccessAndEvents(t *testing.T) {
	tl := timeline.New()
	h := New("server1", tl)
	mount(t, h, "X")
	s := finance()
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, nil)
	var res agent.ShareSetResult
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	if res.Action != agent.ShareUnchanged {
		t.Fatalf("second set: %q", res.Action)
	}
	// An empty access list means nobody: no implicit Everyone:Read.
	s.Access = nil
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	if res.Action != agent.ShareUpdated {
		t.Fatalf("third set: %q", res.Action)
	}
	info := h.Shares()
	if got := info[len(info)-1]; got.Name != "Finance Team" || len(got.Access) != 0 {
		t.Fatalf("after clearing access: %+v", got)
	}
	s.Path = `X:\Elsewhere`
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, nil)
	var rm agent.ShareRemoveResult
	mustCall(t, h, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: "FINANCE team", Scope: scopeXY}, &rm)
	mustCall(t, h, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: "FINANCE team", Scope: scopeXY}, &rm)
	if rm.Existed {
		t.Fatal("second remove must report !Existed")
	}
	var kinds []string
	for _, ev := range tl.Events() {
		if strings.HasPrefix(ev.Kind, "share.") {
			kinds = append(kinds, ev.Kind)
		}
	}
	want := []string{"share.create", "share.update", "share.remove", "share.create", "share.remove"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	if _, ok := h.RegistryValue("HKLM", KeyShareSecurity, "Finance Team"); ok {
		t.Fatal("security value left behind")
	}
}

func TestShareRefusals(t *testing.T) {
	h := New("server1", nil)
	mount(t, h, "X")
	// Y: is not mounted: a clear error, nothing written.
	s := finance()
	s.Path = `Y:\Finance`
	err := call(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, nil)
	if err == nil || err.Code != agent.CodeVolumeNotMounted || !strings.Contains(err.Message, "SERVER1") || !strings.Contains(err.Message, `Y:\Finance`) {
		t.Fatalf("unmounted: %v", err)
	}
	if _, ok := h.RegistryValue("HKLM", KeyLanmanServerShares, s.Name); ok {
		t.Fatal("a share was written for an unmounted volume")
	}
	// A C:\ share of the same name is outside the scope: never touched.
	c := finance()
	c.Path = `C:\Finance`
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: c, Scope: []string{`C:\`}}, nil)
	if err := call(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: finance(), Scope: scopeXY}, nil); err == nil || err.Code != agent.CodeShareConflict {
		t.Fatalf("conflict on set: %v", err)
	}
	if err := call(t, h, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: c.Name, Scope: scopeXY}, nil); err == nil || err.Code != agent.CodeShareConflict {
		t.Fatalf("conflict on remove: %v", err)
	}
	if err := call(t, h, agent.ShareRemove.Name, agent.ShareRemoveParams{Name: "C$", Scope: []string{`C:\`}}, nil); err == nil || err.Code != agent.CodeShareConflict {
		t.Fatalf("administrative share removed: %v", err)
	}
	bad := finance()
	bad.Access = []agent.ShareAccess{{Account: `OTHER\x`, Right: agent.RightRead, Type: agent.AccessAllow}}
	if err := call(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: bad, Scope: scopeXY}, nil); err == nil || err.Code != agent.CodeUnknownAccount {
		t.Fatalf("unknown account: %v", err)
	}
	for name, p := range map[string]agent.ShareSetParams{
		"no scope":      {Share: finance()},
		"outside scope": {Share: finance(), Scope: []string{`Y:\`}},
		"bad name":      {Share: agent.Share{Name: "a;b", Path: `X:\a`, CachingMode: agent.CachingManual}, Scope: scopeXY},
		"bad caching":   {Share: agent.Share{Name: "a", Path: `X:\a`, CachingMode: "Manual"}, Scope: scopeXY},
	} {
		if err := call(t, h, agent.ShareSet.Name, p, nil); err == nil || err.Code != agent.CodeInvalidParams {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The scope filter never returns C:\ or administrative shares.
	var list agent.ShareListResult
	mustCall(t, h, agent.ShareList.Name, agent.ShareListParams{Scope: scopeXY}, &list)
	if len(list.Shares) != 0 {
		t.Fatalf("scoped list: %+v", list.Shares)
	}
	mustCall(t, h, agent.ShareList.Name, agent.ShareListParams{}, &list)
	if len(list.Shares) != 4 || !list.Shares[0].Special {
		t.Fatalf("full list: %+v", list.Shares)
	}
	var paths agent.SharePathsGetResult
	mustCall(t, h, agent.SharePathsGet.Name, agent.SharePathsGetParams{Paths: []string{`X:\a`, `Y:\b`, `C:\c`}}, &paths)
	if !paths.Paths[0].VolumeMounted || paths.Paths[1].VolumeMounted || !paths.Paths[2].VolumeMounted {
		t.Fatalf("paths: %+v", paths)
	}
}

// A share whose descriptor was written by hand with an unknown SID lists
// that SID as the account, as Windows does.
func TestOrphanSIDAndMissingDescriptor(t *testing.T) {
	h := New("server1", nil)
	mount(t, h, "X")
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: finance(), Scope: scopeXY}, nil)
	orphan := secdesc.MustSID("S-1-5-21-7-7-7-7777")
	raw := secdesc.SD{DACL: []secdesc.ACE{{Type: secdesc.AccessAllowed, Mask: secdesc.MaskRead, SID: orphan}}}.Encode()
	h.mu.Lock()
	h.putValueLocked(shareKeys.security, &regValue{name: "Finance Team", kind: agent.RegBinary, raw: raw})
	h.mu.Unlock()
	all := h.Shares()
	if got := all[len(all)-1].Access; len(got) != 1 || got[0].Account != orphan.String() || got[0].Right != agent.RightRead {
		t.Fatalf("orphan: %+v", got)
	}
	if _, err := h.DeleteRegistryValue("HKLM", KeyShareSecurity, "Finance Team"); err != nil {
		t.Fatal(err)
	}
	all = h.Shares()
	if got := all[len(all)-1].Access; len(got) != 1 || got[0].Account != "Everyone" || got[0].Right != agent.RightFull {
		t.Fatalf("no descriptor: %+v", got)
	}
}

// TestCustomRightsAndOrphanReplaced: an entry whose mask is none of the
// three rights is reported as custom, never as a right it contains, and
// share.set replaces it (and an orphaned SID) with exactly the declared list.
func TestCustomRightsAndOrphanReplaced(t *testing.T) {
	h := New("server1", nil)
	mount(t, h, "X")
	s := finance()
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, nil)
	corp, _ := secdesc.Resolve(`CORP\Finance`)
	orphan := secdesc.MustSID("S-1-5-21-7-7-7-7777")
	raw := secdesc.SD{DACL: []secdesc.ACE{
		{Type: secdesc.AccessAllowed, Mask: secdesc.MaskFull &^ 0x40, SID: corp}, // Full without FILE_DELETE_CHILD
		{Type: secdesc.AccessAllowed, Mask: secdesc.MaskRead, SID: orphan},
	}}.Encode()
	h.mu.Lock()
	h.putValueLocked(shareKeys.security, &regValue{name: "Finance Team", kind: agent.RegBinary, raw: raw})
	h.mu.Unlock()
	all := h.Shares()
	if got := all[len(all)-1].Access; len(got) != 2 || got[0].Right != agent.RightCustom {
		t.Fatalf("custom mask reported as %+v", got)
	}
	var res agent.ShareSetResult
	mustCall(t, h, agent.ShareSet.Name, agent.ShareSetParams{Share: s, Scope: scopeXY}, &res)
	all = h.Shares()
	if res.Action != agent.ShareUpdated || !reflect.DeepEqual(all[len(all)-1].Access, s.Access) {
		t.Fatalf("after share.set (%s): %+v, want %+v", res.Action, all[len(all)-1].Access, s.Access)
	}
}
