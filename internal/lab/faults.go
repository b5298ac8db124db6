package lab

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// FaultRequest is the body of POST /v1/faults. A fault targets one
// server's WinRM service ("server": "server1"), or with "target" the SAN
// array's telnet CLI ("array") or the DNS server ("dns").
//
// Server kinds: unreachable | drop (count, action) | latency (latency_ms) |
// kill_agent (op: the agent dies after that operation ran, before its
// answer) | hang_agent (op: the agent's next call of that operation never
// answers, as a Storage cmdlet stuck on a LUN whose paths are gone; it
// blocks until the agent process ends) | slow_disk (count: rescans that miss newly presented disks) |
// client_close_race (count: open files that their clients close between
// volume.close_sessions listing them and closing them) |
// crash (power loss: the host goes down, WinRM unreachable, SMB sessions
// gone, volumes mounted there left dirty; clearing the faults boots it) |
// clock_skew (skew_seconds: the host's clock runs ahead, or behind when
// negative; Kerberos refuses tickets past 5 minutes).
// Array kinds: cut (the session is cut after the next `count` commands
// starting with `command` ran, before their answer) | login_refused |
// latency (latency_ms before every answer) | echo_password (the password
// echoed as typed and repeated in a refused login's answer).
// DNS kind: timeout (the DNS server ignores the next `count` requests;
// count 0: every request until the faults are cleared).
type FaultRequest struct {
	Server    string `json:"server,omitempty"`
	Target    string `json:"target,omitempty"` // "" (a server) | "array" | "dns"
	Kind      string `json:"kind"`
	Count     int    `json:"count,omitempty"`
	Action    string `json:"action,omitempty"`
	Command   string `json:"command,omitempty"`
	Op        string `json:"op,omitempty"` // kill_agent, hang_agent: the agent operation
	LatencyMS int    `json:"latency_ms,omitempty"`
	// SkewSeconds is how far a clock_skew fault sets the host's clock ahead.
	SkewSeconds int `json:"skew_seconds,omitempty"`
}

// Fault targets, as FaultRequest.Target names them.
const (
	TargetServer = ""      // one server's WinRM service, host or agent
	TargetArray  = "array" // the SAN array's telnet CLI
	TargetDNS    = "dns"   // the DNS server
)

// faultKind is one kind of fault: inject applies it and returns what the
// timeline records ("" when inject recorded it itself).
type faultKind struct {
	target string
	kind   string
	inject func(l *Lab, fr FaultRequest) (string, error)
}

// faultKinds is every fault the admin API injects, by target, in the order
// error messages list them.
var faultKinds = []faultKind{
	{TargetServer, "unreachable", winrmFault(func(_ *Lab, _ FaultRequest, f *winrm.Faults) (string, error) {
		f.Unreachable = true
		return "unreachable", nil
	})},
	{TargetServer, "drop", winrmFault(func(_ *Lab, fr FaultRequest, f *winrm.Faults) (string, error) {
		f.DropNext, f.DropAction = max(fr.Count, 1), fr.Action
		return fmt.Sprintf("drop the next %d WinRM request(s) %s", max(fr.Count, 1), fr.Action), nil
	})},
	{TargetServer, "latency", winrmFault(func(l *Lab, fr FaultRequest, f *winrm.Faults) (string, error) {
		if fr.LatencyMS < 0 {
			return "", errors.New("latency_ms must not be negative")
		}
		f.Latency = l.Latency().RTT + time.Duration(fr.LatencyMS)*time.Millisecond
		return fmt.Sprintf("add %d ms to every WinRM request", fr.LatencyMS), nil
	})},
	{TargetServer, "crash", injectCrash},
	{TargetServer, "kill_agent", agentOpFault(func(s *server) *string { return &s.killAfterOp }, "after which the agent dies", "kill the agent after the next ")},
	{TargetServer, "hang_agent", agentOpFault(func(s *server) *string { return &s.hangOp }, "in which the agent gets stuck", "the agent gets stuck in the next ")},
	{TargetServer, "clock_skew", injectClockSkew},
	{TargetServer, "slow_disk", func(l *Lab, fr FaultRequest) (string, error) {
		l.servers[fr.Server].host.SetSlowDiscovery(max(fr.Count, 1))
		return fmt.Sprintf("the next %d rescans miss newly presented disks", max(fr.Count, 1)), nil
	}},
	{TargetServer, "client_close_race", func(l *Lab, fr FaultRequest) (string, error) {
		l.servers[fr.Server].host.SetClientCloseRace(max(fr.Count, 1))
		return fmt.Sprintf("the next %d open file(s) volume.close_sessions lists are closed by their clients first", max(fr.Count, 1)), nil
	}},
	{TargetArray, "cut", arrayFault(func(fr FaultRequest, f *array.Faults) (string, error) {
		f.CutNext, f.CutCommand = max(fr.Count, 1), fr.Command
		return fmt.Sprintf("cut the session after the next %d command(s) starting with %q ran", max(fr.Count, 1), fr.Command), nil
	})},
	{TargetArray, "login_refused", arrayFault(func(_ FaultRequest, f *array.Faults) (string, error) {
		f.RefuseLogin = true
		return "login_refused", nil
	})},
	{TargetArray, "echo_password", arrayFault(func(_ FaultRequest, f *array.Faults) (string, error) {
		f.EchoPassword = true
		return "echo the password at login", nil
	})},
	{TargetArray, "latency", arrayFault(func(fr FaultRequest, f *array.Faults) (string, error) {
		if fr.LatencyMS < 0 {
			return "", errors.New("latency_ms must not be negative")
		}
		f.Latency = time.Duration(fr.LatencyMS) * time.Millisecond
		return fmt.Sprintf("add %d ms before every array answer", fr.LatencyMS), nil
	})},
	{TargetDNS, "timeout", injectDNSTimeout},
}

