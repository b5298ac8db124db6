package san

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// TestMapAloneUndoesWhenAnotherIGroupArrives: an administrator (or another
// run) maps the LUN to server1 just as we map it to server2; the check
// after the map sees it, our mapping is undone and the error names server1.
func TestMapAloneUndoesWhenAnotherIGroupArrives(t *testing.T) {
	a, addr := startArray(t, array.DialectONTAP7)
	const lun = "/vol/vol1/files_y"
	var once sync.Once
	a.Subscribe(func(ch array.Change) {
		if ch.Kind == "map" && ch.Mapping.IGroup == "server2" {
			once.Do(func() { _, _ = a.Map(lun, "server1", 5) })
		}
	})
	c := NewClient(testConfig(addr), ONTAP7{})
	defer c.Close()
	_, err := c.MapAlone(context.Background(), lun, "server2", -1)
	var held *HeldError
	if !errors.As(err, &held) || !held.Mapped || held.UndoErr != nil || len(held.Others) != 1 || held.Others[0].IGroup != "server1" {
		t.Fatalf("want a HeldError naming server1 after the map, got %v", err)
	}
	var left []string
	for _, m := range a.Mappings() {
		if m.LUN == lun {
			left = append(left, m.IGroup)
		}
	}
	if len(left) != 1 || left[0] != "server1" {
		t.Fatalf("the LUN is left on %v, want only server1", left)
	}
}

// TestMapAloneRefusesAndAdopts: held by another igroup, nothing is sent
// that changes the array; already mapped alone, it is returned as is.
func TestMapAloneRefusesAndAdopts(t *testing.T) {
	a, c := startONTAP7(t)
	ctx := context.Background()
	mark := a.Timeline().LastSeq()
	_, err := c.MapAlone(ctx, "/vol/vol1/files_x", "server2", -1)
	var held *HeldError
	if !errors.As(err, &held) || held.Mapped || held.OtherNames()[0] != "server1" {
		t.Fatalf("want a refusal naming server1, got %v", err)
	}
	evs, _ := a.Timeline().Since(mark)
	for _, ev := range evs {
		if ev.Kind == "lun.map" || ev.Kind == "lun.unmap" {
			t.Fatalf("the refusal changed the array: %s %s", ev.Kind, ev.Detail)
		}
	}
	m, err := c.MapAlone(ctx, "/vol/vol1/files_x", "server1", -1)
	if err != nil || m.ID != 0 {
		t.Fatalf("adopt: %+v %v", m, err)
	}
	m, err = c.MapAlone(ctx, "/vol/vol1/files_y", "server2", 3)
	if err != nil || m.ID != 3 {
		t.Fatalf("map: %+v %v", m, err)
	}
}
