package san

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

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

// One listing answers the reads that follow it until a map or unmap of the
// client drops it; MapAlone's checks never use it.
func TestListingSharedUntilOwnWrite(t *testing.T) {
	a, addr := startArray(t, array.DialectONTAP7)
	cfg := testConfig(addr)
	cfg.ListingAge = time.Minute
	c := NewClient(cfg, ONTAP7{})
	defer c.Close()
	ctx := context.Background()
	commands := func() int { return a.Stats().Commands }

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if maps, err := c.MappingsOf(ctx, "/vol/vol1/files_x"); err != nil || len(maps) != 1 {
				t.Errorf("mappings of files_x: %+v %v", maps, err)
			}
		}()
	}
	wg.Wait()
	if n := commands(); n != 1 {
		t.Fatalf("8 concurrent reads sent %d commands, want one listing", n)
	}
	// MapAlone reads afresh before and after its map: 3 commands.
	if _, err := c.MapAlone(ctx, "/vol/vol1/files_y", "server2", -1); err != nil {
		t.Fatal(err)
	}
	if n := commands(); n != 4 {
		t.Fatalf("after MapAlone: %d commands, want 1 + list, map, list", n)
	}
	// Its map dropped the listing: the next read sees it.
	maps, err := c.MappingsOf(ctx, "/vol/vol1/files_y")
	if err != nil || len(maps) != 1 || maps[0].IGroup != "server2" || commands() != 5 {
		t.Fatalf("read after the map: %+v %v, %d commands", maps, err, commands())
	}
	// A change behind the client's back is seen once the listing is gone.
	if _, err := a.Unmap("/vol/vol1/files_y", "server2"); err != nil {
		t.Fatal(err)
	}
	if maps, _ := c.MappingsOf(ctx, "/vol/vol1/files_y"); len(maps) != 1 {
		t.Fatalf("within its age the listing answers: %+v", maps)
	}
	c.Forget()
	if maps, _ := c.MappingsOf(ctx, "/vol/vol1/files_y"); len(maps) != 0 {
		t.Fatalf("after Forget the array answers: %+v", maps)
	}
}

// The clustershell dialect runs the maps of different LUNs on sessions of
// their own, side by side; the LUN IDs the client chooses never collide.
// 7-mode keeps one session.
func TestMapsOfDifferentLUNsOverlapWhereTheDialectAllows(t *testing.T) {
	for _, tc := range []struct {
		dialect  string
		d        Dialect
		sessions int
	}{
		{array.DialectONTAP, ONTAP{Vserver: "svm1"}, 4},
		{array.DialectONTAP7, ONTAP7{}, 1},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			a := newTestArray(t, func(a *array.Array) {
				for i := range 8 {
					a.AddLUN(array.LUN{Path: fmt.Sprintf("/vol/vol3/m%d", i), Serial: fmt.Sprintf("M%011d", i), Size: 1 << 30})
				}
			})
			const cost = 50 * time.Millisecond
			a.SetLatency(0, cost)
			var cfg Config
			if tc.dialect == array.DialectONTAP {
				addr, err := a.ListenSSH("127.0.0.1:0", tc.dialect)
				if err != nil {
					t.Fatal(err)
				}
				cfg = sshConfig(a, addr.String())
			} else {
				addr, err := a.Listen("127.0.0.1:0", tc.dialect)
				if err != nil {
					t.Fatal(err)
				}
				cfg = testConfig(addr.String())
			}
			c := NewClient(cfg, tc.d)
			defer c.Close()
			ctx := context.Background()
			began := time.Now()
			var wg sync.WaitGroup
			ids := make([]int, 8)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m, err := c.MapAlone(ctx, fmt.Sprintf("/vol/vol3/m%d", i), "server2", -1)
					if err != nil {
						t.Errorf("map m%d: %v", i, err)
					}
					ids[i] = m.ID
				}()
			}
			wg.Wait()
			seen := map[int]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("two LUNs got ID %d: %v", id, ids)
				}
				seen[id] = true
			}
			if got := len(a.PresentedTo("server2")); got != 8 {
				t.Fatalf("server2 sees %d LUNs, want 8", got)
			}
			if n := logins(a); n > tc.sessions || (tc.sessions > 1 && n < 2) {
				t.Errorf("%d sessions, want at most %d (and more than one when allowed)", n, tc.sessions)
			}
			// One session runs one command at a time, each costing the array
			// `cost` after it ran: its maps are at least that far apart.
			// Sessions side by side put some maps closer together. (Wall
			// times would say the same, but not on a loaded machine.)
			var maps []time.Time
			for _, ev := range a.Timeline().Events() {
				if ev.Kind == "lun.map" && ev.Detail != "" && ev.Time.After(began) {
					maps = append(maps, ev.Time)
				}
			}
			closest := time.Hour
			for i := 1; i < len(maps); i++ {
				closest = min(closest, maps[i].Sub(maps[i-1]))
			}
			if tc.sessions > 1 && closest >= cost {
				t.Errorf("on %d sessions no two maps were closer than %v (closest %v): nothing overlapped", tc.sessions, cost, closest)
			}
			if tc.sessions == 1 && closest < cost {
				t.Errorf("on one session two maps were %v apart, less than the %v a command costs: commands overlapped", closest, cost)
			}
		})
	}
}
