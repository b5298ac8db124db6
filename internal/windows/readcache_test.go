package windows_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

func newCachedClient(t *testing.T, lab *labStarter, maxAge time.Duration) *windows.Client {
	t.Helper()
	c, err := windows.New("server1", lab, windows.ModePersistent, windows.WithStartTimeout(5*time.Second),
		windows.WithReadCache(windows.NewReadCache(maxAge)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newCachedClientWithA is a cached client of a new lab host whose test
// key holds the value A = dword 1, written through the client.
func newCachedClientWithA(t *testing.T, maxAge time.Duration) (*labStarter, *windows.Client, context.Context) {
	t.Helper()
	lab := newLab()
	c := newCachedClient(t, lab, maxAge)
	ctx := testCtx(t)
	if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "A", Value: dword(1), CreateKey: true}); err != nil {
		t.Fatal(err)
	}
	return lab, c, ctx
}

func dword(n int) agent.RegistryValue {
	return agent.RegistryValue{Type: agent.RegDWord, Data: fmt.Sprint(n)}
}

// TestLookupsShareOneListing: sibling lookups of one key, concurrent or
// not, cost one registry.list and answer exactly as registry.get does.
func TestLookupsShareOneListing(t *testing.T) {
	lab := newLab()
	c := newCachedClient(t, lab, time.Minute)
	ctx := testCtx(t)
	const n = 30
	for i := range n {
		if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: fmt.Sprintf("V%02d", i), Value: dword(i), CreateKey: true}); err != nil {
			t.Fatal(err)
		}
	}
	lab.resetOps()
	var wg sync.WaitGroup
	got := make([]agent.RegistryGetResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Value names compare case-insensitively, as on Windows.
			got[i], errs[i] = c.RegistryLookup(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: fmt.Sprintf("v%02d", i)})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		want := dword(i)
		if !got[i].KeyExists || !got[i].Exists || !reflect.DeepEqual(*got[i].Value, want) {
			t.Errorf("lookup %d: got %+v, want %+v", i, got[i], want)
		}
	}
	if l, g := lab.opCount(agent.RegistryList.Name), lab.opCount(agent.RegistryGet.Name); l != 1 || g != 0 {
		t.Errorf("%d lookups cost %d registry.list and %d registry.get, want 1 and 0", n, l, g)
	}
}

// TestLookupSeesTheClientsOwnWrites: a write drops the listing, so the
// next lookup reads the host again.
func TestLookupSeesTheClientsOwnWrites(t *testing.T) {
	_, c, ctx := newCachedClientWithA(t, time.Minute)
	p := agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "A"}
	if r, err := c.RegistryLookup(ctx, p); err != nil || r.Value.Data != "1" {
		t.Fatalf("got %+v, %v", r, err)
	}
	if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "A", Value: dword(2)}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.RegistryLookup(ctx, p); err != nil || r.Value.Data != "2" {
		t.Fatalf("after the write: got %+v, %v", r, err)
	}
	if _, err := c.RegistryDelete(ctx, agent.RegistryDeleteParams(p)); err != nil {
		t.Fatal(err)
	}
	if r, err := c.RegistryLookup(ctx, p); err != nil || r.Exists || !r.KeyExists {
		t.Fatalf("after the delete: got %+v, %v", r, err)
	}
}

