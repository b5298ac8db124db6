package winrm

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	defaultOperationTimeout = 60 * time.Second
	defaultEnvelopeSize     = 153600
)

// exchange is one authenticated SOAP request being answered.
type exchange struct {
	s       *Server
	r       *http.Request
	env     *requestEnvelope
	user    string
	machine string
}

func (x *exchange) fault(f wsmanFault) (reply, bool) {
	return f.reply(x.env.Header.MessageID, x.machine), true
}

func (x *exchange) ok(body string) (reply, bool) {
	return soapReply(http.StatusOK, x.env.Header.Action+responseSuffix, x.env.Header.MessageID, "", body), true
}

// actions are the WS-Management actions the lab serves, each with its
// handler.
var actions = map[string]func(*exchange) (reply, bool){
	actionCreate:  (*exchange).create,
	actionDelete:  (*exchange).delete,
	actionCommand: (*exchange).command,
	actionSend:    (*exchange).send,
	actionReceive: (*exchange).receive,
	actionSignal:  (*exchange).signal,
}

// dispatch runs the request. answered is false when there is nobody left to answer
// (the client went away during a long poll).
func (x *exchange) dispatch() (rep reply, answered bool) {
	if act, ok := actions[x.env.Header.Action]; ok {
		return act(x)
	}
	return x.fault(faultActionNotSupported.with("The action " + x.env.Header.Action + " is not supported by the lab. "))
}

func (x *exchange) create() (reply, bool) {
	h := &x.env.Header
	if h.ResourceURI != "" && !strings.EqualFold(h.ResourceURI, shellCmdURI) {
		return x.fault(faultInvalidParameter.with("The lab serves only the cmd shell resource " + shellCmdURI + ". "))
	}
	in, out := "stdin", "stdout stderr"
	if b := x.env.Body.Shell; b != nil {
		if f := strings.Fields(b.InputStreams); len(f) > 0 {
			in = strings.Join(f, " ")
		}
		if f := strings.Fields(b.OutputStreams); len(f) > 0 {
			out = strings.Join(f, " ")
		}
	}

	s := x.s
	sh := &shell{id: newGUID(), owner: x.user, clientIP: hostOnly(x.r.RemoteAddr), created: time.Now(), commands: map[string]*command{}}
	sh.ctx, sh.cancel = context.WithCancel(s.ctx)
	s.mu.Lock()
	s.shells[sh.id] = sh
	s.mu.Unlock()
	s.observe(StatShellCreate, h.Action)

	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	selectors := `<w:SelectorSet><w:Selector Name="ShellId">` + sh.id + `</w:Selector></w:SelectorSet>`
	body := `<x:ResourceCreated><a:Address>` + esc(scheme+"://"+x.r.Host+"/wsman") + `</a:Address>` +
		`<a:ReferenceParameters><w:ResourceURI>` + shellCmdURI + `</w:ResourceURI>` + selectors +
		`</a:ReferenceParameters></x:ResourceCreated>` +
		`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + sh.id + `</rsp:ShellId>` +
		`<rsp:ResourceUri>` + shellCmdURI + `</rsp:ResourceUri><rsp:Owner>` + esc(x.user) + `</rsp:Owner>` +
		`<rsp:ClientIP>` + esc(sh.clientIP) + `</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>` +
		`<rsp:InputStreams>` + esc(in) + `</rsp:InputStreams><rsp:OutputStreams>` + esc(out) + `</rsp:OutputStreams>` +
		`<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	// The selector also goes in the reply header, where later requests carry it.
	return soapReply(http.StatusOK, h.Action+responseSuffix, h.MessageID, selectors, body), true
}

// shell finds the shell named by the ShellId selector, or the fault Windows returns.
func (x *exchange) shell() (*shell, *wsmanFault) {
	id, ok := x.env.Header.selector("ShellId")
	if !ok {
		f := faultInvalidSelectors.with("The Windows Remote Shell cannot process the request because it requires the following selector: ShellId. Retry with the correct selector. ")
		return nil, &f
	}
	x.s.mu.Lock()
	sh := x.s.shells[id]
	x.s.mu.Unlock()
	if sh == nil {
		f := faultInvalidSelectors.with(fmt.Sprintf("The request for the Windows Remote Shell with ShellId %s failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. ", id))
		return nil, &f
	}
	return sh, nil
}

// commandIn finds a command of sh by CommandId.
func (x *exchange) commandIn(sh *shell, id string) (*command, *wsmanFault) {
	if c := sh.command(strings.TrimSpace(id)); c != nil {
		return c, nil
	}
	f := faultInvalidParameter.with(fmt.Sprintf("The request for the Windows Remote Shell with ShellId %s failed because the command with CommandId %s was not found. ", sh.id, id))
	return nil, &f
}

func (x *exchange) delete() (reply, bool) {
	sh, f := x.shell()
	if f != nil {
		return x.fault(*f)
	}
	x.s.mu.Lock()
	delete(x.s.shells, sh.id)
	x.s.mu.Unlock()
	sh.close()
	return x.ok("")
}

func (x *exchange) command() (reply, bool) {
	sh, f := x.shell()
	if f != nil {
		return x.fault(*f)
	}
	cl := x.env.Body.CommandLine
	if cl == nil {
		return x.fault(faultInvalidParameter)
	}
	c := sh.start(x.s.cfg.Handler, cl.Command, cl.Arguments, consoleMode(x.env.Header.OptionSet.Options))
	x.s.observe(StatCommandStart, x.env.Header.Action)
	return x.ok(`<rsp:CommandResponse><rsp:CommandId>` + c.id + `</rsp:CommandId></rsp:CommandResponse>`)
}

