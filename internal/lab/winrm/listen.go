package winrm

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// ListenAndServe starts serving on addr (e.g. "127.0.0.1:0") and returns at once with
// the bound address. tlsCfg nil serves plain HTTP (port 5985 style), otherwise HTTPS.
func (s *Server) ListenAndServe(addr string, tlsCfg *tls.Config) (net.Addr, error) {
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var ln net.Listener = &faultListener{Listener: raw, s: s}
	if tlsCfg != nil {
		cfg := tlsCfg.Clone()
		if len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"http/1.1"}
		}
		ln = tls.NewListener(ln, cfg)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		// No WriteTimeout: a Receive long poll legitimately holds a reply for a minute.
		// IdleTimeout is HTTP.sys's default; WinRM is HTTP/1.1 only, hence no TLSNextProto.
		IdleTimeout:  2 * time.Minute,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connAuthKey{}, &connAuth{})
		},
		// Resets and drops are the point of fault injection: don't log them.
		ErrorLog: log.New(io.Discard, "", 0),
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = raw.Close()
		return nil, errors.New("winrm: server closed")
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()

	go func() { _ = hs.Serve(ln) }()
	return raw.Addr(), nil
}

// faultListener resets connections while the host is unreachable and tracks the
// others so that turning Unreachable on can cut them.
type faultListener struct {
	net.Listener
	s *Server
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.s.Faults().Unreachable {
			resetConn(c)
			continue
		}
		tc := &trackedConn{Conn: c, s: l.s}
		l.s.mu.Lock()
		l.s.conns[tc] = struct{}{}
		l.s.mu.Unlock()
		return tc, nil
	}
}

type trackedConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.untrack()
	return c.Conn.Close()
}

func (c *trackedConn) untrack() {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
}

// resetConn closes with an RST rather than a FIN, as a host that went away would.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// dropConnection closes the request's connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	_ = hijack(w).Close()
}

// hijack takes the request's connection from the HTTP server; where it
// cannot, the handler aborts (the server then drops the connection).
func hijack(w http.ResponseWriter) net.Conn {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return c
}