// TestLookupIsFreshOnlyForMaxAge: a change made on the host behind the
// client's back is seen once the listing is older than its age bound.
func TestLookupIsFreshOnlyForMaxAge(t *testing.T) {
	const age = 200 * time.Millisecond
	lab, c, ctx := newCachedClientWithA(t, age)
	p := agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "A"}
	if _, err := c.RegistryLookup(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := lab.host.SetRegistryValue("HKLM", testKey.Key, "A", dword(7)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(age + 50*time.Millisecond)
	if r, err := c.RegistryLookup(ctx, p); err != nil || r.Value.Data != "7" {
		t.Fatalf("after the age bound: got %+v, %v; want the value changed on the host", r, err)
	}
}

// TestLookupOfMissingValuesAsksTheHost: a value the listing lacks may have
// a type registry.list leaves out, so the host is asked; a missing key
// needs no second question.
func TestLookupOfMissingValuesAsksTheHost(t *testing.T) {
	lab, c, ctx := newCachedClientWithA(t, time.Minute)
	lab.resetOps()
	r, err := c.RegistryLookup(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "missing"})
	if err != nil || !r.KeyExists || r.Exists {
		t.Fatalf("got %+v, %v", r, err)
	}
	if g := lab.opCount(agent.RegistryGet.Name); g != 1 {
		t.Errorf("a value missing from the listing cost %d registry.get, want 1", g)
	}
	lab.resetOps()
	r, err = c.RegistryLookup(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: `SOFTWARE\nowhere`}, Name: "A"})
	if err != nil || r.KeyExists || r.Exists {
		t.Fatalf("missing key: got %+v, %v", r, err)
	}
	if g := lab.opCount(agent.RegistryGet.Name); g != 0 {
		t.Errorf("a missing key cost %d registry.get, want 0", g)
	}
}

// TestListingThatOverlapsAWriteIsNotKept: a listing sent before a write
// and answered after it started may predate the write: the lookups that
// come after the write must read the host again. (The agent runs the two
// concurrently: the listing reads the host, then its answer waits.)
func TestListingThatOverlapsAWriteIsNotKept(t *testing.T) {
	lab, c, ctx := newCachedClientWithA(t, time.Minute)
	p := agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "A"}
	lab.failNext(agent.RegistryList.Name, answerLate)
	first := make(chan agent.RegistryGetResult, 1)
	go func() {
		r, _ := c.RegistryLookup(ctx, p)
		first <- r
	}()
	for lab.opCount(agent.RegistryList.Name) == 0 { // the listing is being executed
		time.Sleep(time.Millisecond)
	}
	wrote := make(chan error, 1)
	go func() {
		wrote <- c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "A", Value: dword(2)})
	}()
	if err := <-wrote; err != nil { // done while the listing's answer waits
		t.Fatal(err)
	}
	close(lab.release)
	if r := <-first; r.Value == nil || r.Value.Data != "1" {
		t.Fatalf("the overlapping lookup got %+v, want the value before the write", r)
	}
	if r, err := c.RegistryLookup(ctx, p); err != nil || r.Value.Data != "2" {
		t.Fatalf("a lookup after the write got %+v, %v; want the written value", r, err)
	}
}

// TestShareLookupsShareOneListing: share sets of different scopes on one
// host are answered from one share.list, filtered as the agent filters.
func TestShareLookupsShareOneListing(t *testing.T) {
	lab := newLab()
	c := newCachedClient(t, lab, time.Minute)
	ctx := testCtx(t)
	scopes := [][]string{{`C:\A`}, {`C:\B`}, {`C:\A`, `C:\B`}, {`C:\`}}
	for _, root := range []string{`C:\A`, `C:\B`, `C:\AB`} {
		for i := range 3 {
			s := agent.Share{Name: fmt.Sprintf("%s-%d", root[3:], i), Path: fmt.Sprintf(`%s\%d`, root, i), CachingMode: agent.CachingManual,
				Access: []agent.ShareAccess{{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow}}}
			if _, err := c.ShareSet(ctx, agent.ShareSetParams{Share: s, Scope: []string{root}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := make([]agent.ShareListResult, len(scopes))
	for i, sc := range scopes {
		var err error
		if want[i], err = c.ShareList(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	lab.resetOps()
	for i, sc := range scopes {
		got, err := c.ShareListLookup(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("scope %v: lookup gave %+v, share.list gives %+v", sc, got, want[i])
		}
	}
	if n := lab.opCount(agent.ShareList.Name); n != 1 {
		t.Errorf("%d lookups cost %d share.list, want 1", len(scopes), n)
	}
}
