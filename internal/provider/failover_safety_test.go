package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// TestAccFailover_targetMountPointTakenFailsAtPlan: on the standby, X: is
// taken by another volume. The plan of the failover names the server, the
// mount point and what holds it; the apply stops at the same check, and
// the estate is untouched: no change on any server, the array or DNS.
func TestAccFailover_targetMountPointTakenFailsAtPlan(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l, tf := startEstate(t)
	tf.Apply("-var", "active=server1")

	other := array.LUN{Path: "/vol/vol1/scratch", Serial: "SCRATCH00001", Size: 10 << 30}
	l.Array().AddLUN(other)
	if _, err := l.Array().Map(other.Path, "server2", -1); err != nil {
		t.Fatal(err)
	}
	if err := l.Host("server2").SeedMount(other.Serial, "X:"); err != nil {
		t.Fatal(err)
	}
	mark := acctest.Mark(l)
	for _, cmd := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		res := tf.Run(cmd[0], append(cmd[1:], "-var", "active=server2")...)
		if res.Code == 0 || !res.HasDiagnostic("error", "Mount point in use on the target server",
			"Mount point X: is in use on server2: it holds", "serial SCRATCH00001", "nothing was changed", "Free X: on server2 first") {
			t.Fatalf("terraform %s: want the taken X: refused, got %s", cmd[0], res.Explain())
		}
	}
	var changes []string
	for _, ev := range acctest.EventsSince(l, mark) {
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

// TestAccFailover_cleanFailoverNoViolationAtAnyMoment: the lab's invariants,
// polled every few milliseconds through a failover and a failback with
// realistic latency, never report a violation.
func TestAccFailover_cleanFailoverNoViolationAtAnyMoment(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	lat, _ := lab.LatencyProfile("realistic")
	l := acctest.StartLab(t, lab.Options{Latency: lat})
	tf := acctest.NewTerraform(t, providerBin)
	tf.CopyConfig(failoverDir)
	tf.UseLab(l)
	tf.Apply("-var", "active=server1")
	for _, active := range []string{"server2", "server1"} {
		stop := make(chan struct{})
		seen := make(chan []string, 1)
		go func() {
			var found []string
			for polls := 0; ; polls++ {
				for _, v := range l.Invariants() {
					found = append(found, fmt.Sprintf("%s: %s", v.Invariant, v.Detail))
				}
				select {
				case <-stop:
					seen <- found
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		tf.Apply("-var", "active="+active)
		close(stop)
		if found := <-seen; len(found) > 0 {
			t.Fatalf("failover to %s: violations seen during the apply:\n%s", active, strings.Join(found, "\n"))
		}
	}
}

// TestAccVolumeMount_unreachableTargetFailsAtPlan: the plan of a mount on a
// server that does not answer fails at plan time, naming the server and
// the mount point.
func TestAccVolumeMount_unreachableTargetFailsAtPlan(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	expectPlanError(t, acctest.ProviderBlock(l, acctest.ProviderOpts{})+`
resource "winfs_volume_mount" "v" {
  server      = "server2"
  disk_serial = "P3OoG4WVLmC0"
  mount_point = "X:"
}
`, acctest.Phrases("Cannot check the target server before mounting", "Reading mount point X: on server2 failed", "server2 must answer; nothing was changed"))
}
