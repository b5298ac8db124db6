package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// The failover tests apply the real examples/failover directory to an
// estate of their own, started as it was set up by hand.

const failoverDir = "../../examples/failover"

var seedFiles = map[string]string{
	`X:\Finance\budget-2026.txt`: "Q1 42000\nQ2 45500\n",
	`Y:\Public\welcome.txt`:      "Files are at \\\\files\\Public\n",
}

// startEstate starts a whole lab for one test and a terraform working
// directory holding examples/failover, its variables pointing at the lab.
func startEstate(t *testing.T) (*lab.Lab, *acctest.Terraform) {
	t.Helper()
	l := acctest.StartLab(t, lab.Options{})
	tf := acctest.NewTerraform(t, testProvider)
	tf.CopyConfig(failoverDir)
	tf.UseLab(l)
	return l, tf
}

// labCheck runs a check of the lab's own state after a step. (Check, with
// its legacy state shim, cannot read for_each instances with string keys.)
type labCheck func() error

func (c labCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c()
}

// estateSound checks the whole lab invariant verdict.
func estateSound(l *lab.Lab) labCheck {
	return func() error {
		if v := l.Invariants(); len(v) > 0 {
			return fmt.Errorf("invariants violated: %+v", v)
		}
		return nil
	}
}

// filesIntact reads the seed's files through the active server's mounts:
// nothing on the volumes was lost on the way.
func filesIntact(l *lab.Lab, server string) labCheck {
	return func() error {
		for path, want := range seedFiles {
			got, ok := l.Host(server).ReadFile(path)
			if !ok || got != want {
				return fmt.Errorf("%s on %s: got %q (found %v), want %q", path, server, got, ok, want)
			}
		}
		return nil
	}
}

// checkFailoverOrder checks the timeline of one move from `from` to `to`:
// shares removed, then for each LUN dismount and offline, unmap, map, a
// rescan, mount; then shares created, the SPNs moved, the alias switched.
func checkFailoverOrder(l *lab.Lab, mark *uint64, from, to string) labCheck {
	return func() error {
		evs := acctest.EventsSince(l, *mark)
		fail := func(format string, args ...any) error {
			return fmt.Errorf(format+"\ntimeline:%s", append(args, evs.String())...)
		}
		last := func(ix []int) int {
			if len(ix) == 0 {
				return -1
			}
			return ix[len(ix)-1]
		}
		removed := evs.Indexes(from, "share.remove", "")
		created := evs.Indexes(to, "share.create", "")
		switched := evs.Indexes("dns", "dns.replace", "")
		if len(removed) == 0 || len(created) == 0 || len(switched) != 1 {
			return fail("want shares removed on %s, created on %s and one alias switch; got %d, %d, %d", from, to, len(removed), len(created), len(switched))
		}
		for _, path := range []string{"/vol/vol1/files_x", "/vol/vol1/files_y"} {
			lun, ok := l.Array().LUN(path)
			if !ok {
				return fail("no LUN %s", path)
			}
			dismount := evs.Indexes(from, "volume.dismount", lun.Serial)
			offline := evs.Indexes(from, "disk.offline", lun.Serial)
			unmap := evs.Indexes("array", "lun.unmap", path)
			mapped := evs.Indexes("array", "lun.map", path)
			mount := evs.Indexes(to, "volume.mount", lun.Serial)
			if len(dismount) == 0 || len(offline) == 0 || len(unmap) != 1 || len(mapped) != 1 || len(mount) != 1 {
				return fail("%s: want dismount, offline, one unmap, one map, one mount; got %d %d %d %d %d", path, len(dismount), len(offline), len(unmap), len(mapped), len(mount))
			}
			rescanBetween := false
			for _, i := range evs.Indexes(to, "storage.rescan", "") {
				if i > mapped[0] && i < mount[0] {
					rescanBetween = true
				}
			}
			steps := []int{last(removed), last(dismount), last(offline), unmap[0], mapped[0], mount[0], created[0], switched[0]}
			for i := 1; i < len(steps); i++ {
				if steps[i-1] >= steps[i] {
					return fail("%s: steps out of order (shares removed, dismount, offline, unmap, map, mount, shares created, alias): %v", path, steps)
				}
			}
			if !rescanBetween {
				return fail("%s: no rescan on %s between the map and the mount", path, to)
			}
		}
		if last(created) > switched[0] {
			return fail("the alias switched before every share was created")
		}
		// The alias's SPNs leave the old account, then reach the new one,
		// between the shares and the alias: never on two accounts.
		released := evs.Indexes("ad", "spn.change", strings.ToUpper(from)+": -")
		added := evs.Indexes("ad", "spn.change", strings.ToUpper(to)+": +")
		if len(released) != 1 || len(added) != 1 {
			return fail("want the SPNs taken off %s and added to %s once each; got %d, %d", from, to, len(released), len(added))
		}
		if !(last(created) < released[0] && released[0] < added[0] && added[0] < switched[0]) {
			return fail("SPN move out of order (shares created %d, released %d, added %d, alias %d)", last(created), released[0], added[0], switched[0])
		}
		return nil
	}
}

