package san

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Outputs as the filer prints them (Data ONTAP 7-Mode), CR LF already
// turned into \n by the session.
const (
	recLunShowM = `LUN path                            Mapped to          LUN ID  Protocol
-----------------------------------------------------------------------
/vol/vol1/files                     server1                 0     iSCSI
/vol/vol1/files_y                   server1                 1     iSCSI
                                    server2                 4       FCP
/vol/vol2/a_very_long_lun_path_that_overflows_the_column server2 7 iSCSI`
	recMap   = `Sat Nov 24 15:15:29 EST [filer1: lun.map:info]: LUN /vol/vol1/files was mapped to initiator group server1=0`
	recUnmap = `Sat Nov 24 15:16:02 EST [filer1: lun.unmap:info]: LUN /vol/vol1/files was unmapped from initiator group server1`
	recShowV = `        /vol/vol1/files_x          100g (107374182400)    (r/w, online, mapped)
                Serial#: P3OoG4WVLmC0
                Share: none
                Space Reservation: enabled
                Multiprotocol Type: windows
                Maps: server1=0`
	recIGroups = `    server1 (iSCSI) (ostype: windows):
        iqn.1991-05.com.microsoft:server1.corp.example.com (logged in on: e0a)
    server2 (iSCSI) (ostype: windows):
        iqn.1991-05.com.microsoft:server2.corp.example.com (logged in on: e0a)
        iqn.1991-05.com.microsoft:server2-b.corp.example.com`
)

