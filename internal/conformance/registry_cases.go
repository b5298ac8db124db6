package conformance

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

var scratchRef = agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey}

// awkwardText has what breaks naive quoting: non-ASCII (Latin, CJK and a
// character outside the BMP), both quote kinds, $, backticks, and a
// PowerShell subexpression that must stay text.
const awkwardText = "Été 東京 😀 'single' \"double\" $env:ComputerName `backtick` $(Get-Date)"

// awkwardValues are written, read back and listed with the same meaning.
var awkwardValues = []struct {
	name  string
	value agent.RegistryValue
}{
	{"sz " + awkwardText, agent.RegistryValue{Type: agent.RegSZ, Data: awkwardText}},
	{"sz empty", agent.RegistryValue{Type: agent.RegSZ, Data: ""}},
	{"expand_sz unexpanded", agent.RegistryValue{Type: agent.RegExpandSZ, Data: `%SystemRoot%\winfs "$x"`}},
	{"dword max", agent.RegistryValue{Type: agent.RegDWord, Data: "4294967295"}},
	{"dword zero", agent.RegistryValue{Type: agent.RegDWord, Data: "0"}},
	{"qword max", agent.RegistryValue{Type: agent.RegQWord, Data: "18446744073709551615"}},
	{"multi_sz empty", agent.RegistryValue{Type: agent.RegMultiSZ}},
	{"multi_sz awkward", agent.RegistryValue{Type: agent.RegMultiSZ, Strings: []string{awkwardText, "second", "Path=C:\\x"}}},
	{"binary empty", agent.RegistryValue{Type: agent.RegBinary, Data: ""}},
	{"binary 00", agent.RegistryValue{Type: agent.RegBinary, Data: "00"}},
	{"binary bytes", agent.RegistryValue{Type: agent.RegBinary, Data: "00ff10abcdef"}},
	{"none", agent.RegistryValue{Type: agent.RegNone, Data: "0102"}},
}

func setScratch(ctx context.Context, r *Run, name string, v agent.RegistryValue) error {
	return step("registry.set "+name, r.C.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: scratchRef, Name: name, Value: v, CreateKey: true}))
}

// readBack checks that registry.get answers v for name.
func readBack(ctx context.Context, r *Run, name string, v agent.RegistryValue) error {
	got, err := r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: scratchRef, Name: name})
	if err != nil {
		return step("registry.get "+name, err)
	}
	if !got.KeyExists || !got.Exists || got.Value == nil {
		return failf("registry.get %q after the write: key_exists %t, exists %t", name, got.KeyExists, got.Exists)
	}
	if !windows.SameRegistryValue(*got.Value, v) {
		return failf("registry.get %q: got %+v, wrote %+v", name, *got.Value, v)
	}
	return nil
}

// roundTrip writes v as name, then checks that it reads back the same.
func roundTrip(ctx context.Context, r *Run, name string, v agent.RegistryValue) error {
	if err := setScratch(ctx, r, name, v); err != nil {
		return err
	}
	return readBack(ctx, r, name, v)
}

