package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
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
	out := map[string]string{"name": l.Name}
	for _, f := range LatencyFigures {
		out[strings.ReplaceAll(f.Name, "-", "_")] = f.Field(&l).String()
	}
	return out
}

func (a *adminServer) resetStats(w http.ResponseWriter, _ *http.Request) {
	a.lab.ResetStats()
	writeJSON(w, http.StatusOK, map[string]any{})
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
