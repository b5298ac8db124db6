package regpath

import (
	"strings"
	"testing"
)

func TestParseSpellings(t *testing.T) {
	want := `HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`
	for _, in := range []string{
		`HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`,
		`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`,
		`hkey_local_machine\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\`,
		`HKLM:\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`,
		`HKLM:SYSTEM\CurrentControlSet\Services\NetBT\Parameters`,
		`Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\NetBT\Parameters`,
		`HKLM\\SYSTEM\CurrentControlSet\\Services\NetBT\Parameters`,
	} {
		p, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if p.String() != want {
			t.Errorf("Parse(%q) = %q, want %q", in, p.String(), want)
		}
	}
}

func TestParseHives(t *testing.T) {
	for in, hive := range map[string]string{"HKCU": "HKCU", "HKEY_USERS": "HKU", "hkcr": "HKCR", "HKEY_CURRENT_CONFIG": "HKCC"} {
		p, err := Parse(in + `\X`)
		if err != nil || p.Hive != hive {
			t.Errorf("Parse(%s\\X) = %+v, %v; want hive %s", in, p, err, hive)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		`HKXX\Software`:                     "unknown hive",
		`Software\Microsoft`:                "unknown hive",
		`HKLM\` + strings.Repeat("k", 256):  "at most 255",
		`HKLM\` + strings.Repeat(`a\`, 513): "at most 512",
		"HKLM\\Soft\x01ware":                "control characters",
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.40q) error = %v, want it to contain %q", in, err, want)
		}
	}
}

func TestEqualIsCaseInsensitive(t *testing.T) {
	a, _ := Parse(`HKLM\System\CurrentControlSet`)
	b, _ := Parse(`hkey_local_machine\SYSTEM\currentcontrolset`)
	c, _ := Parse(`HKLM\SYSTEM\ControlSet001`)
	if !a.Equal(b) || a.Equal(c) {
		t.Fatalf("Equal: a~b=%v a~c=%v", a.Equal(b), a.Equal(c))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`HKLM\SOFTWARE`, `HKEY_USERS\.DEFAULT\x`, `HKLM:\a\\b\`, `Registry::HKCU`, `\\\`, `HKLM:x:y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		// The normal form is a fixed point and names the same key.
		q, err := Parse(p.String())
		if err != nil {
			t.Fatalf("normal form %q of %q does not parse: %v", p.String(), s, err)
		}
		if q != p {
			t.Fatalf("Parse(Parse(%q).String()) = %+v, want %+v", s, q, p)
		}
		if strings.HasSuffix(p.String(), `\`) || strings.Contains(p.String(), `\\`) {
			t.Fatalf("normal form %q has an empty component", p.String())
		}
	})
}
