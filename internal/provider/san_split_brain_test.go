package provider

import (
	"strings"
	"sync"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// lunHolders are the igroups the array maps lun to.
func lunHolders(l *lab.Lab, lun string) []string {
	var out []string
	for _, m := range l.Array().Mappings() {
		if m.LUN == lun {
			out = append(out, m.IGroup)
		}
	}
	return out
}

// mappingDir is a terraform working directory of its own (a state of its
// own, as a second team's would be) holding one winfs_san_lun_mapping.
func mappingDir(t *testing.T, l *lab.Lab, lun, igroup string) *acctest.Terraform {
	tf := acctest.NewTerraform(t, providerBin)
	tf.WriteConfig(mappingConfig(l, lun, igroup, ""))
	return tf
}

// TestAccSANLunMapping_handMappedSecondIGroupIsDrift: an administrator maps
// a managed LUN to a second igroup on the array. The plan shows it (exit
// 2), the apply refuses to choose a host and says how to end it, and once
// it is ended by hand the plan is empty again.
func TestAccSANLunMapping_handMappedSecondIGroupIsDrift(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "handmapped")
	tf := mappingDir(t, l, lun.Path, "server1")
	tf.Apply()
	tf.PlanIsEmpty()

	if _, err := l.Array().Map(lun.Path, "server2", 7); err != nil {
		t.Fatal(err)
	}
	plan := tf.Plan()
	if len(plan.ResourceChanges) != 1 || !plan.ResourceChanges[0].Change.Actions.Update() {
		t.Fatalf("want the second igroup planned as an update of the mapping, got %+v", plan.ResourceChanges)
	}
	if got := plan.ResourceChanges[0].Change.Before.(map[string]any)["other_igroups"]; len(got.([]any)) != 1 || got.([]any)[0] != "server2" {
		t.Fatalf("other_igroups before the change: %v", got)
	}
	if res := tf.Run("plan", "-detailed-exitcode"); res.Code != 2 {
		t.Fatalf("plan -detailed-exitcode: want exit 2, got %s", res.Explain())
	}
	mark := acctest.Mark(l)
	res := tf.Run("apply", "-auto-approve")
	if res.Code == 0 || !res.HasDiagnostic("error", "LUN is mapped to two hosts",
		"LUN /vol/acc/handmapped is mapped to initiator group server1 and also to server2", "nothing was changed",
		"lun unmap /vol/acc/handmapped server2", "change igroup to it with takeover = true") {
		t.Fatalf("want the apply to refuse naming both igroups and the way out, got %s", res.Explain())
	}
	if got := lunEvents(l, lun.Path, mark); len(got) != 0 {
		t.Fatalf("the refused apply changed the array: %v", got)
	}
	if _, err := l.Array().Unmap(lun.Path, "server2"); err != nil {
		t.Fatal(err)
	}
	tf.PlanIsEmpty()
	tf.Run("destroy", "-auto-approve")
	if got := lunHolders(l, lun.Path); len(got) != 0 {
		t.Fatalf("after destroy the LUN is still mapped to %v", got)
	}
}

// TestAccSANLunMapping_concurrentStatesNeverSplit: two working directories
// with separate states (no shared lock) map the same LUN, one to server1
// and one to server2, at the same moment, against an array with realistic
// latency. Round after round, at most one apply succeeds and the LUN is
// never left on two igroups; a double mapping lasts at most from one run's
// map to its own undo.
func TestAccSANLunMapping_concurrentStatesNeverSplit(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	lat, _ := lab.LatencyProfile("realistic")
	l := acctest.StartLab(t, lab.Options{Latency: lat})
	lun := accLUN(t, l, "contested")
	runs := []*acctest.Terraform{mappingDir(t, l, lun.Path, "server1"), mappingDir(t, l, lun.Path, "server2")}
	const rounds = 20
	raced, wins := 0, 0
	for round := 1; round <= rounds; round++ {
		mark := acctest.Mark(l)
		results := make([]acctest.Result, len(runs))
		var wg sync.WaitGroup
		for i, tf := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = tf.Run("apply", "-auto-approve")
			}()
		}
		wg.Wait()
		var winners []string
		for i, res := range results {
			switch {
			case res.Code == 0:
				winners = append(winners, []string{"server1", "server2"}[i])
			case !res.HasDiagnostic("error", "", "mapped to initiator group"):
				t.Fatalf("round %d: apply %d failed for another reason than the other igroup: %s", round, i+1, res.Explain())
			}
		}
		holders := lunHolders(l, lun.Path)
		if len(winners) > 1 || strings.Join(holders, ",") != strings.Join(winners, ",") {
			t.Fatalf("round %d: applies that succeeded %v, the array maps the LUN to %v\n%s\n%s", round, winners, holders,
				results[0].Explain(), results[1].Explain())
		}
		if acctest.EventsSince(l, mark).Count("array", "lun.map", lun.Path+" ") > 1 {
			raced++
		}
		wins += len(winners)
		// Back to an unmapped LUN for the next round.
		for i, res := range results {
			if res.Code == 0 {
				if d := runs[i].Run("destroy", "-auto-approve"); d.Code != 0 {
					t.Fatalf("round %d: destroy: %s", round, d.Explain())
				}
			}
		}
		if got := lunHolders(l, lun.Path); len(got) != 0 {
			t.Fatalf("round %d: after the cleanup the LUN is mapped to %v", round, got)
		}
	}
	t.Logf("%d rounds: %d with both runs mapping the LUN, %d won by one run", rounds, raced, wins)
	if raced == 0 {
		t.Fatal("no round had both runs map the LUN: the test did not exercise the race")
	}
	for _, v := range array.ReplayDoubleMappings(nil, acctest.AllEvents(l)) {
		t.Logf("transient, undone within its round: %s", v)
	}
	if left := l.Array().DoubleMapped(); len(left) != 0 {
		t.Fatalf("double mappings left: %v", left)
	}
}