func (x *exchange) send() (reply, bool) {
	sh, f := x.shell()
	if f != nil {
		return x.fault(*f)
	}
	if x.env.Body.Send == nil {
		return x.fault(faultInvalidParameter)
	}
	for _, st := range x.env.Body.Send.Streams {
		if st.Name != "stdin" {
			return x.fault(faultInvalidParameter)
		}
		c, f := x.commandIn(sh, st.CommandID)
		if f != nil {
			return x.fault(*f)
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil {
			return x.fault(faultInvalidParameter)
		}
		if c.isDone() || c.stdin.write(data, strings.EqualFold(st.End, "true")) != nil {
			return x.fault(faultPipeClosed)
		}
	}
	return x.ok(`<rsp:SendResponse/>`)
}

// commandOf is the command a Signal or Receive names: the shell's faults
// first, then InvalidParameter when the request has no such element
// (present), then the command's id.
func (x *exchange) commandOf(present bool, id func() string) (*command, *wsmanFault) {
	sh, f := x.shell()
	if f != nil {
		return nil, f
	}
	if !present {
		invalid := faultInvalidParameter
		return nil, &invalid
	}
	return x.commandIn(sh, id())
}

func (x *exchange) signal() (reply, bool) {
	sig := x.env.Body.Signal
	c, f := x.commandOf(sig != nil, func() string { return sig.CommandID })
	if f != nil {
		return x.fault(*f)
	}
	code := strings.TrimSpace(sig.Code)
	switch {
	case hasSuffixFold(code, "/signal/terminate"), hasSuffixFold(code, "/signal/ctrl_c"), hasSuffixFold(code, "/signal/ctrl_break"):
		// The command stays known so that a last Receive still reports Done.
		c.cancel()
	default:
		return x.fault(faultInvalidParameter)
	}
	return x.ok(`<rsp:SignalResponse/>`)
}

// receive is the long poll: it answers as soon as there is output or the command is
// done, and otherwise holds the request until OperationTimeout, then faults TimedOut
// (which clients treat as "poll again"). It never answers an empty Receive early.
func (x *exchange) receive() (reply, bool) {
	rcv := x.env.Body.Receive
	c, f := x.commandOf(rcv != nil, func() string { return rcv.DesiredStream.CommandID })
	if f != nil {
		return x.fault(*f)
	}
	wantOut, wantErr := desiredStreams(rcv.DesiredStream.Streams)
	budget := outputBudget(x.env.Header.MaxEnvelopeSize)

	timer := time.NewTimer(x.s.operationTimeout(x.env.Header.OperationTimeout))
	defer timer.Stop()
	for {
		if x.r.Context().Err() != nil {
			return reply{}, false // don't consume output nobody will read
		}
		o, ready, gone, wait := c.take(wantOut, wantErr, budget)
		if gone {
			_, f := x.shell()
			if f == nil {
				ff := faultInvalidSelectors
				f = &ff
			}
			return x.fault(*f)
		}
		if ready {
			return x.ok(receiveBody(c.id, o, wantOut, wantErr))
		}
		select {
		case <-wait:
		case <-timer.C:
			return x.fault(faultTimedOut)
		case <-x.r.Context().Done():
			return reply{}, false
		}
	}
}

func receiveBody(id string, o output, wantOut, wantErr bool) string {
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	stream := func(name string, data []byte, end bool) {
		b.WriteString(`<rsp:Stream Name="` + name + `" CommandId="` + id + `"`)
		if end {
			b.WriteString(` End="true"`)
		}
		b.WriteString(`>` + base64.StdEncoding.EncodeToString(data) + `</rsp:Stream>`)
	}
	if len(o.stdout) > 0 {
		stream("stdout", o.stdout, false)
	}
	if len(o.stderr) > 0 {
		stream("stderr", o.stderr, false)
	}
	if !o.done {
		b.WriteString(`<rsp:CommandState CommandId="` + id + `" State="` + stateRunning + `"/>`)
	} else {
		if wantOut {
			stream("stdout", nil, true)
		}
		if wantErr {
			stream("stderr", nil, true)
		}
		// Exit codes are DWORDs on Windows: -1 is reported as 4294967295.
		b.WriteString(`<rsp:CommandState CommandId="` + id + `" State="` + stateDone + `"><rsp:ExitCode>` +
			strconv.FormatUint(uint64(uint32(o.exitCode)), 10) + `</rsp:ExitCode></rsp:CommandState>`)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return b.String()
}

func desiredStreams(list string) (stdout, stderr bool) {
	for _, name := range strings.Fields(list) {
		switch strings.ToLower(name) {
		case "stdout":
			stdout = true
		case "stderr":
			stderr = true
		}
	}
	if !stdout && !stderr {
		return true, true
	}
	return stdout, stderr
}

// outputBudget keeps a Receive reply, base64 and envelope included, within the
// client's MaxEnvelopeSize, as Windows does by splitting output over several replies.
func outputBudget(maxEnvelope string) int {
	size, err := strconv.Atoi(maxEnvelope)
	if err != nil || size <= 0 {
		size = defaultEnvelopeSize
	}
	return max((size-4096)*3/4, 1024)
}

// operationTimeout is how long a Receive may be held: the client's OperationTimeout,
// capped by Config.MaxOperationTimeout.
func (s *Server) operationTimeout(requested string) time.Duration {
	d := defaultOperationTimeout
	if v, err := parseDuration(requested); err == nil && v > 0 {
		d = v
	}
	if limit := s.cfg.MaxOperationTimeout; limit > 0 && d > limit {
		d = limit
	}
	return d
}