// InjectFault applies a fault to one server, the array or the DNS server.
func (l *Lab) InjectFault(fr FaultRequest) error {
	switch fr.Target {
	case TargetServer:
		if _, ok := l.servers[fr.Server]; !ok {
			return fmt.Errorf("fault for unknown server %q; servers: %v", fr.Server, l.ServerNames())
		}
	case TargetArray, TargetDNS:
	default:
		return fmt.Errorf("unknown fault target %q; targets: array, dns, or none with \"server\"", fr.Target)
	}
	var kinds []string
	for _, k := range faultKinds {
		if k.target != fr.Target {
			continue
		}
		if k.kind == fr.Kind {
			detail, err := k.inject(l, fr)
			if err == nil && detail != "" {
				l.Timeline.Record(faultSubject(fr), "fault.inject", detail)
			}
			return err
		}
		kinds = append(kinds, k.kind)
	}
	what := map[string]string{TargetServer: "fault kind", TargetArray: "array fault kind", TargetDNS: "DNS fault kind"}[fr.Target]
	return fmt.Errorf("unknown %s %q; kinds: %s", what, fr.Kind, strings.Join(kinds, ", "))
}

// faultSubject is who the timeline says a fault happened to.
func faultSubject(fr FaultRequest) string {
	if fr.Target == TargetServer {
		return fr.Server
	}
	return fr.Target
}

// winrmFault changes a server's WinRM faults with set. The timeline records
// the fault before it takes effect, so no request it affects is listed
// before it.
func winrmFault(set func(l *Lab, fr FaultRequest, f *winrm.Faults) (string, error)) func(*Lab, FaultRequest) (string, error) {
	return func(l *Lab, fr FaultRequest) (string, error) {
		s := l.servers[fr.Server]
		f := s.winrm.Faults()
		detail, err := set(l, fr, &f)
		if err != nil {
			return "", err
		}
		l.Timeline.Record(fr.Server, "fault.inject", detail)
		s.winrm.SetFaults(f)
		return "", nil
	}
}

// injectCrash is a power loss: the host goes down, WinRM unreachable. A
// crashed host's connections die with it, before anything else sees its
// state change.
func injectCrash(l *Lab, fr FaultRequest) (string, error) {
	s := l.servers[fr.Server]
	f := s.winrm.Faults()
	f.Unreachable = true
	l.Timeline.Record(fr.Server, "fault.inject", "crash: power loss, the host is down until the faults are cleared")
	s.winrm.SetFaults(f)
	s.host.Crash()
	return "", nil
}

