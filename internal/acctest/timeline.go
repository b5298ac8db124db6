package acctest

import (
	"fmt"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// Events is a slice of the lab's timeline, in order.
type Events []timeline.Event

// Mark is the point of the timeline after which EventsSince reads.
func Mark(l *lab.Lab) uint64 { return l.Timeline.LastSeq() }

// EventsSince returns what happened in the lab after mark.
func EventsSince(l *lab.Lab, mark uint64) Events {
	evs, _ := l.Timeline.Since(mark)
	return evs
}

// AllEvents returns the lab's whole timeline.
func AllEvents(l *lab.Lab) Events { return l.Timeline.Events() }

// Match says whether ev is on host (any host when ""), of kind (any kind
// when ""; a kind ending in a dot, such as "share.", is a family) and has
// detail in its detail.
func Match(ev timeline.Event, host, kind, detail string) bool {
	kindOK := kind == "" || ev.Kind == kind || strings.HasSuffix(kind, ".") && strings.HasPrefix(ev.Kind, kind)
	return (host == "" || ev.Host == host) && kindOK && strings.Contains(ev.Detail, detail)
}

// Filter returns the events that match.
func (e Events) Filter(host, kind, detail string) Events {
	var out Events
	for _, ev := range e {
		if Match(ev, host, kind, detail) {
			out = append(out, ev)
		}
	}
	return out
}

// Count is the number of events that match.
func (e Events) Count(host, kind, detail string) int { return len(e.Filter(host, kind, detail)) }

// Indexes are the positions of the events that match.
func (e Events) Indexes(host, kind, detail string) []int {
	var out []int
	for i, ev := range e {
		if Match(ev, host, kind, detail) {
			out = append(out, i)
		}
	}
	return out
}

// String lists the events one a line, for failure messages.
func (e Events) String() string {
	var b strings.Builder
	for _, ev := range e {
		fmt.Fprintf(&b, "\n  %-8s %-20s %s", ev.Host, ev.Kind, ev.Detail)
	}
	return b.String()
}

// observations are the event kinds that record a look, not a change:
// logins to the array, share listings, the lab's own admin requests.
var observations = map[string]bool{"array.login": true, "share.list": true, "admin.request": true}

// Writes returns the events that changed the estate.
func (e Events) Writes() Events {
	var out Events
	for _, ev := range e {
		if !observations[ev.Kind] {
			out = append(out, ev)
		}
	}
	return out
}