// TestAccFailover_adoptFailoverFailback: the first apply of
// examples/failover adopts the estate set up by hand and changes only what
// differs; -var active=server2 fails over in the safe order; -var
// active=server1 fails back; nothing is lost and no invariant is violated.
func TestAccFailover_adoptFailoverFailback(t *testing.T) {
	t.Parallel()
	l, tf := startEstate(t)
	must := func(c labCheck) {
		t.Helper()
		if err := c(); err != nil {
			t.Fatal(err)
		}
	}

	mark := acctest.Mark(l)
	tf.Apply("-var", "active=server1")
	must(estateSound(l))
	must(filesIntact(l, "server1"))
	for _, ev := range acctest.EventsSince(l, mark) {
		switch ev.Kind {
		case "lun.map", "lun.unmap", "volume.mount", "volume.dismount", "share.create", "share.update", "share.remove":
			t.Fatalf("adopting the hand-made estate changed it: %s %s %s", ev.Host, ev.Kind, ev.Detail)
		case "storage.rescan":
			// A rescan costs seconds on Windows; disks already visible need none.
			t.Fatalf("adopting volumes that are already mounted rescanned %s", ev.Host)
		case "registry.set":
			if !strings.Contains(ev.Detail, "CacheTimeout") && !strings.Contains(ev.Detail, "OptionalNames") {
				t.Fatalf("adoption rewrote a registry value that was already right: %s", ev.Detail)
			}
		}
	}
	// What differed: the alias TTL (86400 -> 60, in place, one update), the
	// NetBT cache timeout and the alias as OptionalNames on both servers;
	// the Server service read OptionalNames after one restart per server,
	// its dependents stopped first and started after it.
	for _, server := range []string{"server1", "server2"} {
		if n := acctest.EventsSince(l, mark).Count(server, "service.restart", "stopped Dfs, Browser, Netlogon, LanmanServer; started LanmanServer, Netlogon, Browser, Dfs"); n != 1 {
			t.Fatalf("%s: want one restart of the Server service in the manual order, got %d", server, n)
		}
	}
	if n := acctest.EventsSince(l, mark).Count("dns", "dns.replace", ""); n != 1 {
		t.Fatalf("want one in-place alias update (the TTL), got %d", n)
	}
	if n := acctest.EventsSince(l, mark).Count("server1", "registry.set", "CacheTimeout") + acctest.EventsSince(l, mark).Count("server2", "registry.set", "CacheTimeout"); n != 2 {
		t.Fatalf("want CacheTimeout set on both servers, got %d writes", n)
	}
	if target, _, err := l.Resolve("files.corp.example.com."); err != nil || target != "server1.corp.example.com." {
		t.Fatalf("alias resolves to %q (%v)", target, err)
	}
	tf.PlanIsEmpty("-var", "active=server1")

	for _, move := range []struct{ from, to string }{{"server1", "server2"}, {"server2", "server1"}} {
		mark = acctest.Mark(l)
		tf.Apply("-var", "active="+move.to)
		must(checkFailoverOrder(l, &mark, move.from, move.to))
		must(estateSound(l))
		must(filesIntact(l, move.to))
		if target, _, err := l.Resolve("files.corp.example.com."); err != nil || target != move.to+".corp.example.com." {
			t.Fatalf("after the move to %s the alias resolves to %q (%v)", move.to, target, err)
		}
		tf.PlanIsEmpty("-var", "active="+move.to)
	}
	// examples/failover reaches the array as the docs recommend: SSH, the
	// ONTAP 9 clustershell, host key pinned.
	if got := arrayLogins(l); !strings.Contains(got, "over ssh (ontap, password)") || strings.Contains(got, "telnet") {
		t.Fatalf("want the array reached over SSH with the ONTAP 9 clustershell only; logins: %s", got)
	}
}

