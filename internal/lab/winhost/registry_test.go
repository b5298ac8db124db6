package winhost

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// call runs op with params marshalled to JSON and the result re-decoded
// into out, as the wire would.
func call(t *testing.T, h *Host, op string, params any, out any) *agent.Error {
	t.Helper()
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	res, aerr := h.Execute(op, raw)
	if aerr != nil {
		return aerr
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	return nil
}

func mustCall(t *testing.T, h *Host, op string, params any, out any) {
	t.Helper()
	if err := call(t, h, op, params, out); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func hklm(key string) agent.RegistryKeyRef { return agent.RegistryKeyRef{Hive: "HKLM", Key: key} }

func get(t *testing.T, h *Host, key, name string) agent.RegistryGetResult {
	t.Helper()
	var res agent.RegistryGetResult
	mustCall(t, h, agent.RegistryGet.Name, agent.RegistryGetParams{RegistryKeyRef: hklm(key), Name: name}, &res)
	return res
}

func TestSeedState(t *testing.T) {
	h := New("server1", nil)
	if got := get(t, h, KeyNetBTParameters, "CacheTimeout"); !got.Exists || got.Value.Type != agent.RegDWord || got.Value.Data != "600000" {
		t.Fatalf("CacheTimeout: %+v", got)
	}
	if got := get(t, h, KeyComputerName, "ComputerName"); got.Value == nil || got.Value.Data != "SERVER1" {
		t.Fatalf("ComputerName: %+v", got)
	}
	if got := get(t, h, KeyLanmanServerParameters, "DisableStrictNameChecking"); !got.KeyExists || got.Exists {
		t.Fatalf("DisableStrictNameChecking must be absent on a fresh server: %+v", got)
	}
	var list agent.RegistryListResult
	mustCall(t, h, agent.RegistryList.Name, agent.RegistryListParams{RegistryKeyRef: hklm(KeyShareSecurity)}, &list)
	if !list.KeyExists || len(list.Values) != 0 {
		t.Fatalf("Shares\\Security: %+v", list)
	}
	if got := get(t, h, KeyWindowsNTCurrentVer, "ProductName"); got.Value.Data != "Windows Server 2022 Standard" {
		t.Fatalf("ProductName: %+v", got)
	}
}

func TestEveryTypeRoundTrips(t *testing.T) {
	h := New("server1", nil)
	values := map[string]agent.RegistryValue{
		"sz":         {Type: agent.RegSZ, Data: "Caf\u00e9 $x `y' \"z\"\r\n\U0001F600"},
		"expand":     {Type: agent.RegExpandSZ, Data: `%SystemRoot%\system32`},
		"multi":      {Type: agent.RegMultiSZ, Strings: []string{"Path=X:\\Finance", "", "Type=0"}},
		"multiEmpty": {Type: agent.RegMultiSZ},
		"dword":      {Type: agent.RegDWord, Data: "4294967295"},
		"qword":      {Type: agent.RegQWord, Data: "18446744073709551615"},
		"bin":        {Type: agent.RegBinary, Data: "00ff10"},
		"binEmpty":   {Type: agent.RegBinary},
		"none":       {Type: agent.RegNone, Data: "01"},
		"":           {Type: agent.RegSZ, Data: "the default value"},
	}
	for name, v := range values {
		mustCall(t, h, agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: hklm(`SOFTWARE\winfs\types`), Name: name, Value: v, CreateKey: true}, nil)
	}
	var list agent.RegistryListResult
	mustCall(t, h, agent.RegistryList.Name, agent.RegistryListParams{RegistryKeyRef: hklm(`software\WINFS\Types`)}, &list)
	if !reflect.DeepEqual(list.Values, values) {
		t.Fatalf("list:\n got %#v\nwant %#v", list.Values, values)
	}
	for name, want := range values {
		got := get(t, h, `SOFTWARE\winfs\types`, strings.ToUpper(name))
		if !got.Exists || !reflect.DeepEqual(*got.Value, want) {
			t.Errorf("%q: got %+v want %+v", name, got.Value, want)
		}
	}
}

func TestCaseInsensitiveCasePreserving(t *testing.T) {
	tl := timeline.New()
	h := New("server1", tl)
	mustCall(t, h, agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: hklm(`system\currentcontrolset\services\lanmanserver\parameters`),
		Name: "DisableStrictNameChecking", Value: agent.RegistryValue{Type: agent.RegDWord, Data: "1"}}, nil)
	mustCall(t, h, agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: hklm(KeyLanmanServerParameters),
		Name: "disablestrictnamechecking", Value: agent.RegistryValue{Type: agent.RegDWord, Data: "0"}}, nil)
	var list agent.RegistryListResult
	mustCall(t, h, agent.RegistryList.Name, agent.RegistryListParams{RegistryKeyRef: hklm(KeyLanmanServerParameters)}, &list)
	if len(list.Values) != 1 || list.Values["DisableStrictNameChecking"].Data != "0" {
		t.Fatalf("want one value keeping its first spelling, got %+v", list.Values)
	}
	evs := tl.Events()
	if len(evs) != 2 || evs[0].Kind != "registry.set" ||
		evs[0].Detail != `HKLM\system\currentcontrolset\services\lanmanserver\parameters\DisableStrictNameChecking = REG_DWORD 1` {
		t.Fatalf("timeline: %+v", evs)
	}
}

