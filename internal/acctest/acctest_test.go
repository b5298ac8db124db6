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