var registryCases = []Case{
	{Op: agent.RegistrySet.Name, Name: "creates the key and writes a REG_SZ", Run: func(ctx context.Context, r *Run) error {
		return roundTrip(ctx, r, "plain", agent.RegistryValue{Type: agent.RegSZ, Data: "conformance"})
	}},
	{Op: agent.RegistrySet.Name, Name: "create_key creates every missing key of the path", Run: func(ctx context.Context, r *Run) error {
		deep := agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey + `\nested\deep`}
		if err := r.C.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: deep, Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "1"}, CreateKey: true}); err != nil {
			return step("registry.set", err)
		}
		got, err := r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: ScratchHive, Key: strings.ToUpper(ScratchKey) + `\NESTED`}, Name: "x"})
		if err != nil || !got.KeyExists || got.Exists {
			return failf("the intermediate key: %+v, %v; want it to exist, empty", got, err)
		}
		return nil
	}},
	{Op: agent.RegistryGet.Name, Name: "reads numbers in decimal without leading zeros, bytes in lower-case hex", Run: func(ctx context.Context, r *Run) error {
		for _, c := range []struct{ in, out agent.RegistryValue }{
			{agent.RegistryValue{Type: agent.RegDWord, Data: "060000"}, agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}},
			{agent.RegistryValue{Type: agent.RegQWord, Data: "0"}, agent.RegistryValue{Type: agent.RegQWord, Data: "0"}},
			{agent.RegistryValue{Type: agent.RegBinary, Data: "ABcd"}, agent.RegistryValue{Type: agent.RegBinary, Data: "abcd"}},
		} {
			if err := setScratch(ctx, r, "canonical", c.in); err != nil {
				return err
			}
			got, err := r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: scratchRef, Name: "canonical"})
			if err != nil || got.Value == nil || got.Value.Type != c.out.Type || got.Value.Data != c.out.Data {
				return failf("wrote %s %q: read %+v, %v; want %q", c.in.Type, c.in.Data, got.Value, err, c.out.Data)
			}
		}
		return nil
	}},
	{Op: agent.RegistrySet.Name, Name: "awkward data of every type reads back the same", Run: func(ctx context.Context, r *Run) error {
		for _, a := range awkwardValues {
			if err := roundTrip(ctx, r, a.name, a.value); err != nil {
				return err
			}
		}
		return nil
	}},
	{Op: agent.RegistrySet.Name, Name: "the default value (name \"\")", Run: func(ctx context.Context, r *Run) error {
		return roundTrip(ctx, r, "", agent.RegistryValue{Type: agent.RegSZ, Data: "default"})
	}},
	{Op: agent.RegistrySet.Name, Name: "a write of another type replaces the type", Run: func(ctx context.Context, r *Run) error {
		if err := setScratch(ctx, r, "retyped", agent.RegistryValue{Type: agent.RegSZ, Data: "12"}); err != nil {
			return err
		}
		v := agent.RegistryValue{Type: agent.RegDWord, Data: "12"}
		return roundTrip(ctx, r, "retyped", v)
	}},
	{Op: agent.RegistrySet.Name, Name: "a missing key without create_key is key_not_found", Run: func(ctx context.Context, r *Run) error {
		err := r.C.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey + `\missing`},
			Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "x"}})
		return wantCode(err, agent.CodeKeyNotFound)
	}},
	{Op: agent.RegistrySet.Name, Name: "out-of-range and malformed data are invalid_params", Run: func(ctx context.Context, r *Run) error {
		for _, v := range []agent.RegistryValue{
			{Type: agent.RegDWord, Data: "4294967296"},
			{Type: agent.RegQWord, Data: "18446744073709551616"},
			{Type: agent.RegDWord, Data: "-1"},
			{Type: agent.RegBinary, Data: "0"},
			{Type: agent.RegBinary, Data: "zz"},
			{Type: "REG_LINK", Data: "x"},
		} {
			err := r.C.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: scratchRef, Name: "invalid", Value: v, CreateKey: true})
			if err := wantCode(err, agent.CodeInvalidParams); err != nil {
				return fmt.Errorf("%s %q: %w", v.Type, v.Data, err)
			}
		}
		return nil
	}},
	{Op: agent.RegistrySet.Name, Name: "an unknown hive or a doubled backslash is invalid_params", Run: func(ctx context.Context, r *Run) error {
		for _, ref := range []agent.RegistryKeyRef{{Hive: "HKXX", Key: ScratchKey}, {Hive: "hklm", Key: ScratchKey}, {Hive: ScratchHive, Key: `SOFTWARE\\winfs-conformance`}} {
			err := r.C.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: ref, Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "x"}, CreateKey: true})
			if err := wantCode(err, agent.CodeInvalidParams); err != nil {
				return fmt.Errorf(`%s\%s: %w`, ref.Hive, ref.Key, err)
			}
		}
		return nil
	}},

	{Op: agent.RegistryGet.Name, Name: "names compare case-insensitively", Run: func(ctx context.Context, r *Run) error {
		v := agent.RegistryValue{Type: agent.RegSZ, Data: "case"}
		if err := setScratch(ctx, r, "MixedCase", v); err != nil {
			return err
		}
		return readBack(ctx, r, "MIXEDCASE", v)
	}},
	{Op: agent.RegistryGet.Name, Name: "a missing key and a missing value are answers, not errors", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey + `\missing`}, Name: "x"})
		if err != nil || got.KeyExists || got.Exists || got.Value != nil {
			return failf("missing key: got %+v, %v", got, err)
		}
		if err := setScratch(ctx, r, "present", agent.RegistryValue{Type: agent.RegSZ, Data: "x"}); err != nil {
			return err
		}
		got, err = r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: scratchRef, Name: "absent"})
		if err != nil || !got.KeyExists || got.Exists || got.Value != nil {
			return failf("missing value: got %+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.RegistryGet.Name, Name: `HKLM\SECURITY (SYSTEM only) is access_denied`, Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: `SECURITY\Policy`}, Name: ""})
		return wantCode(err, agent.CodeAccessDenied)
	}},

	{Op: agent.RegistryList.Name, Name: "lists every value with its type and data", Run: func(ctx context.Context, r *Run) error {
		for _, a := range awkwardValues {
			if err := setScratch(ctx, r, a.name, a.value); err != nil {
				return err
			}
		}
		got, err := r.C.RegistryList(ctx, scratchRef)
		if err != nil {
			return step("registry.list", err)
		}
		if !got.KeyExists {
			return failf("registry.list: key_exists false after writes")
		}
		for _, a := range awkwardValues {
			v, ok := got.Values[a.name]
			if !ok {
				return failf("registry.list: %q missing (listed: %s)", a.name, strings.Join(slices.Sorted(maps.Keys(got.Values)), ", "))
			}
			if !windows.SameRegistryValue(v, a.value) {
				return failf("registry.list %q: got %+v, wrote %+v", a.name, v, a.value)
			}
		}
		return nil
	}},
	{Op: agent.RegistryList.Name, Name: "a missing key lists nothing (an empty object, not null)", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.RegistryList(ctx, agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey + `\missing`})
		if err != nil || got.KeyExists || got.Values == nil || len(got.Values) != 0 {
			return failf("got %+v, %v", got, err)
		}
		return nil
	}},

	{Op: agent.RegistryDelete.Name, Name: "deletes once, then reports nothing to delete", Run: func(ctx context.Context, r *Run) error {
		if err := setScratch(ctx, r, "doomed", agent.RegistryValue{Type: agent.RegDWord, Data: "1"}); err != nil {
			return err
		}
		p := agent.RegistryDeleteParams{RegistryKeyRef: scratchRef, Name: "DOOMED"}
		if err := twice("registry.delete", "existed", func() (bool, error) {
			got, err := r.C.RegistryDelete(ctx, p)
			return got.Existed, err
		}); err != nil {
			return err
		}
		after, err := r.C.RegistryGet(ctx, agent.RegistryGetParams(p))
		if err != nil || after.Exists {
			return failf("after the delete: %+v, %v", after, err)
		}
		return nil
	}},
	{Op: agent.RegistryDelete.Name, Name: "a value of a missing key: nothing to delete", Run: func(ctx context.Context, r *Run) error {
		got, err := r.C.RegistryDelete(ctx, agent.RegistryDeleteParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey + `\missing`}, Name: "x"})
		if err != nil || got.Existed {
			return failf("got %+v, %v", got, err)
		}
		return nil
	}},
	{Op: agent.RegistryDelete.Name, Name: "an unknown hive is invalid_params", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.RegistryDelete(ctx, agent.RegistryDeleteParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKEY_LOCAL_MACHINE", Key: ScratchKey}, Name: "x"})
		return wantCode(err, agent.CodeInvalidParams)
	}},
}