func TestTypeChangeDeletesThenSets(t *testing.T) {
	tl := timeline.New()
	h := New("server1", tl)
	mustCall(t, h, agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: hklm(KeyNetBTParameters),
		Name: "CacheTimeout", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "60000"}}, nil)
	if got := get(t, h, KeyNetBTParameters, "cachetimeout"); got.Value.Type != agent.RegSZ || got.Value.Data != "60000" {
		t.Fatalf("after type change: %+v", got.Value)
	}
	var kinds []string
	for _, ev := range tl.Events() {
		kinds = append(kinds, ev.Kind+" "+ev.Detail)
	}
	want := []string{
		`registry.delete HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\CacheTimeout`,
		`registry.set HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\CacheTimeout = REG_SZ 60000`,
	}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("timeline %q, want %q", kinds, want)
	}
}

func TestDeleteIsIdempotent(t *testing.T) {
	tl := timeline.New()
	h := New("server1", tl)
	var res agent.RegistryDeleteResult
	mustCall(t, h, agent.RegistryDelete.Name, agent.RegistryDeleteParams{RegistryKeyRef: hklm(KeyNetBTParameters), Name: "cachetimeout"}, &res)
	if !res.Existed {
		t.Fatal("first delete must report Existed")
	}
	mustCall(t, h, agent.RegistryDelete.Name, agent.RegistryDeleteParams{RegistryKeyRef: hklm(KeyNetBTParameters), Name: "CacheTimeout"}, &res)
	if res.Existed {
		t.Fatal("second delete must report !Existed")
	}
	mustCall(t, h, agent.RegistryDelete.Name, agent.RegistryDeleteParams{RegistryKeyRef: hklm(`SOFTWARE\nothing\here`), Name: "x"}, &res)
	if res.Existed {
		t.Fatal("delete under a missing key must succeed with !Existed")
	}
	if n := len(tl.Events()); n != 1 {
		t.Fatalf("want one registry.delete event, got %d", n)
	}
}

