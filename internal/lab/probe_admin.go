package lab

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// ProbeRequest is the body of POST /v1/probe: one client open of
// \\files\<share>\<path>, a write of content or a read.
type ProbeRequest struct {
	Op      string `json:"op"` // write | read
	Share   string `json:"share"`
	Path    string `json:"path"`
	Content string `json:"content,omitempty"`
}

// ProbeWatchRequest is the body of POST /v1/probe/watch.
type ProbeWatchRequest struct {
	Alias      string   `json:"alias,omitempty"`
	Shares     []string `json:"shares"`
	IntervalMS int      `json:"interval_ms,omitempty"`
}

// probe answers {"content": ...}: what was read, or what was written. A
// client-visible failure is 503 (404 for a missing file), with the reason.
func (a *adminServer) probe(w http.ResponseWriter, r *http.Request) {
	var req ProbeRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `body must be {"op": "write"|"read", "share": "...", "path": "...", "content": "..."}: %v`, err)
		return
	}
	var (
		content string
		err     error
	)
	switch req.Op {
	case "write":
		content, err = req.Content, a.lab.ProbeWrite(req.Share, req.Path, req.Content)
	case "read":
		content, err = a.lab.ProbeRead(req.Share, req.Path)
	default:
		writeError(w, http.StatusBadRequest, `op %q: use "write" or "read"`, req.Op)
		return
	}
	if err != nil {
		writeJSON(w, probeStatus(err), map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"content": content})
}

func probeStatus(err error) int {
	var pe *ProbeError
	if errors.As(err, &pe) {
		switch pe.Stage {
		case ProbeStageInput:
			return http.StatusBadRequest
		case ProbeStageFile:
			return http.StatusNotFound
		}
	}
	return http.StatusServiceUnavailable
}

func (a *adminServer) probeWatchStart(w http.ResponseWriter, r *http.Request) {
	var req ProbeWatchRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `body must be {"alias": "...", "shares": [...], "interval_ms": N}: %v`, err)
		return
	}
	if req.IntervalMS < 0 {
		writeError(w, http.StatusBadRequest, "interval_ms must not be negative")
		return
	}
	if len(req.Shares) == 0 {
		writeError(w, http.StatusBadRequest, "name at least one share in shares")
		return
	}
	if err := a.lab.StartProbe(req.Alias, req.Shares, time.Duration(req.IntervalMS)*time.Millisecond); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrProbeRunning) {
			status = http.StatusConflict
		}
		writeError(w, status, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, a.lab.ProbeReport())
}

func (a *adminServer) probeWatchReport(w http.ResponseWriter, _ *http.Request) {
	if !a.lab.ProbeStarted() {
		writeError(w, http.StatusNotFound, "no probe watcher was started: POST /v1/probe/watch first")
		return
	}
	writeJSON(w, http.StatusOK, a.lab.ProbeReport())
}

func (a *adminServer) probeWatchStop(w http.ResponseWriter, _ *http.Request) {
	if !a.lab.ProbeStarted() {
		writeError(w, http.StatusNotFound, "no probe watcher was started: POST /v1/probe/watch first")
		return
	}
	writeJSON(w, http.StatusOK, a.lab.StopProbe())
}