// agentOpFault arms the agent fault slot of fr.Server for the next fr.Op
// (agentfault.go): what ends "the agent operation ..." in the error of a
// request without an op, done leads the answer.
func agentOpFault(slot func(*server) *string, what, done string) func(*Lab, FaultRequest) (string, error) {
	return func(l *Lab, fr FaultRequest) (string, error) {
		if err := checkFaultOp(fr, what); err != nil {
			return "", err
		}
		s := l.servers[fr.Server]
		s.armOp(slot(s), fr.Op)
		return done + fr.Op, nil
	}
}

// checkFaultOp checks the op of an agent fault.
func checkFaultOp(fr FaultRequest, what string) error {
	if fr.Op == "" {
		return fmt.Errorf(`%s needs "op", the agent operation %s (e.g. volume.mount)`, fr.Kind, what)
	}
	if _, ok := agent.Lookup(fr.Op); !ok {
		return fmt.Errorf("%s: %q is not an agent operation (e.g. volume.mount)", fr.Kind, fr.Op)
	}
	return nil
}

// arrayFault changes the array's faults with set.
func arrayFault(set func(fr FaultRequest, f *array.Faults) (string, error)) func(*Lab, FaultRequest) (string, error) {
	return func(l *Lab, fr FaultRequest) (string, error) {
		f := l.array.Faults()
		detail, err := set(fr, &f)
		if err != nil {
			return "", err
		}
		l.array.SetFaults(f)
		return detail, nil
	}
}

// injectDNSTimeout makes the DNS server ignore the next fr.Count requests
// (0: every request until the faults are cleared).
func injectDNSTimeout(l *Lab, fr FaultRequest) (string, error) {
	if fr.Count < 0 {
		return "", errors.New("count must not be negative")
	}
	n := fr.Count
	detail := fmt.Sprintf("ignore the next %d DNS request(s)", n)
	if n == 0 {
		n = -1
		detail = "ignore every DNS request until the faults are cleared"
	}
	l.dns.server.SetDrop(n)
	return detail, nil
}

// DNSFault is how many requests the DNS server still ignores (-1: all,
// until cleared; 0: none).
func (l *Lab) DNSFault() int { return l.dns.server.Drop() }

// ClearFaults puts every server, the array and the DNS server back to
// normal (the latency model stays).
func (l *Lab) ClearFaults() {
	if l.dns != nil && l.dns.server.Drop() != 0 {
		l.dns.server.SetDrop(0)
		l.Timeline.Record("dns", "fault.clear", "all faults cleared")
	}
	if l.array != nil && l.array.Faults() != (array.Faults{}) {
		l.array.SetFaults(array.Faults{})
		l.Timeline.Record("array", "fault.clear", "all faults cleared")
	}
	for _, name := range l.ServerNames() {
		s := l.servers[name]
		s.faultMu.Lock()
		armed := s.killAfterOp != ""
		s.killAfterOp = ""
		hang := s.hangOp != ""
		s.hangOp = ""
		s.faultMu.Unlock()
		s.host.SetSlowDiscovery(0)
		s.host.SetClientCloseRace(0)
		if s.clockSkew.Swap(0) != 0 {
			l.Timeline.Record(name, "fault.clear", "clock set right")
		}
		if armed {
			l.Timeline.Record(name, "fault.clear", "kill_agent disarmed")
		}
		if hang {
			l.Timeline.Record(name, "fault.clear", "hang_agent disarmed")
		}
		if s.winrm.Faults() != (winrm.Faults{Latency: l.Latency().RTT}) {
			l.Timeline.Record(name, "fault.clear", "all faults cleared")
		}
		// A crashed host boots before WinRM answers again, so no agent
		// request sees it half up.
		s.host.Boot()
		s.winrm.SetFaults(winrm.Faults{Latency: l.Latency().RTT})
	}
}

// Down lists the servers that crashed and have not booted, sorted.
func (l *Lab) Down() []string {
	out := []string{}
	for _, name := range l.ServerNames() {
		if l.servers[name].host.Down() {
			out = append(out, name)
		}
	}
	return out
}

// Faults lists the active faults by server.
func (l *Lab) Faults() map[string]winrm.Faults {
	out := map[string]winrm.Faults{}
	for name, s := range l.servers {
		if f := s.winrm.Faults(); f != (winrm.Faults{Latency: l.Latency().RTT}) {
			out[name] = f
		}
	}
	return out
}
