package dfsn

import (
	"math/rand"
	"strings"
	"testing"
)

func paths(ts []Target) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = TargetHost(t.Path)
	}
	return strings.Join(out, " ")
}

func noShuffle([]Target) {}

// The DFS article's pair: the target first among all targets is referred
// first, the one last among all targets last, whatever the sites; offline
// targets are not referred.
func TestReferralPriorityClasses(t *testing.T) {
	ts := []Target{
		{Path: `\\low\s`, State: "online", Class: "global_low"},
		{Path: `\\normal\s`, State: "online", Class: "site_cost_normal"},
		{Path: `\\off\s`, State: "offline", Class: "global_high"},
		{Path: `\\high\s`, State: "online", Class: "global_high"},
	}
	site := func(h string) Site { return Site{InSite: h == "low" || h == "normal"} }
	if got := paths(Referral(ts, site, Ordering{}, noShuffle)); got != "high normal low" {
		t.Fatalf("got %s", got)
	}
}

// Site-cost classes sort within a set of equal cost, and the sets by cost:
// a cost-0 site_cost_low target precedes a cost-1 site_cost_high one; rank
// 0 is first within a class; insite leaves out-of-site targets out.
func TestReferralSiteCostAndRank(t *testing.T) {
	ts := []Target{
		{Path: `\\far-high\s`, State: "online", Class: "site_cost_high"},
		{Path: `\\near-low\s`, State: "online", Class: "site_cost_low"},
		{Path: `\\near-rank3\s`, State: "online", Class: "site_cost_normal", Rank: 3},
		{Path: `\\near-rank0\s`, State: "online", Class: "site_cost_normal", Rank: 0},
		{Path: `\\mid\s`, State: "online", Class: "site_cost_normal"},
	}
	site := func(h string) Site {
		switch {
		case strings.HasPrefix(h, "near"):
			return Site{InSite: true}
		case h == "mid":
			return Site{Cost: 10}
		}
		return Site{Cost: 100}
	}
	if got := paths(Referral(ts, site, Ordering{SiteCosting: true}, noShuffle)); got != "near-rank0 near-rank3 near-low mid far-high" {
		t.Fatalf("site costing: got %s", got)
	}
	if got := paths(Referral(ts, site, Ordering{Insite: true}, noShuffle)); got != "near-rank0 near-rank3 near-low" {
		t.Fatalf("insite: got %s", got)
	}
	// Without site costing the out-of-site targets are one set: the
	// site_cost_high one leads it, ahead of mid.
	if got := paths(Referral(ts, site, Ordering{}, noShuffle)); got != "near-rank0 near-rank3 near-low far-high mid" {
		t.Fatalf("random order: got %s", got)
	}
}

// Equal class and rank are left in random order: both orders occur.
func TestReferralTiesAreRandom(t *testing.T) {
	ts := []Target{{Path: `\\a\s`, State: "online", Class: "site_cost_normal"}, {Path: `\\b\s`, State: "online", Class: "site_cost_normal"}}
	rnd := rand.New(rand.NewSource(1))
	shuffle := func(s []Target) { rnd.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] }) }
	seen := map[string]bool{}
	for i := 0; i < 64; i++ {
		seen[paths(Referral(ts, func(string) Site { return Site{InSite: true} }, Ordering{}, shuffle))] = true
	}
	if !seen["a b"] || !seen["b a"] {
		t.Fatalf("orders seen: %v", seen)
	}
}