// arrayLogins lists the array's login events.
func arrayLogins(l *lab.Lab) string {
	var out []string
	for _, ev := range acctest.AllEvents(l).Filter("array", "array.login", "") {
		out = append(out, ev.Detail)
	}
	return strings.Join(out, "; ")
}

// hardInvariants are the states that must never happen, even in the middle
// of an interrupted failover (the alias check, by contrast, describes a
// failover that has not finished yet).
func hardInvariants(l *lab.Lab) labCheck {
	return func() error {
		for _, v := range l.Invariants() {
			switch v.Invariant {
			case "one host per LUN", "one host per disk", "dirty volume served", "one account per SPN":
				return fmt.Errorf("invariant %q violated: %s", v.Invariant, v.Detail)
			}
		}
		return nil
	}
}

// TestAccFailover_interrupted: a fault at each step of a failover, then a
// plain re-apply that converges with no invariant violated and nothing
// lost on the volumes.
func TestAccFailover_interrupted(t *testing.T) {
	t.Parallel()
	count := func(l *lab.Lab, host, kind, detail string) int {
		return acctest.AllEvents(l).Count(host, kind, detail)
	}
	cases := []struct {
		name  string
		fault lab.FaultRequest
		// bit proves the fault changed the run: the exit code of the
		// interrupted apply and the lab's record.
		bit func(l *lab.Lab, code int) error
	}{
		{"array session cut after unmap", lab.FaultRequest{Target: "array", Kind: "cut", Command: "lun mapping delete"}, func(l *lab.Lab, code int) error {
			if code == 0 {
				return fmt.Errorf("the apply cannot know the unmap's outcome and must stop")
			}
			return nil
		}},
		{"agent lost during the mount", lab.FaultRequest{Server: "server2", Kind: "kill_agent", Op: "volume.mount"}, func(l *lab.Lab, code int) error {
			if count(l, "server2", "fault.fire", "volume.mount") != 1 {
				return fmt.Errorf("the agent was not killed during a mount")
			}
			// The answer was lost, the mount had happened: it is re-read,
			// never repeated.
			if n := count(l, "server2", "volume.mount", ""); n != 2 {
				return fmt.Errorf("want exactly one mount per volume on server2, got %d", n)
			}
			return nil
		}},
		{"DNS timeout during the switch", lab.FaultRequest{Target: "dns", Kind: "timeout"}, func(l *lab.Lab, code int) error {
			if code == 0 {
				return fmt.Errorf("the alias could not be switched, yet the apply succeeded")
			}
			return nil
		}},
		{"server2 slow to see the disk", lab.FaultRequest{Server: "server2", Kind: "slow_disk", Count: 3}, func(l *lab.Lab, code int) error {
			if n := count(l, "server2", "storage.rescan", ""); n < 4 {
				return fmt.Errorf("want the provider to keep rescanning until the disk shows up, got %d rescans", n)
			}
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l, tf := startEstate(t)
			tf.Apply("-var", "active=server1")

			if err := l.InjectFault(c.fault); err != nil {
				t.Fatal(err)
			}
			res := tf.Run("apply", "-auto-approve", "-var", "active=server2")
			code := res.Code
			t.Logf("the interrupted apply exited %d", code)
			if code != 0 && len(res.Diagnostics("error")) == 0 {
				t.Fatalf("a failed apply must say why: %s", res.Explain())
			}
			if err := hardInvariants(l)(); err != nil {
				t.Fatalf("after the interrupted apply: %v", err)
			}
			if err := c.bit(l, code); err != nil {
				t.Fatal(err)
			}
			l.ClearFaults()

			tf.Apply("-var", "active=server2")
			tf.PlanIsEmpty("-var", "active=server2")
			for _, check := range []labCheck{estateSound(l), filesIntact(l, "server2")} {
				if err := check(); err != nil {
					t.Fatal(err)
				}
			}
			if target, _, err := l.Resolve("files.corp.example.com."); err != nil || target != "server2.corp.example.com." {
				t.Fatalf("alias resolves to %q (%v)", target, err)
			}
		})
	}
}

