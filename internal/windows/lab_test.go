package windows_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pwsh"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// fault is what happens to the process when an operation runs.
type fault int

const (
	noFault    fault = iota
	dieBefore        // the process dies before executing the operation
	dieAfter         // the process dies after executing it, before answering
	hang             // the operation blocks until release is closed
	answerLate       // the operation runs, its answer waits until release is closed
)

// labStarter runs the lab's powershell.exe emulation against a host model,
// wired through in-memory pipes: what the WinRM server would do, minus HTTP.
type labStarter struct {
	host      *winhost.Host
	tl        *timeline.Timeline
	sendDelay time.Duration // per stdin write, like a WinRM Send round trip

	starts atomic.Int64
	writes atomic.Int64

	mu      sync.Mutex
	ops     map[string]int   // operations executed, by name
	faults  map[string]fault // op -> fault, fired once
	tamper  bool
	console bool // the agent's stdin is a console (WinRS console mode)
	release chan struct{}
}

func newLab() *labStarter {
	tl := timeline.New()
	return &labStarter{host: winhost.New("server1", tl), tl: tl, faults: map[string]fault{}, release: make(chan struct{})}
}

func (l *labStarter) failNext(op string, f fault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults[op] = f
}

// opCount is how many times op was executed since the last resetOps.
func (l *labStarter) opCount(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ops[op]
}

func (l *labStarter) resetOps() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = nil
}

func (l *labStarter) takeFault(op string) fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops == nil {
		l.ops = map[string]int{}
	}
	l.ops[op]++
	f := l.faults[op]
	delete(l.faults, op)
	return f
}

func (l *labStarter) Start(ctx context.Context, commandLine string) (windows.Process, error) {
	l.starts.Add(1)
	p := &labProcess{done: make(chan struct{})}
	p.stdinR, p.stdinW = io.Pipe()
	p.stdoutR, p.stdoutW = io.Pipe()
	p.stderrR, p.stderrW = io.Pipe()
	l.mu.Lock()
	tamper := l.tamper
	l.tamper = false
	l.mu.Unlock()
	p.stdin = &countingStdin{lab: l, w: p.stdinW, tamper: tamper}
	exec := &faultyHost{Host: l.host, lab: l, proc: p}
	var stdin io.Reader = p.stdinR
	if l.console {
		stdin = consoleStdin{p.stdinR}
	}
	go func() {
		p.code = pwsh.Run(context.Background(), commandLine, nil, stdin, p.stdoutW, p.stderrW, exec)
		_ = p.stdoutW.Close()
		_ = p.stderrW.Close()
		_ = p.stdinR.Close()
		close(p.done)
	}()
	return p, nil
}

func (l *labStarter) registrySetEvents(detailPrefix string) int {
	n := 0
	for _, ev := range l.tl.Events() {
		if ev.Kind == "registry.set" && strings.HasPrefix(ev.Detail, detailPrefix) {
			n++
		}
	}
	return n
}

// consoleStdin is a stdin that says it is a console, as the lab's WinRM
// server's is in console mode.
type consoleStdin struct{ io.Reader }

func (consoleStdin) IsConsole() bool { return true }

type labProcess struct {
	stdinR           *io.PipeReader
	stdinW           *io.PipeWriter
	stdoutR, stderrR *io.PipeReader
	stdoutW, stderrW *io.PipeWriter
	stdin            *countingStdin
	done             chan struct{}
	code             int
	killOnce         sync.Once
}

var errConnectionReset = errors.New("connection reset by peer")

// kill cuts the process off like a dropped WinRM connection.
func (p *labProcess) kill() {
	p.killOnce.Do(func() {
		_ = p.stdoutW.CloseWithError(errConnectionReset)
		_ = p.stdinR.CloseWithError(errConnectionReset)
	})
}

func (p *labProcess) Stdin() io.WriteCloser { return p.stdin }
func (p *labProcess) Stdout() io.Reader     { return p.stdoutR }
func (p *labProcess) Stderr() io.Reader     { return p.stderrR }
func (p *labProcess) Wait() (int, error)    { <-p.done; return p.code, nil }
func (p *labProcess) Close() error          { p.kill(); return nil }

type countingStdin struct {
	lab    *labStarter
	w      *io.PipeWriter
	tamper bool
}

func (c *countingStdin) Write(b []byte) (int, error) {
	c.lab.writes.Add(1)
	if c.lab.sendDelay > 0 {
		time.Sleep(c.lab.sendDelay)
	}
	if c.tamper {
		c.tamper = false
		_, err := c.w.Write(append([]byte("# tampered on the way\n"), b...))
		return len(b), err
	}
	return c.w.Write(b)
}

func (c *countingStdin) Close() error { return c.w.Close() }

// faultyHost executes on the host, firing the lab's injected faults.
type faultyHost struct {
	*winhost.Host
	lab  *labStarter
	proc *labProcess
}

func (f *faultyHost) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	switch f.lab.takeFault(op) {
	case dieBefore:
		f.proc.kill()
		return nil, agent.Errorf(agent.CodeInternal, "killed")
	case dieAfter:
		res, err := f.Host.Execute(op, params)
		f.proc.kill()
		return res, err
	case hang:
		<-f.lab.release
	case answerLate:
		res, err := f.Host.Execute(op, params)
		<-f.lab.release
		return res, err
	}
	return f.Host.Execute(op, params)
}
