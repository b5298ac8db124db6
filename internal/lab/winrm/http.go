package winrm

import (
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxRequestBody bounds what one request may make the lab buffer; the client's
// MaxEnvelopeSize is 150 KiB.
const maxRequestBody = 4 << 20

// ServeHTTP answers POST /wsman. It can also be mounted on another http.Server; NTLM
// connection state is then keyed by remote address, and Faults.Unreachable only
// affects requests, not the foreign listener.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Faults().Unreachable {
		resetRequestConn(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	var env *requestEnvelope
	if err == nil {
		env, err = parseEnvelope(body)
	}
	action := ""
	if env != nil {
		action = env.Header.Action
	}
	s.observe(StatHTTPRequest, action)

	if lat := s.Faults().Latency; lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	if !strings.EqualFold(r.URL.Path, "/wsman") {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeEmpty(w, http.StatusMethodNotAllowed)
		return
	}
	user, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if !strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "application/soap+xml") {
		writeEmpty(w, http.StatusUnsupportedMediaType)
		return
	}
	x := &exchange{s: s, r: r, env: env, user: user, machine: hostOnly(r.Host)}
	if err != nil {
		writeReply(w, faultSchemaValidation.reply("", x.machine))
		return
	}

	// A dropped Send or Command has taken effect; the client just never hears of it.
	drop := s.takeDrop(action)
	if drop && action != actionSend && action != actionCommand {
		dropConnection(w)
		return
	}
	rep, answered := x.dispatch()
	if drop {
		dropConnection(w)
		return
	}
	if answered {
		writeReply(w, rep)
	}
}

func writeReply(w http.ResponseWriter, rep reply) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Server", serverHeader)
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// resetRequestConn makes a request on an unreachable host fail like the host died.
func resetRequestConn(w http.ResponseWriter) {
	resetConn(underlyingConn(hijack(w)))
}

// underlyingConn digs the TCP connection out of TLS and tracking wrappers.
func underlyingConn(c net.Conn) net.Conn {
	for {
		switch v := c.(type) {
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		case *trackedConn:
			v.untrack()
			c = v.Conn
		default:
			return c
		}
	}
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
