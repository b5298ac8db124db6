package bench

import (
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// Work of one kind counts once at its longest; kinds add up; events
// without a modelled wait count for nothing.
func TestFloorCountsEachKindOnceAtItsLongest(t *testing.T) {
	ms := time.Millisecond
	events := []timeline.Event{
		{Host: "server1", Kind: "share.remove"},
		{Host: "array", Kind: "lun.unmap", Cost: 152 * ms},
		{Host: "array", Kind: "lun.unmap", Cost: 152 * ms},
		{Host: "array", Kind: "lun.map", Cost: 152 * ms},
		{Host: "server2", Kind: "wait.storage.rescan", Cost: 1500 * ms},
		{Host: "server2", Kind: "wait.volume.repair", Cost: 3000 * ms},
		{Host: "server2", Kind: "wait.volume.repair", Cost: 5000 * ms},
		{Host: "dns", Kind: "wait.dns.update", Cost: 22 * ms},
	}
	f := FloorOf(events)
	if want := (152 + 152 + 1500 + 5000 + 22) * ms; f.Total != want {
		t.Errorf("floor %v, want %v", f.Total, want)
	}
	if got, want := f.String(), "lun.unmap 2x 0.152 s + lun.map 1x 0.152 s + storage.rescan 1x 1.500 s + volume.repair 2x 5.000 s + dns.update 1x 0.022 s"; got != want {
		t.Errorf("parts %q, want %q", got, want)
	}
	if r := f.Ratio(2 * f.Total); r != 2 {
		t.Errorf("ratio %v, want 2", r)
	}
	if r := FloorOf(nil).Ratio(time.Second); r != 0 {
		t.Errorf("ratio without a floor %v, want 0", r)
	}
}
