package lab

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// faultingExecutor is the host as the emulated agent sees it, with the
// kill_agent fault: after the named operation has run on the host, the
// agent process dies before its answer leaves, so the provider cannot know
// whether the operation happened (a WinRM connection or PowerShell process
// lost mid-request). With the hang_agent fault the named operation never
// answers: the agent blocks in it until its process is ended.
type faultingExecutor struct {
	ctx  context.Context // the agent process's life
	lab  *Lab
	s    *server
	out  *gatedWriter
	kill func()
}

func (e *faultingExecutor) ComputerName() string { return e.s.host.ComputerName() }

func (e *faultingExecutor) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	if e.s.takeOp(&e.s.hangOp, op) {
		// A Storage cmdlet waiting on I/O to a LUN whose paths are gone: the
		// disk class driver and MPIO hold such I/O for DiskTimeoutValue (120 s
		// by default) and retry it RetryCount (3) times (Get-MPIOSetting
		// documentation), and a stuck I/O can block the cmdlet for longer
		// still. The lab makes that wait endless: it ends with the process.
		e.lab.Timeline.Record(e.s.name, "fault.fire", "agent stuck in "+op+": it never answers")
		<-e.ctx.Done()
		return nil, agent.Errorf(agent.CodeInternal, "the agent process ended")
	}
	result, aerr := e.s.host.Execute(op, params)
	if e.s.takeOp(&e.s.killAfterOp, op) {
		e.out.close()
		e.kill()
		e.lab.Timeline.Record(e.s.name, "fault.fire", "agent killed after "+op+" ran, before its answer")
	}
	return result, aerr
}

// armOp arms an agent fault for the next run of op: *slot is the
// server's killAfterOp or hangOp.
func (s *server) armOp(slot *string, op string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	*slot = op
}

// takeOp consumes the agent fault in *slot if it is armed for op.
func (s *server) takeOp(slot *string, op string) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if *slot == "" || !strings.EqualFold(*slot, op) {
		return false
	}
	*slot = ""
	return true
}

// gatedWriter passes writes through until closed, then swallows them: the
// answer of a killed agent never reaches the client.
type gatedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gatedWriter) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, io.ErrClosedPipe
	}
	return g.w.Write(b)
}

func (g *gatedWriter) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