// TestAccFailover_concurrentApplyIsLocked: while one failover runs, a
// second apply on the same state stops at the state lock before touching
// the estate. The lock is this design's quorum: only its holder moves the
// service.
func TestAccFailover_concurrentApplyIsLocked(t *testing.T) {
	t.Parallel()
	l, tf := startEstate(t)
	tf.Apply("-var", "active=server1")

	// Slow server2 down so the failover is still running when the second
	// apply starts.
	if err := l.InjectFault(lab.FaultRequest{Server: "server2", Kind: "latency", LatencyMS: 150}); err != nil {
		t.Fatal(err)
	}
	first := make(chan int, 1)
	go func() {
		res := tf.Run("apply", "-auto-approve", "-var", "active=server2")
		if res.Code != 0 {
			t.Errorf("the first apply failed: %s", res.Explain())
		}
		first <- res.Code
	}()
	lock := filepath.Join(tf.Dir, ".terraform.tfstate.lock.info")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(lock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first apply never took the state lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mark := acctest.Mark(l)
	res := tf.Run("apply", "-auto-approve", "-lock-timeout=0s", "-var", "active=server1")
	if res.Code == 0 || !res.HasDiagnostic("error", "Error acquiring the state lock") {
		t.Fatalf("the second apply must stop at the state lock; %s", res.Explain())
	}
	<-first
	l.ClearFaults()
	// Whatever the lab recorded meanwhile came from the first apply only:
	// the second never reached a server, the array or DNS.
	for _, ev := range acctest.EventsSince(l, mark) {
		if ev.Host == "server1" && (ev.Kind == "volume.mount" || ev.Kind == "share.create") {
			t.Fatalf("the locked-out apply changed the estate: %s %s %s", ev.Host, ev.Kind, ev.Detail)
		}
	}
	tf.PlanIsEmpty("-var", "active=server2")
	if err := estateSound(l)(); err != nil {
		t.Fatal(err)
	}
}

// TestAccFailover_crashFenced: server1 dies; with unreachable_delete =
// "fenced" the failover to server2 goes through, with a warning for each of
// server1's resources, the array unmap fencing server1 off the LUNs. When
// server1 comes back it no longer sees them, and the estate plans empty.
func TestAccFailover_crashFenced(t *testing.T) {
	t.Parallel()
	l, tf := startEstate(t)
	// This one reaches the array over telnet (7-mode), the legacy path: a
	// later *.auto.tfvars.json file overrides the SSH settings.
	tf.UseTelnet(l)
	tf.Apply("-var", "active=server1")
	if got := arrayLogins(l); !strings.Contains(got, "over telnet (ontap7") || strings.Contains(got, "over ssh") {
		t.Fatalf("want the array reached over telnet only; logins: %s", got)
	}

	if err := l.InjectFault(lab.FaultRequest{Server: "server1", Kind: "crash"}); err != nil {
		t.Fatal(err)
	}
	// Without fencing the dead primary blocks the failover, and says so.
	res := tf.Run("apply", "-auto-approve", "-var", "active=server2")
	if res.Code == 0 || !res.HasDiagnostic("error", "", "server1") {
		t.Fatalf("a failover away from a dead server without fencing must fail naming it; %s", res.Explain())
	}
	if err := hardInvariants(l)(); err != nil {
		t.Fatal(err)
	}

	res = tf.Apply("-var", "active=server2", "-var", "unreachable_delete=fenced")
	if !res.HasDiagnostic("warning", "", "treated as fenced") {
		t.Fatalf("a fenced delete must warn: %s", res.Explain())
	}
	for _, check := range []labCheck{estateSound(l), filesIntact(l, "server2")} {
		if err := check(); err != nil {
			t.Fatal(err)
		}
	}
	// The volumes were dirty (server1 died with them mounted): scanned and
	// spot-fixed (repair = "spotfix") before they were mounted on server2.
	if n := acctest.AllEvents(l).Count("server2", "volume.spotfix", "was dirty: true, dirty: false"); n != 2 {
		t.Fatalf("want both dirty volumes spot-fixed clean on server2, got %d spot-fixes", n)
	}

	l.ClearFaults() // server1 boots
	tf.PlanIsEmpty("-var", "active=server2")
	if err := estateSound(l)(); err != nil {
		t.Fatalf("after server1 came back: %v", err)
	}
	if mounts := l.Host("server1").Disks(); len(mounts) != 0 {
		t.Fatalf("server1 still sees the LUNs after the unmap: %+v", mounts)
	}
}

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
	tf := acctest.NewTerraform(t, testProvider)
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
