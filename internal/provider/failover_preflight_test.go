package provider

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// TestAccFailover_targetMountPointTakenFailsAtPlan: on the standby, X: is
// taken by another volume. The plan of the failover names the server, the
// mount point and what holds it; the apply stops at the same check, and
// the estate is untouched: no change on any server, the array or DNS.
func TestAccFailover_targetMountPointTakenFailsAtPlan(t *testing.T) {
	l := startEstate(t)
	tf := newTFRun(t, l, failoverDir)
	tf.apply("-var", "active=server1")

	other := array.LUN{Path: "/vol/vol1/scratch", Serial: "SCRATCH00001", Size: 10 << 30}
	l.Array().AddLUN(other)
	if _, err := l.Array().Map(other.Path, "server2", -1); err != nil {
		t.Fatal(err)
	}
	if err := l.Host("server2").SeedMount(other.Serial, "X:"); err != nil {
		t.Fatal(err)
	}
	mark := l.Timeline.LastSeq()
	want := spaced(`Mount point X: is in use on server2: it holds`, `serial SCRATCH00001`, `nothing was changed`, `Free X: on server2 first`)
	for _, cmd := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		code, out := tf.run(append(cmd, "-var", "active=server2")...)
		if code == 0 || !want.MatchString(out) {
			t.Fatalf("terraform %s: want the taken X: refused, got exit %d:\n%s", cmd[0], code, out)
		}
	}
	var changes []string
	for _, ev := range eventsSince(l, mark) {
		if ev.Kind == "array.login" {
			continue // a session, not a change
		}
		changes = append(changes, ev.Host+" "+ev.Kind+" "+ev.Detail)
	}
	if len(changes) > 0 {
		t.Fatalf("the refused failover changed the estate:\n%s", strings.Join(changes, "\n"))
	}
	if err := estateSound(l)(); err != nil {
		t.Fatal(err)
	}
}
