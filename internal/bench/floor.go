package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// Floor is what a failover cannot take less than under the lab's latency
// model: the sum of the modelled waits of the work it actually did, read
// from the lab's timeline, where every event that starts such a wait
// carries its cost (a storage rescan, a repair, an array map or unmap,
// volumes surfacing after a disk comes online, a DNS update). Whatever the
// model charges for an operation is what counts, so a repair priced by the
// volume's size is counted at that price.
//
// Work of one kind counts once, at its longest: the operations of one kind
// act on different LUNs, disks, volumes or hosts, and nothing makes them
// wait for one another, so at the floor they overlap. The kinds add up:
// each needs the one before it (unmap, map, rescan, volumes surfacing,
// repair, DNS update). Array reads, WinRM round trips, process starts and
// Terraform's own work are not in the floor: they are the overhead the
// ratio measures.
type Floor struct {
	Total time.Duration
	Parts []FloorPart // in the order the kinds first happened
}

// FloorPart is one kind of wait: how many operations of it ran and the
// longest of them, which is what the floor counts.
type FloorPart struct {
	Kind    string
	Count   int
	Longest time.Duration
}

// FloorOf reads the floor from a failover's timeline events.
func FloorOf(events []timeline.Event) Floor {
	var f Floor
	at := map[string]int{}
	for _, ev := range events {
		if ev.Cost <= 0 {
			continue
		}
		i, ok := at[ev.Kind]
		if !ok {
			i = len(f.Parts)
			at[ev.Kind] = i
			f.Parts = append(f.Parts, FloorPart{Kind: ev.Kind})
		}
		p := &f.Parts[i]
		p.Count++
		p.Longest = max(p.Longest, ev.Cost)
	}
	for _, p := range f.Parts {
		f.Total += p.Longest
	}
	return f
}

// Ratio is outage over the floor (0 when there is no floor).
func (f Floor) Ratio(outage time.Duration) float64 {
	if f.Total <= 0 {
		return 0
	}
	return float64(outage) / float64(f.Total)
}

// String lists the parts, e.g. "lun.unmap 2x 0.152 s + storage.rescan 1x 1.500 s".
func (f Floor) String() string {
	parts := make([]string, len(f.Parts))
	for i, p := range f.Parts {
		parts[i] = fmt.Sprintf("%s %dx %.3f s", strings.TrimPrefix(p.Kind, "wait."), p.Count, p.Longest.Seconds())
	}
	return strings.Join(parts, " + ")
}
