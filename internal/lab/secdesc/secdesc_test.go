package secdesc

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
)

// everyoneFull is a share descriptor granting Everyone Full, as Windows
// writes it without owner and group: header (control 0x8004 = self-relative,
// DACL present; DACL at 0x14), ACL revision 2 of 0x1c bytes with one ACE,
// ACCESS_ALLOWED 0x001f01ff for S-1-1-0.
const everyoneFull = "01000480" + "00000000" + "00000000" + "00000000" + "14000000" +
	"02001c00" + "01000000" +
	"00001400" + "ff011f00" + "010100000000000100000000"

func TestDecodeKnownEveryoneFull(t *testing.T) {
	raw, _ := hex.DecodeString(everyoneFull)
	sd, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner != nil || sd.Group != nil || len(sd.DACL) != 1 {
		t.Fatalf("decoded %+v", sd)
	}
	a := sd.DACL[0]
	if a.Type != AccessAllowed || a.Mask != MaskFull || a.SID.String() != "S-1-1-0" || Name(a.SID) != "Everyone" {
		t.Fatalf("ACE %+v (%s)", a, Name(a.SID))
	}
	// Encoding the same DACL without owner and group gives the same bytes.
	if got := (SD{DACL: sd.DACL}).Encode(); !bytes.Equal(got, raw) {
		t.Fatalf("encode:\n got %x\nwant %x", got, raw)
	}
}

func TestRoundTrip(t *testing.T) {
	admins, system := MustSID("S-1-5-32-544"), MustSID("S-1-5-18")
	corp, err := Resolve(`corp\Finance Team`)
	if err != nil {
		t.Fatal(err)
	}
	in := SD{Owner: &admins, Group: &system, DACL: []ACE{
		{Type: AccessDenied, Mask: MaskFull, SID: MustSID("S-1-5-32-546")},
		{Type: AccessAllowed, Mask: MaskChange, SID: corp},
		{Type: AccessAllowed, Mask: MaskRead, SID: MustSID("S-1-1-0")},
	}}
	raw := in.Encode()
	if raw[0] != 1 || raw[2] != 0x04 || raw[3] != 0x80 {
		t.Fatalf("header %x", raw[:4])
	}
	out, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
	if Name(corp) != `CORP\Finance Team` {
		t.Fatalf("Name(%s) = %q", corp, Name(corp))
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	raw, _ := hex.DecodeString(everyoneFull)
	for name, b := range map[string][]byte{
		"short":         raw[:10],
		"not relative":  append([]byte{1, 0, 4, 0}, raw[4:]...),
		"acl too big":   append(append([]byte{}, raw[:22]...), append([]byte{0xff, 0}, raw[24:]...)...),
		"truncated ace": raw[:len(raw)-4],
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestResolve(t *testing.T) {
	cases := map[string]string{
		"everyone":                         "S-1-1-0",
		`BUILTIN\Administrators`:           "S-1-5-32-544",
		`builtin\users`:                    "S-1-5-32-545",
		`NT AUTHORITY\Authenticated Users`: "S-1-5-11",
		`CORP\Domain Users`:                DomainSID + "-513",
		"S-1-5-21-1-2-3-4242":              "S-1-5-21-1-2-3-4242",
	}
	for name, want := range cases {
		sid, err := Resolve(name)
		if err != nil || sid.String() != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", name, sid, err, want)
		}
	}
	a, _ := Resolve(`CORP\Finance`)
	b, _ := Resolve(`corp\FINANCE`)
	if !a.Equal(b) || a.Sub[len(a.Sub)-1] < 1100 {
		t.Fatalf("CORP RIDs must be stable and case-insensitive: %s %s", a, b)
	}
	for _, bad := range []string{"Administrators", `OTHER\x`, "user@corp.example.com", `CORP\`} {
		if _, err := Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) succeeded", bad)
		}
	}
	if n := Name(MustSID("S-1-5-21-9-9-9-9")); n != "S-1-5-21-9-9-9-9" {
		t.Errorf("orphan SID named %q", n)
	}
}
