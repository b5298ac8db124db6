package agent

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestEncodeLineIsASCIIAndRoundTrips(t *testing.T) {
	text := "Caf\u00e9 \u2713 \U0001F600 \u2028 <tag> & \"q\" 'q' `$x` \\ \r\n\t\x00 \uFFFD"
	in := RegistryValue{Type: RegMultiSZ, Strings: []string{text, "\U00010000\U0010FFFF", ""}}
	line, err := EncodeLine(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("not exactly one line: %q", line)
	}
	for i, b := range line {
		if b >= 0x80 {
			t.Fatalf("byte %d of %q is not ASCII", i, line)
		}
	}
	if !bytes.Contains(line, []byte(`\ud83d\ude00`)) {
		t.Errorf("astral rune not written as a surrogate pair: %s", line)
	}
	var out RegistryValue
	if err := json.Unmarshal(line, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n got %q\nwant %q", out, in)
	}
}

// jsonEqual compares two JSON texts by meaning.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var va, vb any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func FuzzDecodeRequest(f *testing.F) {
	fuzzRoundTrip(f, []string{
		`{"id":1,"op":"hello","params":{"protocol":1,"script_sha256":"ab"}}`,
		`{"id":18446744073709551615,"op":"registry.get","params":{"hive":"HKLM","key":"SOFTWARE\\x","name":"\u00e9"}}`,
		`{"id":2,"op":"registry.list"}`,
		`{"id":3,"op":"x","params":null}`,
		`{"id":3,"op":"x","params":[1, 2.5e3, "\ud800"]}`,
		`{"op":""}`, `{"id":-1,"op":"x"}`, `{"id":1,"op":"x","extra":1}`, `[]`, ``, `{`,
	}, DecodeRequest, func(t *testing.T, a, b Request) bool {
		return a.ID == b.ID && a.Op == b.Op && jsonEqual(t, a.Params, b.Params)
	})
}

func FuzzDecodeResponse(f *testing.F) {
	fuzzRoundTrip(f, []string{
		`{"id":1,"result":{"key_exists":true,"exists":false}}`,
		`{"id":2,"error":{"code":"key_not_found","message":"registry key 'HKLM\\x' does not exist"}}`,
		`{"id":3,"result":{},"error":{"code":"x","message":"y"}}`,
		`{"id":4}`, `{"id":5,"result":null}`, `{"id":6,"error":null}`, `{"id":7,"result":"\u00e9\ud83d\ude00"}`, `x`,
	}, DecodeResponse, func(t *testing.T, a, b Response) bool {
		return a.ID == b.ID && reflect.DeepEqual(a.Error, b.Error) && jsonEqual(t, a.Result, b.Result)
	})
}

// fuzzRoundTrip fuzzes decode from seeds: whatever line it accepts is
// encoded, decoded again to the same value (as same judges it) and encoded
// again to the same bytes.
func fuzzRoundTrip[T any](f *testing.F, seeds []string, decode func([]byte) (T, error), same func(t *testing.T, a, b T) bool) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		v, err := decode(line)
		if err != nil {
			return
		}
		enc, err := EncodeLine(v)
		if err != nil {
			t.Fatalf("EncodeLine(%+v): %v", v, err)
		}
		again, err := decode(enc)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", enc, err)
		}
		if !same(t, v, again) {
			t.Fatalf("round trip changed the %T:\n  %+v\n  %+v", v, v, again)
		}
		enc2, _ := EncodeLine(again)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable: %q vs %q", enc, enc2)
		}
	})
}

func TestEveryReadIsAnOperationAndWritesAreNotReads(t *testing.T) {
	for _, op := range []string{RegistrySet.Name, RegistryDelete.Name, ShareSet.Name, ShareRemove.Name, VolumeMount.Name, VolumeDismount.Name, DNSCNAMESet.Name, StorageRescan.Name} {
		if ReadOnly(op) {
			t.Errorf("%s changes the host but is listed as read-only: it would be repeated blindly after a broken session", op)
		}
	}
	for _, op := range []string{Hello.Name, RegistryGet.Name, ShareList.Name, DiskList.Name, ServerStatus.Name} {
		if !ReadOnly(op) {
			t.Errorf("%s only reads but is not listed as read-only", op)
		}
	}
}

func TestWellKnownAccounts(t *testing.T) {
	for _, tc := range []struct{ in, sid string }{
		{"Everyone", "S-1-1-0"}, {"everyone", "S-1-1-0"}, {"s-1-1-0", "S-1-1-0"},
		{`BUILTIN\Administrators`, "S-1-5-32-544"}, {"Administrators", "S-1-5-32-544"},
		{"Authenticated Users", "S-1-5-11"}, {`CORP\Finance`, ""}, {"Jeder", ""}, {`\`, ""},
	} {
		if sid, ok := WellKnownSID(tc.in); sid != tc.sid || ok != (tc.sid != "") {
			t.Errorf("WellKnownSID(%q) = %q, %t; want %q", tc.in, sid, ok, tc.sid)
		}
	}
	if n, ok := WellKnownName("S-1-5-32-544"); !ok || n != `BUILTIN\Administrators` {
		t.Errorf("WellKnownName = %q, %t", n, ok)
	}
}
