package windows_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

func shareEvents(l *labStarter, kind string) int {
	n := 0
	for _, ev := range l.tl.Events() {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// A share write whose answer is lost is re-read, not repeated: the share is
// created exactly once, and a lost remove reports that the share existed.
func TestShareWritesOfUnknownOutcome(t *testing.T) {
	for _, f := range []fault{dieAfter, dieBefore} {
		lab := newLab()
		if err := lab.host.SetRegistryValue("HKLM", winhost.KeyMountedDevices, `\DosDevices\X:`, agent.RegistryValue{Type: agent.RegBinary, Data: "00"}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, lab, windows.ModePersistent)
		ctx := testCtx(t)
		scope := []string{`X:\`}
		share := agent.Share{Name: "Finance $'`", Path: `X:\Finance`, CachingMode: agent.CachingManual,
			Access: []agent.ShareAccess{{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow}}}
		lab.failNext(agent.ShareSet.Name, f)
		if _, err := c.ShareSet(ctx, agent.ShareSetParams{Share: share, Scope: scope}); err != nil {
			t.Fatalf("fault %d: set: %v", f, err)
		}
		if n := shareEvents(lab, "share.create"); n != 1 {
			t.Errorf("fault %d: %d share.create events, want 1", f, n)
		}
		list, err := c.ShareList(ctx, scope)
		if err != nil || len(list.Shares) != 1 || list.Shares[0].Name != share.Name {
			t.Fatalf("fault %d: list %+v, %v", f, list, err)
		}
		lab.failNext(agent.ShareRemove.Name, f)
		res, err := c.ShareRemove(ctx, agent.ShareRemoveParams{Name: strings.ToUpper(share.Name), Scope: scope})
		if err != nil || !res.Existed {
			t.Fatalf("fault %d: remove %+v, %v", f, res, err)
		}
		if n := shareEvents(lab, "share.remove"); n != 1 {
			t.Errorf("fault %d: %d share.remove events, want 1", f, n)
		}
	}
}

func TestSharePathsAndTypedErrors(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	ctx := testCtx(t)
	res, err := c.SharePaths(ctx, []string{`C:\Data`, `Y:\Data`})
	if err != nil || len(res.Paths) != 2 || !res.Paths[0].VolumeMounted || res.Paths[1].VolumeMounted {
		t.Fatalf("paths: %+v, %v", res, err)
	}
	_, err = c.ShareSet(ctx, agent.ShareSetParams{Share: agent.Share{Name: "D", Path: `Y:\Data`, CachingMode: agent.CachingManual}, Scope: []string{`Y:`}})
	var ae *agent.Error
	if !errors.As(err, &ae) || ae.Code != agent.CodeVolumeNotMounted {
		t.Fatalf("want volume_not_mounted, got %v", err)
	}
}
