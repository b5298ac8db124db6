package winhost

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsn"
)

func dfsHosts(t *testing.T) (*Host, *Host) {
	t.Helper()
	domain := dfsn.NewStore()
	local := map[string]*dfsn.Store{"server1": dfsn.NewStore(), "server2": dfsn.NewStore()}
	h1, h2 := New("server1", nil), New("server2", nil)
	for _, h := range []*Host{h1, h2} {
		h.JoinDFS("corp.example.com", "CORP", domain, func(n string) *dfsn.Store { return local[n] })
	}
	return h1, h2
}

func mustNS(t *testing.T, h *Host, p agent.DFSNamespaceSetParams) agent.DFSNamespaceSetResult {
	t.Helper()
	res, err := h.dfsNamespaceSet(p)
	if err != nil {
		t.Fatalf("dfs.namespace.set %s: %v", p.Path, err)
	}
	return res
}

// A domain root is one object in the directory: created through server1,
// server2 reads it under the NetBIOS spelling of the domain too; a
// standalone root is server1's own.
func TestDFSDomainRootIsShared(t *testing.T) {
	h1, h2 := dfsHosts(t)
	ns := agent.DFSNamespaceSettings{Type: agent.DFSTypeDomainV2, RootTargets: []string{`\\server1\files`, `\\server2\files`}, TTL: 300, TargetFailback: true}
	if res := mustNS(t, h1, agent.DFSNamespaceSetParams{Path: `\\corp.example.com\files`, DFSNamespaceSettings: ns}); !res.Created {
		t.Fatal("not created")
	}
	got, err := h2.dfsNamespaceGet(agent.DFSNamespaceGetParams{Path: `\\CORP\FILES`})
	if err != nil || !got.Exists || len(got.RootTargets) != 2 || !got.TargetFailback || got.TTL != 300 {
		t.Fatalf("server2 reads %+v, %v", got, err)
	}
	// Same settings again: nothing created.
	if res := mustNS(t, h2, agent.DFSNamespaceSetParams{Path: `\\corp.example.com\files`, DFSNamespaceSettings: ns}); res.Created {
		t.Fatal("created twice")
	}
	// The type of a root cannot change.
	ns.Type = agent.DFSTypeStandalone
	if _, err := h1.dfsNamespaceSet(agent.DFSNamespaceSetParams{Path: `\\corp.example.com\files`, DFSNamespaceSettings: ns}); err == nil {
		t.Fatal("a standalone namespace at a domain path was accepted")
	}
	sa := agent.DFSNamespaceSettings{Type: agent.DFSTypeStandalone, RootTargets: []string{`\\server1\local`}, TTL: 300}
	mustNS(t, h1, agent.DFSNamespaceSetParams{Path: `\\server1\local`, DFSNamespaceSettings: sa})
	if got, _ := h2.dfsNamespaceGet(agent.DFSNamespaceGetParams{Path: `\\server2\local`}); got.Exists {
		t.Fatal("server1's standalone root is on server2")
	}
	if got, _ := h2.dfsNamespaceGet(agent.DFSNamespaceGetParams{Path: `\\server1.corp.example.com\local`}); !got.Exists {
		t.Fatal("server1's standalone root is not reachable by its FQDN")
	}
}

// Targets: a second spelling of a target's host is that target (its stored
// spelling stays), rank 0 can be set back, removing the last target removes
// the folder, and a stopped Dfs service is dfs_unavailable.
func TestDFSFolderTargets(t *testing.T) {
	h1, _ := dfsHosts(t)
	mustNS(t, h1, agent.DFSNamespaceSetParams{Path: `\\corp.example.com\files`, DFSNamespaceSettings: agent.DFSNamespaceSettings{Type: agent.DFSTypeDomainV2, RootTargets: []string{`\\server1\files`}, TTL: 300}})
	path := `\\corp.example.com\files\Finance`
	set := func(targets ...agent.DFSTarget) *agent.Error {
		_, err := h1.dfsFolderSet(agent.DFSFolderSetParams{Path: path, DFSFolderSettings: agent.DFSFolderSettings{TTL: 60, TargetFailback: true, Targets: targets}})
		return err
	}
	if err := set(agent.DFSTarget{Path: `\\server1\Finance`, State: "online", PriorityClass: "global_high", PriorityRank: 5},
		agent.DFSTarget{Path: `\\server2\Finance`, State: "online", PriorityClass: "global_low"}); err != nil {
		t.Fatal(err)
	}
	if err := set(agent.DFSTarget{Path: `\\SERVER1.corp.example.com\finance`, State: "online", PriorityClass: "global_high", PriorityRank: 0},
		agent.DFSTarget{Path: `\\server2\Finance`, State: "offline", PriorityClass: "global_low"}); err != nil {
		t.Fatal(err)
	}
	got, _ := h1.dfsFolderGet(agent.DFSFolderGetParams{Path: path})
	want := []agent.DFSTarget{{Path: `\\server1\Finance`, State: "online", PriorityClass: "global_high"}, {Path: `\\server2\Finance`, State: "offline", PriorityClass: "global_low"}}
	if len(got.Targets) != 2 || got.Targets[0] != want[0] || got.Targets[1] != want[1] || got.TTL != 60 || !got.TargetFailback {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if err := set(agent.DFSTarget{Path: `\\server1\Finance`, State: "online", PriorityClass: "global_high"},
		agent.DFSTarget{Path: `\\Server1\FINANCE`, State: "online", PriorityClass: "global_high"}); err == nil || err.Code != agent.CodeDFSConflict {
		t.Fatalf("a target given twice: %v", err)
	}
	if err := set(agent.DFSTarget{Path: `\\server1\Finance`, State: "online", PriorityClass: "GlobalHigh"}); err == nil || err.Code != agent.CodeInvalidParams {
		t.Fatalf("a cmdlet spelling of a class: %v", err)
	}
	if _, err := h1.dfsFolderSet(agent.DFSFolderSetParams{Path: `\\corp.example.com\nope\X`, DFSFolderSettings: agent.DFSFolderSettings{TTL: 60, Targets: want}}); err == nil || err.Code != agent.CodeNamespaceNotFound {
		t.Fatalf("a folder of a missing namespace: %v", err)
	}
	s := h1.dfsStore(path)
	if err := s.RemoveFolderTarget(path, `\\server1\Finance`); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFolderTarget(path, `\\server2\finance`); err != nil {
		t.Fatal(err)
	}
	if got, _ := h1.dfsFolderGet(agent.DFSFolderGetParams{Path: path}); got.Exists {
		t.Fatal("a folder without targets remains")
	}
	if err := h1.StopService("Dfs"); err != nil {
		t.Fatal(err)
	}
	if _, err := h1.dfsFolderGet(agent.DFSFolderGetParams{Path: path}); err == nil || err.Code != agent.CodeDFSUnavailable {
		t.Fatalf("with Dfs stopped: %v", err)
	}
}
