package acctest

import (
	"strings"
	"testing"
)

// A terraform apply -json as terraform 1.11 prints it, cut down.
const applyJSON = `{"@level":"info","@message":"Terraform 1.11.4","type":"version","terraform":"1.11.4","ui":"1.2"}
{"@level":"warn","@message":"Warning: Provider development overrides are in effect","diagnostic":{"severity":"warning","summary":"Provider development overrides are in effect","detail":"..."},"type":"diagnostic"}
{"@level":"info","@message":"Plan: 1 to add, 0 to change, 0 to destroy.","changes":{"add":1,"change":0,"import":0,"remove":0,"operation":"plan"},"type":"change_summary"}
{"@level":"warn","@message":"Warning: Check block assertion failed","diagnostic":{"severity":"warning","summary":"Check block assertion failed","detail":"server2 is not serving \\\\files","address":"check.active"},"type":"diagnostic"}
{"@level":"error","@message":"Error: Cannot mount","diagnostic":{"severity":"error","summary":"Cannot mount","detail":"disk 6000 is offline","address":"winfs_volume_mount.x"},"type":"diagnostic"}
{"@level":"info","@message":"Apply complete! Resources: 1 added, 0 changed, 0 destroyed.","changes":{"add":1,"change":0,"import":0,"remove":0,"operation":"apply"},"type":"change_summary"}
not json: a line terraform printed on stderr
`

func TestResultReadsTheJSONUI(t *testing.T) {
	r := Result{Code: 1, Output: applyJSON, Messages: parseMessages(applyJSON)}
	if n := len(r.Diagnostics("")); n != 2 {
		t.Fatalf("want 2 diagnostics (the dev_overrides warning is the driver's own), got %d: %v", n, r.Diagnostics(""))
	}
	if !r.HasDiagnostic("warning", "Check block assertion failed", `serving \\files`) {
		t.Error("the check warning was not found")
	}
	if r.HasDiagnostic("error", "Check block assertion failed") {
		t.Error("a warning was taken for an error")
	}
	if !r.HasDiagnostic("error", "", "disk 6000", "Cannot mount") || r.HasDiagnostic("error", "", "disk 6000", "online") {
		t.Error("every text must be in the summary or detail")
	}
	if s := r.Summary(); s == nil || s.Operation != "apply" || s.Add != 1 {
		t.Errorf("the closing summary is the apply's: %+v", s)
	}
	if e := r.Explain(); !strings.Contains(e, "error: Cannot mount (winfs_volume_mount.x): disk 6000 is offline") {
		t.Errorf("Explain: %s", e)
	}
}

func TestEventsFilter(t *testing.T) {
	evs := Events{
		{Host: "server1", Kind: "share.create", Detail: "Finance"},
		{Host: "server1", Kind: "share.remove", Detail: "Public"},
		{Host: "server2", Kind: "share.create", Detail: "Finance"},
		{Host: "array", Kind: "lun.map", Detail: "/vol/vol1/files_x server2"},
		{Host: "server1", Kind: "shares.list", Detail: ""},
	}
	cases := []struct {
		host, kind, detail string
		want               []int
	}{
		{"server1", "share.", "", []int{0, 1}},
		{"", "share.create", "Finance", []int{0, 2}},
		{"array", "", "files_x", []int{3}},
		{"server1", "share.create", "Public", nil},
	}
	for _, c := range cases {
		got := evs.Indexes(c.host, c.kind, c.detail)
		if len(got) != len(c.want) || evs.Count(c.host, c.kind, c.detail) != len(c.want) {
			t.Errorf("%q %q %q: got %v, want %v", c.host, c.kind, c.detail, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q %q %q: got %v, want %v", c.host, c.kind, c.detail, got, c.want)
			}
		}
	}
	if !strings.Contains(evs.String(), "array") {
		t.Error("String lists the events")
	}
}

func TestResultVersion(t *testing.T) {
	tofu := `{"@level":"info","@message":"OpenTofu 1.12.5","@module":"tofu.ui","tofu":"1.12.5","type":"version","ui":"1.2"}`
	for _, c := range []struct {
		output, want string
		openTofu     bool
	}{{applyJSON, "Terraform 1.11.4", false}, {tofu, "OpenTofu 1.12.5", true}, {"not json", "", false}} {
		r := Result{Messages: parseMessages(c.output)}
		if r.Version() != c.want || r.OpenTofu() != c.openTofu {
			t.Errorf("%.40q: Version %q OpenTofu %v, want %q %v", c.output, r.Version(), r.OpenTofu(), c.want, c.openTofu)
		}
	}
}

// place gives each refusal's resources a name of their own and the lines
// its blocks take in main.tf, which is how an error is attributed to it.
func TestPlaceFindsEachRefusalsLines(t *testing.T) {
	prefix := "provider \"winfs\" {\n}\n"
	refusals := []Refusal{
		{Name: "a", Config: "resource \"winfs_x\" \"bad\" {\n  a = 1\n}\n"},
		{Name: "b", Config: "resource \"winfs_x\" \"bad\" {\n}\nresource \"winfs_y\" \"bad\" {\n}\n"},
	}
	placed := place(prefix, refusals)
	text := requiredProviders + prefix
	for _, p := range placed {
		text += "\n" + p.Config
	}
	lines := strings.Split(text, "\n")
	for i, p := range placed {
		if got := lines[p.first-1]; !strings.HasPrefix(got, "resource ") {
			t.Errorf("refusal %d: line %d is %q, want its first resource", i, p.first, got)
		}
		if p.first > 1 && lines[p.first-2] != "" {
			t.Errorf("refusal %d: line %d before it is %q, want the blank separator", i, p.first-1, lines[p.first-2])
		}
	}
	if placed[0].last >= placed[1].first {
		t.Errorf("refusals overlap: %d-%d and %d-%d", placed[0].first, placed[0].last, placed[1].first, placed[1].last)
	}
	want := map[string]bool{"winfs_x.bad_r1": true, "winfs_y.bad_r1": true}
	if len(placed[1].addresses) != 2 || !placed[1].addresses["winfs_x.bad_r1"] || !placed[1].addresses["winfs_y.bad_r1"] {
		t.Errorf("addresses of b: %v, want %v", placed[1].addresses, want)
	}
	in := Diagnostic{Range: &Range{Filename: "main.tf"}}
	in.Range.Start.Line = placed[1].last - 1
	if !placed[1].owns(in) || placed[0].owns(in) {
		t.Errorf("a diagnostic at line %d: owned by a=%v b=%v, want b only", in.Range.Start.Line, placed[0].owns(in), placed[1].owns(in))
	}
	if !placed[0].owns(Diagnostic{Address: "winfs_x.bad_r0"}) || placed[1].owns(Diagnostic{Address: "winfs_x.bad_r0"}) {
		t.Error("an address is owned by the refusal that declares it alone")
	}
}
