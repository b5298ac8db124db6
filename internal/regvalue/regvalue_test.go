package regvalue

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

func ptr(s string) *string { return &s }

func TestBuildNumbers(t *testing.T) {
	for _, in := range []string{"60000", "0xea60", "0XEA60", " 60000 "} {
		v, err := Build("dword", ptr(in), nil)
		if err != nil || v.Data != "60000" || v.Type != agent.RegDWord {
			t.Errorf("Build(dword, %q) = %+v, %v", in, v, err)
		}
	}
	v, err := Build("qword", ptr("0xffffffffffffffff"), nil)
	if err != nil || v.Data != "18446744073709551615" {
		t.Errorf("max qword: %+v %v", v, err)
	}
	v, err = Build("dword", ptr("4294967295"), nil)
	if err != nil || v.Data != "4294967295" {
		t.Errorf("max dword: %+v %v", v, err)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		typ    string
		value  *string
		values []string
		want   string
	}{
		{"dword", ptr("4294967296"), nil, "out of range"},
		{"dword", ptr("-1"), nil, "negative"},
		{"qword", ptr("0x1ffffffffffffffff"), nil, "out of range"},
		{"dword", ptr("sixty"), nil, "not a number"},
		{"binary", ptr("abc"), nil, "not valid hex"},
		{"binary", ptr("zz"), nil, "not valid hex"},
		{"string", nil, []string{"a"}, "not `values`"},
		{"multi_string", ptr("a"), nil, "not `value`"},
		{"multi_string", nil, nil, "needs `values`"},
		{"dword", nil, nil, "needs `value`"},
		{"sz", ptr("x"), nil, "not supported"},
		{"string", ptr("a\x00b"), nil, "NUL"},
	}
	for _, c := range cases {
		_, err := Build(c.typ, c.value, c.values)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%s, %v, %v) error = %v, want %q", c.typ, c.value, c.values, err, c.want)
		}
	}
}

func TestBinaryAndMulti(t *testing.T) {
	// No value is empty data for the types that have it (generated
	// configuration writes "" as null), never for a number.
	for _, typ := range []string{"string", "expand_string", "binary"} {
		if v, err := Build(typ, nil, nil); err != nil || v.Data != "" || v.Strings != nil {
			t.Fatalf("%s without value: %+v %v", typ, v, err)
		}
	}
	if _, err := Build("qword", nil, nil); err == nil {
		t.Fatal("qword without value accepted")
	}
	empty, err := Build("binary", ptr(""), nil)
	if err != nil || empty.Data != "" {
		t.Fatalf("empty binary: %+v %v", empty, err)
	}
	zero, err := Build("binary", ptr("00"), nil)
	if err != nil || zero.Data != "00" {
		t.Fatalf("binary 00: %+v %v", zero, err)
	}
	if Same(empty, zero) {
		t.Fatal("empty binary and 00 must differ (a peer's bug writes 0 as empty)")
	}
	up, _ := Build("binary", ptr("ABCD"), nil)
	if !Same(up, agent.RegistryValue{Type: agent.RegBinary, Data: "abcd"}) {
		t.Fatal("binary compares case-insensitively")
	}
	m, err := Build("multi_string", nil, []string{})
	if err != nil || m.Strings == nil || len(m.Strings) != 0 {
		t.Fatalf("empty multi: %+v %v", m, err)
	}
	if !Same(m, agent.RegistryValue{Type: agent.RegMultiSZ}) {
		t.Fatal("an empty list equals a missing list on the wire")
	}
	if Same(agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{"a", "b"}}, agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{"b", "a"}}) {
		t.Fatal("multi-string order matters")
	}
	if Same(agent.RegistryValue{Type: agent.RegDWord, Data: "1"}, agent.RegistryValue{Type: agent.RegQWord, Data: "1"}) {
		t.Fatal("a type change is a difference")
	}
}

func TestTypeNames(t *testing.T) {
	for _, typ := range Types {
		w, ok := WireType(typ)
		if !ok || TypeName(w) != typ {
			t.Errorf("round trip of %s failed: %s %v", typ, w, ok)
		}
	}
	if TypeName(agent.RegNone) != "none" {
		t.Error("REG_NONE is reported as none")
	}
}
