package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// An agent operation that never answers (a storage call stuck on a LUN whose
// paths are gone) fails within the winrm timeout, naming the operation and
// the server; the other server's work is not held up. (That the stuck agent
// is replaced within one run is TestUnansweredCallEndsTheAgentAndOthersGoOn
// in internal/windows.)
func TestAccStuckAgentCallTimesOut(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := acctest.StartLab(t, lab.Options{})
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{Timeout: "3s"}) + statusData("s1", "server1", "") + statusData("s2", "server2", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					acctest.Fault(t, l, lab.FaultRequest{Server: "server1", Kind: "hang_agent", Op: "server.status"})
				},
				Config:      cfg,
				ExpectError: acctest.Phrases("server.status", "on server1", "did not answer"),
			},
			{
				PreConfig: func() {
					events := acctest.AllEvents(l)
					if events.Count("server1", "fault.fire", "agent stuck in server.status") != 1 {
						t.Errorf("the fault did not fire:\n%s", events)
					}
					// server2 answered while server1 was stuck.
					if n := l.Stats()["server2"].Ops["server.status"]; n < 1 {
						t.Errorf("server2 was not asked: %d server.status calls", n)
					}
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("data.winfs_server_status.s1", "reachable", knownvalue.Bool(true)),
					acctest.Attr("data.winfs_server_status.s2", "reachable", knownvalue.Bool(true)),
				},
			},
		},
	})
}
