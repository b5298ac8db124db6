package windows_test

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// server.status is a read: an agent that dies under it is replaced and the
// request sent again, with no error for the caller.
func TestServerStatusIsRetriedLikeARead(t *testing.T) {
	for _, f := range []fault{dieAfter, dieBefore} {
		lab := newLab()
		c := newClient(t, lab, windows.ModePersistent)
		lab.failNext(agent.ServerStatus.Name, f)
		st, err := c.ServerStatus(testCtx(t), nil)
		if err != nil {
			t.Fatalf("fault %d: %v", f, err)
		}
		if st.ComputerName != "SERVER1" || len(st.Services) != len(agent.FileServerServices) || st.Services[0].State != agent.ServiceRunning {
			t.Fatalf("fault %d: %+v", f, st)
		}
	}
}