func TestONTAP7ParseLunShowM(t *testing.T) {
	got, err := ParseLunShowM("lun show -m", recLunShowM)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mapping{
		{"/vol/vol1/files", "server1", 0},
		{"/vol/vol1/files_y", "server1", 1},
		{"/vol/vol1/files_y", "server2", 4},
		{"/vol/vol2/a_very_long_lun_path_that_overflows_the_column", "server2", 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got, err := ParseLunShowM("lun show -m", ""); err != nil || len(got) != 0 {
		t.Fatalf("no mappings: got %v %v", got, err)
	}
	// Anything the table does not explain is the array's error, verbatim.
	_, err = ParseLunShowM("lun show -m", "lun: command not permitted for this user")
	var ae *ArrayError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "lun: command not permitted for this user") {
		t.Fatalf("want the array's words in an ArrayError, got %v", err)
	}
}

func TestONTAP7ParseMapUnmapSerialIGroups(t *testing.T) {
	d := ONTAP7{}
	if id, err := d.ParseMap("lun map /vol/vol1/files server1", recMap); err != nil || id != 0 {
		t.Fatalf("map: %d %v", id, err)
	}
	refusal := "lun map: LUN ID 0 is already in use in initiator group server1"
	if _, err := d.ParseMap("lun map /vol/vol1/files server1 0", refusal); err == nil || !strings.Contains(err.Error(), refusal) {
		t.Fatalf("map refusal must be verbatim, got %v", err)
	}
	if err := d.ParseUnmap("lun unmap /vol/vol1/files server1", recUnmap); err != nil {
		t.Fatal(err)
	}
	if err := d.ParseUnmap("lun unmap /vol/vol1/files server2", "lun unmap: LUN /vol/vol1/files is not mapped to initiator group server2"); err == nil {
		t.Fatal("unmap refusal accepted")
	}
	for _, out := range []string{"Serial#: P3OoG4WVLmC0", recShowV} {
		if s, err := d.ParseSerial("lun serial /vol/vol1/files_x", out); err != nil || s != "P3OoG4WVLmC0" {
			t.Fatalf("serial from %q: %q %v", out, s, err)
		}
	}
	if _, err := d.ParseSerial("lun serial /vol/x/y", "lun serial: /vol/x/y : No such LUN exists"); err == nil {
		t.Fatal("unknown LUN gave a serial")
	}
	groups, err := d.ParseIGroups("igroup show", recIGroups)
	if err != nil {
		t.Fatal(err)
	}
	want := []IGroup{
		{"server1", []string{"iqn.1991-05.com.microsoft:server1.corp.example.com"}},
		{"server2", []string{"iqn.1991-05.com.microsoft:server2.corp.example.com", "iqn.1991-05.com.microsoft:server2-b.corp.example.com"}},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Fatalf("igroups %+v", groups)
	}
}

func TestONTAP7Names(t *testing.T) {
	d := ONTAP7{}
	for _, ok := range []string{"/vol/vol1/files_x", "/vol/vol1/qtree/lun.0"} {
		if err := d.CheckLUN(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "files", "/vol/vol1", "/vol/vol1/a b", "/vol/vol1/x;reboot", "/vol/vol1/x\nreboot"} {
		if err := d.CheckLUN(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, bad := range []string{"", "-f", "a b", "x;y", "x\"y", strings.Repeat("g", 97)} {
		if err := d.CheckIGroup(bad); err == nil {
			t.Errorf("igroup %q accepted", bad)
		}
	}
	if d.MapCommand("/vol/v/l", "server1", -1) != "lun map /vol/v/l server1" || d.MapCommand("/vol/v/l", "server1", 3) != "lun map /vol/v/l server1 3" {
		t.Error("map command")
	}
}

// msaConfig is the generic dialect configured for an HP MSA style CLI, as
// the provider documentation shows it.
func msaConfig() GenericConfig {
	return GenericConfig{
		Prompt:         `^# ?$`,
		MapCommand:     "map volume {lun} host {igroup} lun {lun_id}",
		UnmapCommand:   "unmap volume {lun} host {igroup}",
		ListCommand:    "show volume-maps",
		ListPattern:    `^(?P<lun>\S+)\s+(?P<igroup>\S+)\s+(?P<lun_id>\d+)\s+read-write`,
		SerialCommand:  "show volumes {lun}",
		SerialPattern:  `(?m)^\S+\s+\S+\s+(?P<serial>\S+)\s*$`,
		SuccessPattern: `Success: Command completed successfully`,
		ErrorPattern:   `(?m)^Error:.*$`,
	}
}

// msaDialect is the generic dialect configured for the MSA CLI.
func msaDialect(t *testing.T) Dialect {
	t.Helper()
	d, err := NewGeneric(msaConfig())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGenericDialect(t *testing.T) {
	d := msaDialect(t)
	if !d.NeedsID() || d.MapCommand("files_x", "server2", 3) != "map volume files_x host server2 lun 3" {
		t.Fatalf("map command %q", d.MapCommand("files_x", "server2", 3))
	}
	list := "Volume           Host             LUN   Access\n------\nfiles_x          server1          0     read-write\nSuccess: Command completed successfully. (2024-05-01 10:00:00)"
	got, err := d.ParseList("show volume-maps", list)
	if err != nil || !reflect.DeepEqual(got, []Mapping{{"files_x", "server1", 0}}) {
		t.Fatalf("list: %+v %v", got, err)
	}
	refusal := "Error: The specified volume was not found. (nope) (2024-05-01 10:00:00)"
	if _, err := d.ParseMap("map volume nope host server1 lun 0", refusal); err == nil || !strings.Contains(err.Error(), refusal) {
		t.Fatalf("refusal: %v", err)
	}
	if _, err := d.ParseMap("map ...", "something else"); err == nil {
		t.Fatal("an answer without the success line was accepted")
	}
	for name, mut := range map[string]func(*GenericConfig){
		"named group":    func(c *GenericConfig) { c.ListPattern = `^(\S+)\s+(\S+)` },
		"bad regexp":     func(c *GenericConfig) { c.ErrorPattern = `(` },
		"no map":         func(c *GenericConfig) { c.MapCommand = "" },
		"no placeholder": func(c *GenericConfig) { c.UnmapCommand = "unmap volume {lun}" },
		"serial pair":    func(c *GenericConfig) { c.SerialPattern = "" },
	} {
		c := msaConfig()
		mut(&c)
		if _, err := NewGeneric(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := d.CheckLUN("files x"); err == nil {
		t.Error("a blank in a generic LUN name was accepted")
	}
}

// FuzzParseLunShowM: the parser never panics, and what it returns is
// well-formed; a table it printed itself reads back the same.
func FuzzParseLunShowM(f *testing.F) {
	f.Add(recLunShowM)
	f.Add("")
	f.Add("   server2 0 iSCSI")
	f.Add("/vol/a/b x -1 iSCSI")
	f.Add(recIGroups)
	f.Fuzz(func(t *testing.T, out string) {
		maps, err := ParseLunShowM("lun show -m", out)
		if err != nil {
			var ae *ArrayError
			if !errors.As(err, &ae) || ae.Output != out {
				t.Fatalf("error is not the verbatim ArrayError: %v", err)
			}
			return
		}
		for _, m := range maps {
			if m.LUN == "" || m.IGroup == "" || m.ID < 0 || strings.ContainsAny(m.IGroup, " \t\n") {
				t.Fatalf("malformed mapping %+v from %q", m, out)
			}
		}
		var b strings.Builder
		b.WriteString("LUN path   Mapped to   LUN ID  Protocol\n" + strings.Repeat("-", 40) + "\n")
		for _, m := range maps {
			b.WriteString(m.LUN + " " + m.IGroup + " " + strconv.Itoa(m.ID) + " iSCSI\n")
		}
		again, err := ParseLunShowM("lun show -m", b.String())
		if err != nil || !reflect.DeepEqual(again, maps) {
			t.Fatalf("round trip of %+v: %+v %v", maps, again, err)
		}
	})
}
