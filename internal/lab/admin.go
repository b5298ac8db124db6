package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// adminServer is the lab's HTTP API for tests and users: act on a server
// behind Terraform's back, read the timeline and invariants, inject faults.
type adminServer struct {
	url string
	srv *http.Server
	lab *Lab
}

func startAdmin(l *Lab) (*adminServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lab admin API: %w", err)
	}
	a := &adminServer{url: "http://" + ln.Addr().String(), lab: l}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/servers/{name}/agent", a.agentRequest)
	mux.HandleFunc("GET /v1/events", a.events)
	mux.HandleFunc("GET /v1/invariants", a.invariants)
	mux.HandleFunc("GET /v1/faults", a.listFaults)
	mux.HandleFunc("POST /v1/faults", a.addFault)
	mux.HandleFunc("DELETE /v1/faults", a.clearFaults)
	mux.HandleFunc("GET /v1/stats", a.stats)
	mux.HandleFunc("POST /v1/stats/reset", a.resetStats)
	mux.HandleFunc("GET /v1/latency", a.getLatency)
	mux.HandleFunc("PUT /v1/latency", a.putLatency)
	mux.HandleFunc("POST /v1/probe", a.probe)
	mux.HandleFunc("POST /v1/probe/watch", a.probeWatchStart)
	mux.HandleFunc("GET /v1/probe/watch", a.probeWatchReport)
	mux.HandleFunc("DELETE /v1/probe/watch", a.probeWatchStop)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *adminServer) close() { _ = a.srv.Close() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// agentRequest runs one agent operation on a host, as an administrator at
// the console would change it. Body: {"op": "...", "params": {...}}. The
// reply is the agent's own response shape: {"result": ...} or {"error": ...}.
func (a *adminServer) agentRequest(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h := a.lab.Host(name)
	if h == nil {
		writeError(w, http.StatusNotFound, "no server %q in this lab; servers: %v", name, a.lab.ServerNames())
		return
	}
	var req struct {
		Op     string          `json:"op"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Op == "" {
		writeError(w, http.StatusBadRequest, `body must be {"op": "...", "params": {...}}`)
		return
	}
	if h.Down() {
		writeError(w, http.StatusConflict, "server %s is down (crashed): clear the faults to boot it", name)
		return
	}
	if !agent.ReadOnly(req.Op) {
		a.lab.Timeline.Record(name, "admin.request", req.Op+" by an administrator, behind Terraform's back")
	}
	result, aerr := h.Execute(req.Op, req.Params)
	if aerr != nil {
		writeJSON(w, http.StatusOK, map[string]any{"error": aerr})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": result})
}

func (a *adminServer) events(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	evs, _ := a.lab.Timeline.Since(since)
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
}

func (a *adminServer) invariants(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"violations": a.lab.Invariants()})
}

func (a *adminServer) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, a.lab.AllStats())
}

func (a *adminServer) getLatency(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, latencyJSON(a.lab.Latency()))
}

// putLatency replaces the latency model: {"profile": "realistic",
// "rtt": "5ms", ...}; figures not given come from the profile.
func (a *adminServer) putLatency(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, `body must be {"profile": "none|realistic", "rtt": "2ms", ...}: %v`, err)
		return
	}
	profile := body["profile"]
	delete(body, "profile")
	lat, err := ParseLatency(profile, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	a.lab.SetLatency(lat)
	writeJSON(w, http.StatusOK, latencyJSON(lat))
}

// latencyJSON shows durations as Go duration strings rather than nanoseconds.
func latencyJSON(l Latency) map[string]string {
	return map[string]string{
		"name": l.Name, "rtt": l.RTT.String(), "process_start": l.ProcessStart.String(), "rescan": l.Rescan.String(),
		"chkdsk": l.Repair.String(), "array_command": l.ArrayCommand.String(), "dns_update": l.DNSUpdate.String(),
	}
}

func (a *adminServer) resetStats(w http.ResponseWriter, _ *http.Request) {
	a.lab.ResetStats()
	writeJSON(w, http.StatusOK, map[string]any{})
}

// FaultRequest is the body of POST /v1/faults. A fault targets one
// server's WinRM service ("server": "server1"), or with "target" the SAN
// array's telnet CLI ("array") or the DNS server ("dns").
//
// Server kinds: unreachable | drop (count, action) | latency (latency_ms) |
// kill_agent (op: the agent dies after that operation ran, before its
// answer) | slow_disk (count: rescans that miss newly presented disks) |
// crash (power loss: the host goes down, WinRM unreachable, SMB sessions
// gone, volumes mounted there left dirty; clearing the faults boots it).
// Array kinds: cut (the session is cut after the next `count` commands
// starting with `command` ran, before their answer) | login_refused |
// latency (latency_ms before every answer).
// DNS kind: timeout (the DNS server ignores the next `count` requests;
// count 0: every request until the faults are cleared).
type FaultRequest struct {
	Server    string `json:"server,omitempty"`
	Target    string `json:"target,omitempty"` // "" (a server) | "array" | "dns"
	Kind      string `json:"kind"`
	Count     int    `json:"count,omitempty"`
	Action    string `json:"action,omitempty"`
	Command   string `json:"command,omitempty"`
	Op        string `json:"op,omitempty"` // kill_agent: the agent operation after which the agent dies
	LatencyMS int    `json:"latency_ms,omitempty"`
}

func (a *adminServer) addFault(w http.ResponseWriter, r *http.Request) {
	var fr FaultRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&fr); err != nil {
		writeError(w, http.StatusBadRequest, "body must be a JSON fault: %v", err)
		return
	}
	if err := a.lab.InjectFault(fr); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	a.writeFaults(w)
}

func (a *adminServer) listFaults(w http.ResponseWriter, _ *http.Request) { a.writeFaults(w) }

func (a *adminServer) clearFaults(w http.ResponseWriter, _ *http.Request) {
	a.lab.ClearFaults()
	a.writeFaults(w)
}

// writeFaults answers {"faults": {server: ...}, "array": {...}, "dns_drop": N, "down": [server...]}.
func (a *adminServer) writeFaults(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"faults": a.lab.Faults(), "array": a.lab.array.Faults(), "dns_drop": a.lab.DNSFault(), "down": a.lab.Down()})
}

// InjectFault applies a fault to one server's WinRM service or the array.
func (l *Lab) InjectFault(fr FaultRequest) error {
	switch fr.Target {
	case "":
	case "array":
		return l.injectArrayFault(fr)
	case "dns":
		return l.injectDNSFault(fr)
	default:
		return fmt.Errorf("unknown fault target %q; targets: array, dns, or none with \"server\"", fr.Target)
	}
	s, ok := l.servers[fr.Server]
	if !ok {
		return fmt.Errorf("fault for unknown server %q; servers: %v", fr.Server, l.ServerNames())
	}
	f := s.winrm.Faults()
	switch fr.Kind {
	case "unreachable":
		f.Unreachable = true
	case "kill_agent":
		if fr.Op == "" {
			return errors.New(`kill_agent needs "op", the agent operation after which the agent dies (e.g. volume.mount)`)
		}
		s.faultMu.Lock()
		s.killAfterOp = fr.Op
		s.faultMu.Unlock()
		l.Timeline.Record(fr.Server, "fault.inject", "kill the agent after the next "+fr.Op)
		return nil
	case "slow_disk":
		s.host.SetSlowDiscovery(max(fr.Count, 1))
		l.Timeline.Record(fr.Server, "fault.inject", fmt.Sprintf("the next %d rescans miss newly presented disks", max(fr.Count, 1)))
		return nil
	case "drop":
		f.DropNext = max(fr.Count, 1)
		f.DropAction = fr.Action
	case "latency":
		if fr.LatencyMS < 0 {
			return errors.New("latency_ms must not be negative")
		}
		f.Latency = l.Latency().RTT + time.Duration(fr.LatencyMS)*time.Millisecond
	case "crash":
		f.Unreachable = true
	default:
		return fmt.Errorf("unknown fault kind %q; kinds: unreachable, drop, latency, crash, kill_agent, slow_disk", fr.Kind)
	}
	l.Timeline.Record(fr.Server, "fault.inject", describeFault(fr))
	// A crashed host's connections die with it, before anything else sees
	// its state change.
	s.winrm.SetFaults(f)
	if fr.Kind == "crash" {
		s.host.Crash()
	}
	return nil
}

func (l *Lab) injectArrayFault(fr FaultRequest) error {
	f := l.array.Faults()
	switch fr.Kind {
	case "cut":
		f.CutNext, f.CutCommand = max(fr.Count, 1), fr.Command
	case "login_refused":
		f.RefuseLogin = true
	case "latency":
		if fr.LatencyMS < 0 {
			return errors.New("latency_ms must not be negative")
		}
		f.Latency = time.Duration(fr.LatencyMS) * time.Millisecond
	default:
		return fmt.Errorf("unknown array fault kind %q; kinds: cut, login_refused, latency", fr.Kind)
	}
	l.array.SetFaults(f)
	l.Timeline.Record("array", "fault.inject", describeFault(fr))
	return nil
}

func (l *Lab) injectDNSFault(fr FaultRequest) error {
	if fr.Kind != "timeout" {
		return fmt.Errorf("unknown DNS fault kind %q; kinds: timeout", fr.Kind)
	}
	if fr.Count < 0 {
		return errors.New("count must not be negative")
	}
	n := fr.Count
	detail := fmt.Sprintf("ignore the next %d DNS request(s)", n)
	if n == 0 {
		n = -1
		detail = "ignore every DNS request until the faults are cleared"
	}
	l.dns.server.SetDrop(n)
	l.Timeline.Record("dns", "fault.inject", detail)
	return nil
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
		s.faultMu.Unlock()
		s.host.SetSlowDiscovery(0)
		if armed {
			l.Timeline.Record(name, "fault.clear", "kill_agent disarmed")
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

func describeFault(fr FaultRequest) string {
	if fr.Target == "array" {
		switch fr.Kind {
		case "cut":
			return fmt.Sprintf("cut the session after the next %d command(s) starting with %q ran", max(fr.Count, 1), fr.Command)
		case "latency":
			return fmt.Sprintf("add %d ms before every array answer", fr.LatencyMS)
		}
		return fr.Kind
	}
	switch fr.Kind {
	case "crash":
		return "crash: power loss, the host is down until the faults are cleared"
	case "drop":
		return fmt.Sprintf("drop the next %d WinRM request(s) %s", max(fr.Count, 1), fr.Action)
	case "latency":
		return fmt.Sprintf("add %d ms to every WinRM request", fr.LatencyMS)
	}
	return fr.Kind
}
