package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// newTFConfig is a terraform working directory of its own with hcl as its
// only configuration (a state of its own, as a second team's would be).
func newTFConfig(t *testing.T, hcl string) *tfRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(requiredWinfs+hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	cli, err := tfcli.New("", providerBinary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &tfRun{t: t, dir: dir, cli: cli}
}

// requiredWinfs names the provider's address, which the dev_overrides
// CLI configuration serves from the test build.
const requiredWinfs = `terraform {
  required_providers {
    winfs = { source = "winfs/winfs" }
  }
}
`

func lunHolders(l *lab.Lab, lun string) []string {
	var out []string
	for _, m := range l.Array().Mappings() {
		if m.LUN == lun {
			out = append(out, m.IGroup)
		}
	}
	return out
}

// TestAccSANLunMapping_handMappedSecondIGroupIsDrift: an administrator maps
// a managed LUN to a second igroup on the array. The plan shows it (exit
// 2), the apply refuses to choose a host and says how to end it, and once
// it is ended by hand the plan is empty again.
func TestAccSANLunMapping_handMappedSecondIGroupIsDrift(t *testing.T) {
	requireAcc(t)
	l := sharedLab(t)
	lun := accLUN(t, l, "handmapped")
	tf := newTFConfig(t, mappingConfig(l, lun.Path, "server1", ""))
	tf.apply()
	tf.planIsEmpty()

	if _, err := l.Array().Map(lun.Path, "server2", 7); err != nil {
		t.Fatal(err)
	}
	code, out := tf.run("plan", "-detailed-exitcode")
	if code != 2 || !spaced(`other_igroups`, `"server2"`).MatchString(out) {
		t.Fatalf("want the second igroup as drift (exit 2), got exit %d:\n%s", code, out)
	}
	mark := l.Timeline.LastSeq()
	code, out = tf.run("apply", "-auto-approve")
	want := spaced(`LUN /vol/acc/handmapped is mapped to initiator group server1 and also to server2`,
		`nothing was changed`, `lun unmap /vol/acc/handmapped server2`, `change igroup to it with takeover = true`)
	if code == 0 || !want.MatchString(out) {
		t.Fatalf("want the apply to refuse naming both igroups and the way out, got exit %d:\n%s", code, out)
	}
	if got := lunEvents(l, lun.Path, mark); len(got) != 0 {
		t.Fatalf("the refused apply changed the array: %v", got)
	}
	if _, err := l.Array().Unmap(lun.Path, "server2"); err != nil {
		t.Fatal(err)
	}
	tf.planIsEmpty()
	tf.run("destroy", "-auto-approve")
	if got := lunHolders(l, lun.Path); len(got) != 0 {
		t.Fatalf("after destroy the LUN is still mapped to %v", got)
	}
}

// TestAccSANLunMapping_concurrentStatesNeverSplit: two working directories
// with separate states (no shared lock) map the same LUN, one to server1
// and one to server2, at the same moment, against an array with realistic
// latency. Round after round, at most one apply succeeds and the LUN is
// never left on two igroups; a double mapping exists at most between one
// run's map and its own undo.
func TestAccSANLunMapping_concurrentStatesNeverSplit(t *testing.T) {
	requireAcc(t)
	lat, _ := lab.LatencyProfile("realistic")
	l, err := lab.Start(lab.Options{Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	lun := accLUN(t, l, "contested")
	runs := []*tfRun{
		newTFConfig(t, mappingConfig(l, lun.Path, "server1", "")),
		newTFConfig(t, mappingConfig(l, lun.Path, "server2", "")),
	}
	const rounds = 20
	raced, wins := 0, 0
	for round := 1; round <= rounds; round++ {
		mark := l.Timeline.LastSeq()
		codes := make([]int, len(runs))
		outs := make([]string, len(runs))
		var wg sync.WaitGroup
		for i, r := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := r.cli.Run(context.Background(), r.dir, nil, "apply", "-auto-approve", "-no-color")
				if err != nil {
					codes[i], outs[i] = -1, err.Error()
					return
				}
				codes[i], outs[i] = res.Code, res.Output
			}()
		}
		wg.Wait()
		var winners []string
		for i, code := range codes {
			switch {
			case code == 0:
				winners = append(winners, "server"+string(rune('1'+i)))
			case !strings.Contains(outs[i], "mapped to initiator group"):
				t.Fatalf("round %d: apply %d failed for another reason than the other igroup (exit %d):\n%s", round, i+1, code, outs[i])
			}
		}
		holders := lunHolders(l, lun.Path)
		if len(winners) > 1 || len(holders) > 1 || strings.Join(holders, ",") != strings.Join(winners, ",") {
			t.Fatalf("round %d: applies that succeeded %v, the array holds the LUN for %v\n%s\n%s", round, winners, holders, outs[0], outs[1])
		}
		maps := 0
		for _, ev := range lunEvents(l, lun.Path, mark) {
			if strings.HasPrefix(ev, "map ") {
				maps++
			}
		}
		if maps > 1 {
			raced++
		}
		wins += len(winners)
		// Back to an unmapped LUN for the next round.
		for i, code := range codes {
			if code == 0 {
				if c, out := runs[i].run("destroy", "-auto-approve"); c != 0 {
					t.Fatalf("round %d: destroy: %s", round, out)
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
	evs, _ := l.Timeline.Since(0)
	for _, v := range array.ReplayDoubleMappings(nil, evs) {
		t.Logf("transient (undone within its round): %s", v)
	}
	if len(l.Array().DoubleMapped()) != 0 {
		t.Fatalf("double mappings left: %v", l.Array().DoubleMapped())
	}
}