func TestParameterValidation(t *testing.T) {
	h := New("server1", nil)
	set := func(v string) string {
		return `{"hive":"HKLM","key":"SOFTWARE\\t","name":"x","create_key":true,"value":` + v + `}`
	}
	cases := map[string]struct{ op, params string }{
		"missing params":   {agent.RegistryGet.Name, ``},
		"null params":      {agent.RegistryGet.Name, `null`},
		"unknown field":    {agent.RegistryGet.Name, `{"hive":"HKLM","key":"SOFTWARE","name":"","extra":1}`},
		"wrong json type":  {agent.RegistryGet.Name, `{"hive":"HKLM","key":"SOFTWARE","name":5}`},
		"unknown hive":     {agent.RegistryGet.Name, `{"hive":"HKEY_LOCAL_MACHINE","key":"SOFTWARE","name":""}`},
		"lowercase hive":   {agent.RegistryList.Name, `{"hive":"hklm","key":"SOFTWARE"}`},
		"leading slash":    {agent.RegistryList.Name, `{"hive":"HKLM","key":"\\SOFTWARE"}`},
		"trailing slash":   {agent.RegistryList.Name, `{"hive":"HKLM","key":"SOFTWARE\\"}`},
		"double slash":     {agent.RegistryList.Name, `{"hive":"HKLM","key":"SOFTWARE\\\\x"}`},
		"trailing data":    {agent.RegistryList.Name, `{"hive":"HKLM","key":"SOFTWARE"} {}`},
		"bad hex":          {agent.RegistrySet.Name, set(`{"type":"REG_BINARY","data":"0g"}`)},
		"odd hex":          {agent.RegistrySet.Name, set(`{"type":"REG_BINARY","data":"0"}`)},
		"hex none":         {agent.RegistrySet.Name, set(`{"type":"REG_NONE","data":"xyz"}`)},
		"dword empty":      {agent.RegistrySet.Name, set(`{"type":"REG_DWORD"}`)},
		"dword hex":        {agent.RegistrySet.Name, set(`{"type":"REG_DWORD","data":"0xea60"}`)},
		"dword negative":   {agent.RegistrySet.Name, set(`{"type":"REG_DWORD","data":"-1"}`)},
		"dword plus":       {agent.RegistrySet.Name, set(`{"type":"REG_DWORD","data":"+1"}`)},
		"dword space":      {agent.RegistrySet.Name, set(`{"type":"REG_DWORD","data":" 1"}`)},
		"dword too big":    {agent.RegistrySet.Name, set(`{"type":"REG_DWORD","data":"4294967296"}`)},
		"qword too big":    {agent.RegistrySet.Name, set(`{"type":"REG_QWORD","data":"18446744073709551616"}`)},
		"unknown type":     {agent.RegistrySet.Name, set(`{"type":"REG_LINK","data":""}`)},
		"lowercase type":   {agent.RegistrySet.Name, set(`{"type":"reg_sz","data":""}`)},
		"strings on sz":    {agent.RegistrySet.Name, set(`{"type":"REG_SZ","strings":["a"]}`)},
		"data on multi":    {agent.RegistrySet.Name, set(`{"type":"REG_MULTI_SZ","data":"a"}`)},
		"value field":      {agent.RegistrySet.Name, set(`{"type":"REG_SZ","data":"a","extra":true}`)},
		"create_key type":  {agent.RegistrySet.Name, `{"hive":"HKLM","key":"SOFTWARE","name":"x","create_key":"yes","value":{"type":"REG_SZ"}}`},
		"delete bad hive":  {agent.RegistryDelete.Name, `{"hive":"HKXX","key":"SOFTWARE","name":"x"}`},
		"list extra field": {agent.RegistryList.Name, `{"hive":"HKLM","key":"SOFTWARE","name":"x"}`},
	}
	for name, c := range cases {
		_, err := h.Execute(c.op, json.RawMessage(c.params))
		if err == nil || err.Code != agent.CodeInvalidParams {
			t.Errorf("%s: want invalid_params, got %v", name, err)
		}
	}
	if _, err := h.Execute("registry.rename", json.RawMessage(`{}`)); err == nil || err.Code != agent.CodeUnknownOp {
		t.Errorf("unknown op: %v", err)
	}
	if _, err := h.Execute(agent.Hello.Name, json.RawMessage(`{}`)); err == nil || err.Code != agent.CodeUnknownOp {
		t.Errorf("hello is not a host operation: %v", err)
	}
}

func TestDirectAccessors(t *testing.T) {
	tl := timeline.New()
	h := New("server2", tl)
	if err := h.SetRegistryValue("HKLM", KeyLsa, "DisableLoopbackCheck", agent.RegistryValue{Type: agent.RegDWord, Data: "1"}); err != nil {
		t.Fatal(err)
	}
	if v, ok := h.RegistryValue("HKLM", `system\currentcontrolset\control\lsa`, "disableloopbackcheck"); !ok || v.Data != "1" {
		t.Fatalf("RegistryValue: %+v %v", v, ok)
	}
	if err := h.SetRegistryValue("HKLM", KeyLsa, "x", agent.RegistryValue{Type: agent.RegDWord, Data: "x"}); err == nil {
		t.Fatal("bad value accepted")
	}
	if existed, err := h.DeleteRegistryValue("HKLM", KeyLsa, "DisableLoopbackCheck"); err != nil || !existed {
		t.Fatalf("DeleteRegistryValue: %v %v", existed, err)
	}
	if len(tl.Events()) != 2 || tl.Events()[0].Host != "server2" {
		t.Fatalf("timeline: %+v", tl.Events())
	}
}
