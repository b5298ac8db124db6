package array

import (
	"strings"
	"testing"
	"time"

	telnet "github.com/reiver/go-telnet"
)

// reiver/go-telnet's client discards negotiation without answering it: the
// array must still serve it (it then echoes nothing, as RFC 854 says).
func TestNonNegotiatingClient(t *testing.T) {
	_, port := newTestArray(t, "pw")
	conn, err := telnet.DialTo("127.0.0.1:" + port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		one := make([]byte, 1) // its Read fills the whole buffer before returning
		for {
			if _, err := conn.Read(one); err != nil {
				got <- b.String()
				return
			}
			b.WriteByte(one[0])
			s := b.String()
			switch {
			case strings.HasSuffix(s, "login: "):
				_, _ = conn.Write([]byte("root\r\n"))
			case strings.HasSuffix(s, "Password: "):
				_, _ = conn.Write([]byte("pw\r\n"))
			case strings.HasSuffix(s, "filer1> ") && !strings.Contains(s, "iSCSI"):
				_, _ = conn.Write([]byte("lun show -m\r\n"))
			case strings.HasSuffix(s, "filer1> "):
				got <- s
				return
			}
		}
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, "/vol/vol1/files_x                   server1                 0     iSCSI") {
			t.Fatalf("session:\n%s", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer from the array")
	}
}

func TestMapUnmapTimelineAndHook(t *testing.T) {
	a, _ := newTestArray(t, "pw")
	var changes []Change
	a.Subscribe(func(c Change) { changes = append(changes, c) })
	start := a.Mappings()
	before := len(a.Timeline().Events())
	if _, err := a.Map("/vol/vol1/files_x", "server2", -1); err != nil {
		t.Fatal(err)
	}
	if d := a.DoubleMapped(); len(d["/vol/vol1/files_x"]) != 2 {
		t.Fatalf("double mapping not reported: %v", d)
	}
	if _, err := a.Unmap("/vol/vol1/files_x", "server1"); err != nil {
		t.Fatal(err)
	}
	evs := a.Timeline().Events()[before:]
	if len(evs) != 2 || evs[0].Kind != "lun.map" || evs[1].Kind != "lun.unmap" || evs[0].Host != "array" {
		t.Fatalf("timeline %+v", evs)
	}
	if v := ReplayDoubleMappings(start, evs); len(v) != 1 || !strings.Contains(v[0], "server1 and server2") {
		t.Fatalf("replay: %v", v)
	}
	if len(changes) != 2 || changes[0].Host != "server2" || changes[1].Kind != "unmap" {
		t.Fatalf("hook: %+v", changes)
	}
	if p := a.PresentedTo("server2"); len(p) != 1 || p[0].Serial != "P3OoG4WVLmC0" {
		t.Fatalf("presented: %+v", p)
	}
	if p := a.PresentedTo("server1"); len(p) != 0 {
		t.Fatalf("still presented to server1: %+v", p)
	}
}

func TestONTAPCLIErrors(t *testing.T) {
	a, _ := newTestArray(t, "pw")
	for cmd, want := range map[string]string{
		"lun map /vol/vol1/nope server1":         "lun map: /vol/vol1/nope : No such LUN exists",
		"lun map /vol/vol1/files_x nobody":       "lun map: initiator group nobody does not exist",
		"lun map /vol/vol1/files_x server1":      "is already mapped to initiator group server1",
		"lun map /vol/vol1/files_x server2 9999": "invalid LUN ID 9999",
		"lun unmap /vol/vol1/files_x server2":    "is not mapped to initiator group server2",
		"lun serial /vol/vol1/files_x":           "Serial#: P3OoG4WVLmC0",
		"lun show -v /vol/vol1/files_x":          "Maps: server1=0",
		"help":                                   "lun map <lun_path>",
		"reboot":                                 "reboot not found.  Type '?' for a list of commands",
	} {
		if out, _ := a.execONTAP(cmd); !strings.Contains(out, want) {
			t.Errorf("%s:\n%s\nwant %q", cmd, out, want)
		}
	}
}
