package lab

import (
	"strings"
	"testing"
)

func invariantNames(l *Lab) string {
	var names []string
	for _, v := range l.Invariants() {
		names = append(names, string(v.Invariant)+": "+v.Detail)
	}
	return strings.Join(names, "\n")
}

func TestDiskInvariants(t *testing.T) {
	l := startLab(t)
	if v := invariantNames(l); v != "" {
		t.Fatalf("the default estate violates invariants:\n%s", v)
	}
	s1, s2 := l.Host("server1"), l.Host("server2")
	if _, ok := s1.RegistryValue("HKLM", `SYSTEM\MountedDevices`, `\DosDevices\X:`); !ok {
		t.Fatal("server1 starts with X: mounted")
	}
	// A forced unmap: server1 keeps a stale X:, the volume is dirty.
	if _, err := l.Array().Unmap("/vol/vol1/files_x", "server1"); err != nil {
		t.Fatal(err)
	}
	if v := invariantNames(l); !strings.Contains(v, "mount without its disk") || !strings.Contains(v, "server1 still has X:") {
		t.Fatalf("stale mount not reported:\n%s", v)
	}
	// Mapped to both hosts ("one host per LUN" broken) and online on both.
	if _, err := l.Array().Map("/vol/vol1/files_y", "server2", -1); err != nil {
		t.Fatal(err)
	}
	if err := s2.SeedMount("P3OoG4WVLmC1", "Y:"); err != nil {
		t.Fatal(err)
	}
	if v := invariantNames(l); !strings.Contains(v, "one host per disk") {
		t.Fatalf("disk online on two hosts not reported:\n%s", v)
	}
	// The dirty X: served on server2 without repair.
	if _, err := l.Array().Map("/vol/vol1/files_x", "server2", -1); err != nil {
		t.Fatal(err)
	}
	if err := s2.SeedMount("P3OoG4WVLmC0", "X:"); err != nil {
		t.Fatal(err)
	}
	if v := invariantNames(l); !strings.Contains(v, "dirty volume served") || !strings.Contains(v, "server2 serves X:") {
		t.Fatalf("dirty volume served not reported:\n%s", v)
	}
}
