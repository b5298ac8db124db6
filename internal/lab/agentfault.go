package lab

import (
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
// lost mid-request).
type faultingExecutor struct {
	lab  *Lab
	s    *server
	out  *gatedWriter
	kill func()
}

func (e *faultingExecutor) ComputerName() string { return e.s.host.ComputerName() }

func (e *faultingExecutor) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	result, aerr := e.s.host.Execute(op, params)
	if e.s.takeKill(op) {
		e.out.close()
		e.kill()
		e.lab.Timeline.Record(e.s.name, "fault.fire", "agent killed after "+op+" ran, before its answer")
	}
	return result, aerr
}

// takeKill consumes an armed kill_agent fault for op.
func (s *server) takeKill(op string) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.killAfterOp == "" || !strings.EqualFold(s.killAfterOp, op) {
		return false
	}
	s.killAfterOp = ""
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
