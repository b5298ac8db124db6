package winhost

import (
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Every operation of the contract has a handler (hello is answered by the
// PowerShell emulation, before the host), and nothing else has one.
func TestHostImplementsTheContract(t *testing.T) {
	for _, op := range agent.Ops {
		d := op.Describe()
		if d.Name == agent.Hello.Name {
			if Implements(d.Name) {
				t.Errorf("hello is answered by the PowerShell emulation, not the host")
			}
			continue
		}
		if !Implements(d.Name) {
			t.Errorf("the lab host does not implement %q", d.Name)
		}
	}
	for name := range handlers {
		if _, ok := agent.Lookup(name); !ok {
			t.Errorf("the lab host implements %q, which the contract does not declare", name)
		}
	}
}
