package winrm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// shell is one rsp:Shell and the commands started in it.
type shell struct {
	id       string
	owner    string
	clientIP string
	created  time.Time
	ctx      context.Context // cancelled by Delete and server Close
	cancel   context.CancelFunc

	mu       sync.Mutex
	commands map[string]*command
}

func (sh *shell) command(id string) *command {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.commands[id]
}

// close cancels every command and wakes Receives waiting on them.
func (sh *shell) close() {
	sh.cancel()
	sh.mu.Lock()
	cmds := make([]*command, 0, len(sh.commands))
	for _, c := range sh.commands {
		cmds = append(cmds, c)
	}
	sh.mu.Unlock()
	for _, c := range cmds {
		c.markGone()
	}
}

// command is one process: its stdin pipe and buffered output until Receive takes it.
type command struct {
	id     string
	cancel context.CancelFunc
	stdin  *inputPipe

	mu       sync.Mutex
	stdout   []byte
	stderr   []byte
	done     bool
	exitCode int
	gone     bool          // its shell was deleted
	changed  chan struct{} // closed and replaced on every change
}

// start runs handler for a new command in sh.
func (sh *shell) start(handler Handler, line string, args []string, console bool) *command {
	ctx, cancel := context.WithCancel(sh.ctx)
	c := &command{id: newGUID(), cancel: cancel, changed: make(chan struct{})}
	c.stdin = newInputPipe(ctx)
	sh.mu.Lock()
	sh.commands[c.id] = c
	sh.mu.Unlock()

	var stdin io.Reader = c.stdin
	if console {
		stdin = &consoleStdin{ctx: ctx, pipe: c.stdin}
	}
	p := &Process{
		CommandLine: line,
		Arguments:   args,
		Stdin:       stdin,
		Stdout:      outputWriter{c: c},
		Stderr:      outputWriter{c: c, stderr: true},
	}
	go func() {
		defer cancel()
		c.finish(runHandler(ctx, handler, p))
	}()
	return c
}

// runHandler keeps a panicking handler from taking the lab down; the panic is reported
// on stderr as a crashed process would report it.
func runHandler(ctx context.Context, h Handler, p *Process) (code int) {
	if h == nil {
		fmt.Fprintf(p.Stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", p.CommandLine)
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(p.Stderr, "lab handler panic: %v\r\n", r)
			code = 1
		}
	}()
	return h.Run(ctx, p)
}

func (c *command) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *command) finish(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done, c.exitCode = true, code
	c.notifyLocked()
}

func (c *command) markGone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gone = true
	c.notifyLocked()
}

func (c *command) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// output is what one Receive delivers.
type output struct {
	stdout, stderr []byte
	done           bool
	exitCode       int
}

// take consumes up to limit bytes of the wanted streams. ready is false when there is
// nothing to say yet: wait is then closed on the next change. Done is only reported
// once the wanted streams are drained.
func (c *command) take(wantOut, wantErr bool, limit int) (o output, ready, gone bool, wait <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return o, false, true, nil
	}
	pending := (wantOut && len(c.stdout) > 0) || (wantErr && len(c.stderr) > 0)
	if !pending && !c.done {
		return o, false, false, c.changed
	}
	if wantOut {
		n := min(len(c.stdout), limit)
		o.stdout, c.stdout = c.stdout[:n:n], c.stdout[n:]
		limit -= n
	}
	if wantErr {
		n := min(len(c.stderr), limit)
		o.stderr, c.stderr = c.stderr[:n:n], c.stderr[n:]
	}
	drained := (!wantOut || len(c.stdout) == 0) && (!wantErr || len(c.stderr) == 0)
	o.done, o.exitCode = c.done && drained, c.exitCode
	return o, true, false, nil
}

// outputWriter appends to a command's stdout or stderr; output after exit is discarded.
type outputWriter struct {
	c      *command
	stderr bool
}

func (w outputWriter) Write(p []byte) (int, error) {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.gone {
		return len(p), nil
	}
	if w.stderr {
		c.stderr = append(c.stderr, p...)
	} else {
		c.stdout = append(c.stdout, p...)
	}
	c.notifyLocked()
	return len(p), nil
}

var errStdinClosed = errors.New("stdin already closed")

// inputPipe is a command's stdin: Sends append, the handler reads, End closes.
type inputPipe struct {
	ctx     context.Context
	mu      sync.Mutex
	buf     []byte
	eof     bool
	changed chan struct{}
}

func newInputPipe(ctx context.Context) *inputPipe {
	return &inputPipe{ctx: ctx, changed: make(chan struct{})}
}

func (p *inputPipe) Read(b []byte) (int, error) {
	for {
		p.mu.Lock()
		if len(p.buf) > 0 {
			n := copy(b, p.buf)
			p.buf = p.buf[n:]
			p.mu.Unlock()
			return n, nil
		}
		if p.eof {
			p.mu.Unlock()
			return 0, io.EOF
		}
		wait := p.changed
		p.mu.Unlock()
		select {
		case <-wait:
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		}
	}
}

func (p *inputPipe) write(data []byte, end bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.eof {
		return errStdinClosed
	}
	p.buf = append(p.buf, data...)
	p.eof = end
	close(p.changed)
	p.changed = make(chan struct{})
	return nil
}
