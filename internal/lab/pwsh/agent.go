package pwsh

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// PowerShellVersion is what the emulated agent reports in hello.
const PowerShellVersion = "5.1.20348.2849"

// serveAgent does what agent.Loader and agent.ps1 do: read the script up to
// the end marker, then answer requests until stdin ends. Like agent.ps1's
// runspace pool, it runs up to poolSize requests at once, those of one
// serial key (agent.SerialKey) one after the other in arrival order, and
// writes each answer as one whole line as soon as it is ready: answers may
// come out of order, the client matches them by id. At the end of stdin it
// finishes what it started before it exits.
func serveAgent(ctx context.Context, stdin io.Reader, stdout io.Writer, exec Executor) int {
	lines := make(chan string)
	readErr := make(chan error, 1)
	quit := make(chan struct{}) // stops the reader when we return first
	defer close(quit)
	go func() {
		r := bufio.NewReader(stdin)
		for {
			line, err := readLine(r)
			if err != nil {
				readErr <- err
				close(lines)
				return
			}
			select {
			case lines <- line:
			case <-quit:
				return
			}
		}
	}()
	next := func() (string, bool) {
		select {
		case l, ok := <-lines:
			return l, ok
		case <-ctx.Done():
			return "", false
		}
	}

	// The loader: lines up to the marker (compared case-insensitively, as
	// PowerShell's -eq does), each followed by "\n".
	var script strings.Builder
	for {
		l, ok := next()
		if !ok || strings.EqualFold(l, agent.EndOfScript) {
			break
		}
		script.WriteString(l)
		script.WriteString("\n")
	}
	a := &emulatedAgent{exec: exec, scriptSHA256: agent.HashScript(script.String())}
	out := &lineWriter{w: stdout}
	sched := newScheduler()

	for {
		l, ok := next()
		if !ok {
			if ctx.Err() != nil {
				return 1
			}
			sched.wait()
			if err := <-readErr; !errors.Is(err, io.EOF) || out.failed() {
				return 1
			}
			return 0
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		line := []byte(l)
		sched.submit(serialKey(line), func() { out.write(a.handle(line)) })
	}
}

// poolSize is how many requests run at once, as in agent.ps1.
const poolSize = agent.PoolSize

// serialKey is the key a request line is serialized on (see agent.Serial);
// a line that is not a request is answered at once, with no key.
func serialKey(line []byte) string {
	req, err := agent.DecodeRequest(line)
	if err != nil {
		return ""
	}
	var p struct {
		VolumeGUID string `json:"volume_guid"`
	}
	_ = json.Unmarshal(req.Params, &p) // a bad params field fails in the operation, not here
	return agent.SerialKey(agent.SerialOf(req.Op), p.VolumeGUID)
}

// scheduler starts each request once its serial key is free and a pool
// slot is, keeping arrival order among the requests of one key.
type scheduler struct {
	mu      sync.Mutex
	busy    map[string]bool
	waiting []pendingJob
	slots   chan struct{}
	running sync.WaitGroup
}

type pendingJob struct {
	key string
	run func()
}

func newScheduler() *scheduler {
	return &scheduler{busy: map[string]bool{}, slots: make(chan struct{}, poolSize)}
}

func (s *scheduler) submit(key string, run func()) {
	s.running.Add(1)
	s.mu.Lock()
	s.waiting = append(s.waiting, pendingJob{key, run})
	s.startLocked()
	s.mu.Unlock()
}

// startLocked starts every waiting job whose key is free and that no
// earlier waiting job of the same key precedes.
func (s *scheduler) startLocked() {
	blocked := map[string]bool{}
	rest := s.waiting[:0]
	for _, j := range s.waiting {
		if j.key != "" && (s.busy[j.key] || blocked[j.key]) {
			blocked[j.key] = true
			rest = append(rest, j)
			continue
		}
		if j.key != "" {
			s.busy[j.key] = true
		}
		go s.run(j)
	}
	s.waiting = rest
}

func (s *scheduler) run(j pendingJob) {
	defer s.running.Done()
	s.slots <- struct{}{}
	j.run()
	<-s.slots
	if j.key == "" {
		return
	}
	s.mu.Lock()
	delete(s.busy, j.key)
	s.startLocked()
	s.mu.Unlock()
}

// wait returns once every submitted job has answered.
func (s *scheduler) wait() { s.running.Wait() }

// lineWriter writes whole response lines one at a time: the agent's one
// writer of stdout.
type lineWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (o *lineWriter) write(resp agent.Response) {
	line, err := agent.EncodeLine(resp)
	if err != nil {
		line, _ = agent.EncodeLine(agent.Response{ID: resp.ID, Error: agent.Errorf(agent.CodeInternal, "encoding response: %v", err)})
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		_, o.err = o.w.Write(line)
	}
}

func (o *lineWriter) failed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err != nil
}

// readLine reads one line as .NET's TextReader.ReadLine does: it ends at
// "\n", "\r\n" or a lone "\r"; a last line without terminator counts.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				return b.String(), nil
			}
			return "", err
		}
		switch c {
		case '\n':
			return b.String(), nil
		case '\r':
			if next, err := r.Peek(1); err == nil && next[0] == '\n' {
				_, _ = r.ReadByte()
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

// emulatedAgent answers requests as agent.ps1 would, on behalf of a host.
type emulatedAgent struct {
	exec         Executor
	scriptSHA256 string // hash of the script the loader received
}

func (a *emulatedAgent) handle(line []byte) agent.Response {
	req, err := agent.DecodeRequest(line)
	if err != nil {
		return agent.Response{Error: agent.Errorf(agent.CodeInvalidParams, "%v", err)}
	}
	resp := agent.Response{ID: req.ID}
	// The lab runs only the script it knows: anything else is refused.
	if a.scriptSHA256 != agent.ScriptSHA256 {
		resp.Error = agent.Errorf(agent.CodeScriptMismatch,
			"the lab does not know the agent script it received (sha256 %s; it runs %s)", a.scriptSHA256, agent.ScriptSHA256)
		return resp
	}
	var result any
	var aerr *agent.Error
	if req.Op == agent.Hello.Name {
		result, aerr = a.hello(req.Params)
	} else {
		result, aerr = a.exec.Execute(req.Op, req.Params)
	}
	if aerr != nil {
		resp.Error = aerr
		return resp
	}
	raw, err := json.Marshal(result)
	if err != nil {
		resp.Error = agent.Errorf(agent.CodeInternal, "encoding result: %v", err)
		return resp
	}
	resp.Result = raw
	return resp
}

func (a *emulatedAgent) hello(params json.RawMessage) (any, *agent.Error) {
	var p agent.HelloParams
	dec := json.NewDecoder(strings.NewReader(string(params)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, agent.Errorf(agent.CodeInvalidParams, "invalid params: %v", err)
	}
	if p.Protocol != agent.ProtocolVersion {
		return nil, agent.Errorf(agent.CodeProtocol, "the client speaks protocol %d, the agent speaks %d", p.Protocol, agent.ProtocolVersion)
	}
	if p.ScriptSHA256 != a.scriptSHA256 {
		return nil, agent.Errorf(agent.CodeScriptMismatch, "the client sent a script with sha256 %s, the agent received %s", p.ScriptSHA256, a.scriptSHA256)
	}
	return agent.HelloResult{
		Protocol:          agent.ProtocolVersion,
		ScriptSHA256:      a.scriptSHA256,
		ComputerName:      a.exec.ComputerName(),
		PowerShellVersion: PowerShellVersion,
	}, nil
}
