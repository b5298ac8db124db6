package dfsn

import (
	"sort"
	"strings"
)

// Site places a target's server relative to the client asking for a
// referral: InSite when it is in the client's Active Directory site, else
// Cost, the site-link cost from the client's site.
type Site struct {
	InSite bool
	Cost   int
}

// Ordering is how a root or folder orders the targets outside the
// client's site: at random (the default), by lowest cost (SiteCosting), or
// not at all (Insite).
type Ordering struct {
	SiteCosting bool
	Insite      bool
}

// classOrder is the order of the priority classes from highest to lowest
// (lmdfs.h DFS_TARGET_PRIORITY and DFS_TARGET_PRIORITY_CLASS, Microsoft
// Learn): global_high, then the site-cost classes, then global_low.
var classOrder = map[string]int{"global_high": 0, "site_cost_high": 1, "site_cost_normal": 2, "site_cost_low": 3, "global_low": 4}

// Referral orders a folder's targets as a namespace server answers a
// client. The rules and where they are documented:
//
//   - Offline targets are left out (MSFT_DfsNamespaceFolderTarget State
//     OFFLINE: "Referrals are disabled").
//   - Targets in the client's site come first, then the others at random,
//     or by lowest site cost when site costing is on, or none of them with
//     insite referrals ("Set the ordering method for targets in
//     referrals", Microsoft Learn, DFS Namespaces; [MS-DFSC] 3.2.1.2 sorts
//     target sets by site cost, lowest first, and places the targets of a
//     set in random order).
//   - Priority classes override that ordering: global_high targets before
//     all others and global_low after all others; within each set of equal
//     site cost, site_cost_high before site_cost_normal before
//     site_cost_low, so a cost-0 site_cost_low target still comes before a
//     cost-1 site_cost_high one (lmdfs.h DFS_TARGET_PRIORITY remarks;
//     "Set target priority to override referral ordering").
//   - Within a class, rank 0 is the highest (DFS_TARGET_PRIORITY:
//     TargetPriorityRank "0, which indicates the highest priority rank");
//     targets of equal class and rank stay in random order.
//
// Not documented, so a guess kept here: with insite referrals the
// out-of-site targets are left out whatever their class. Without site
// costing every out-of-site target counts as one set of equal cost.
// shuffle puts a slice in random order (the caller's source of chance).
func Referral(targets []Target, site func(host string) Site, o Ordering, shuffle func([]Target)) []Target {
	type entry struct {
		t     Target
		group int // 0 global_high, 1 in-site or costed sets, 2 global_low
		cost  int
	}
	var list []entry
	for _, t := range targets {
		if t.State != "online" {
			continue
		}
		s := site(TargetHost(t.Path))
		if o.Insite && !s.InSite {
			continue
		}
		e := entry{t: t, group: 1}
		switch {
		case s.InSite:
			e.cost = 0
		case o.SiteCosting:
			e.cost = 1 + s.Cost
		default:
			e.cost = 1 // random order: one set outside the site
		}
		switch t.Class {
		case "global_high":
			e.group, e.cost = 0, 0
		case "global_low":
			e.group, e.cost = 2, 0
		}
		list = append(list, e)
	}
	ts := make([]Target, len(list))
	for i, e := range list {
		ts[i] = e.t
	}
	shuffle(ts) // ties stay in random order: the sort below is stable
	byPath := map[string]entry{}
	for _, e := range list {
		byPath[key(e.t.Path)] = e
	}
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := byPath[key(ts[i].Path)], byPath[key(ts[j].Path)]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		if classOrder[a.t.Class] != classOrder[b.t.Class] {
			return classOrder[a.t.Class] < classOrder[b.t.Class]
		}
		return a.t.Rank < b.t.Rank
	})
	return ts
}

// TargetHost is the server of a target path, by its short name in lower
// case.
func TargetHost(unc string) string {
	host, _, _ := strings.Cut(strings.TrimPrefix(unc, `\\`), `\`)
	host, _, _ = strings.Cut(host, ".")
	return strings.ToLower(host)
}

// TargetShare is the share (and any folder below it) a target names.
func TargetShare(unc string) string {
	_, rest, _ := strings.Cut(strings.TrimPrefix(unc, `\\`), `\`)
	return rest
}
