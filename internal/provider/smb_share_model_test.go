package provider

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// A custom-rights entry never reads back as a right a configuration can
// declare, so the plan always shows it.
func TestShareFromWireCustomRights(t *testing.T) {
	m := shareFromWire(agent.Share{Name: "S", Path: `X:\S`, CachingMode: agent.CachingManual, Access: []agent.ShareAccess{
		{Account: `CORP\Finance`, Right: agent.RightCustom, Type: agent.AccessAllow},
		{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow},
	}})
	want := setOf([]string{`CORP\Finance (custom rights)`, "Everyone"})
	if !m.ReadAccess.Equal(want) || len(m.FullAccess.Elements())+len(m.ChangeAccess.Elements()) != 0 {
		t.Fatalf("read %s full %s change %s", m.ReadAccess, m.FullAccess, m.ChangeAccess)
	}
}
