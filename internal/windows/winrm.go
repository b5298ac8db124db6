package windows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masterzen/winrm"

	"github.com/winfs/terraform-provider-winfs/internal/secret"
)

// Endpoint says how to reach one server over WinRM.
type Endpoint struct {
	Host          string
	Port          int
	HTTPS         bool
	Insecure      bool
	CACertPEM     []byte
	TLSServerName string
	Auth          string // "ntlm" (the default when empty), "basic" or "kerberos"
	Username      string
	Password      string        // with Kerberos, unused when Kerberos.Keytab is set
	Kerberos      *Kerberos     // for Auth "kerberos"
	Timeout       time.Duration // per HTTP request; 0 means no limit
	// ConsoleStdin keeps the console-mode stdin masterzen/winrm asks for,
	// which the loader refuses: only the conformance suite sets it, to check
	// that refusal on a real server.
	ConsoleStdin bool
}

// Addr is host:port.
func (ep Endpoint) Addr() string { return net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)) }

// sendChunk bounds one WinRM Send: masterzen/winrm splits by the envelope
// size before base64 (which adds a third), so larger writes could exceed
// the server's MaxEnvelopeSize.
const sendChunk = 48 << 10

// NewWinRMStarter returns a Starter that runs commands on ep through
// github.com/masterzen/winrm: each command gets its own shell and its own
// connections (see laneTransport). name is the provider's name for the
// server, used in errors.
func NewWinRMStarter(name string, ep Endpoint) (Starter, error) {
	s := &winrmStarter{name: name, ep: ep}
	switch ep.Auth {
	case "", "ntlm", "basic":
	case "kerberos":
		krb, err := newKerberosAuth(ep)
		if err != nil {
			return nil, s.fail("configuring Kerberos", err)
		}
		s.krb = krb
	default:
		return nil, s.fail("configuring the client", fmt.Errorf("unknown auth %q (want ntlm, basic or kerberos)", ep.Auth))
	}
	// Fail early on a bad configuration (e.g. an unreadable CA certificate).
	if _, _, err := s.newClient(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *winrmStarter) newClient() (*winrm.Client, *laneTransport, error) {
	lanes := newLaneTransport(s.ep, &s.accepted, s.krb)
	params := winrm.NewParameters(operationTimeout(s.ep.Timeout), "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter { return lanes }
	wep := &winrm.Endpoint{
		Host: s.ep.Host, Port: s.ep.Port, HTTPS: s.ep.HTTPS, Insecure: s.ep.Insecure,
		TLSServerName: s.ep.TLSServerName, CACert: s.ep.CACertPEM, Timeout: s.ep.Timeout,
	}
	client, err := winrm.NewClientWithParameters(wep, s.ep.Username, s.ep.Password, params)
	if err != nil {
		return nil, nil, s.fail("configuring the client", err)
	}
	return client, lanes, nil
}

// operationTimeout is how long the server may hold a Receive open. It must
// stay below the HTTP timeout, or every idle poll would end in a client-side
// timeout instead of the server's OperationTimeout fault.
func operationTimeout(httpTimeout time.Duration) string {
	op := 60 * time.Second
	if httpTimeout > 0 && httpTimeout/2 < op {
		op = max(httpTimeout/2, time.Second)
	}
	return fmt.Sprintf("PT%dS", int(op/time.Second))
}

type winrmStarter struct {
	name     string
	ep       Endpoint
	accepted atomic.Bool   // the credentials got past authentication once
	krb      *kerberosAuth // shared by every agent of the endpoint: one login
}

func (s *winrmStarter) fail(step string, err error) error {
	err = secret.Error(err, s.ep.Password) // the WinRM library formats its own errors
	hint := transportHint(err.Error())
	var ke *KerberosError
	if errors.As(err, &ke) || strings.Contains(err.Error(), "kerberos: ") {
		hint = "" // the Kerberos error explains itself
	}
	return &TransportError{Host: s.name, Addr: s.ep.Addr(), Step: step, Err: err, Hint: hint}
}

// Start opens a shell and runs commandLine in it. ctx bounds only the start:
// the command lives until Close.
func (s *winrmStarter) Start(ctx context.Context, commandLine string) (Process, error) {
	type started struct {
		p   *winrmProcess
		err error
	}
	ch := make(chan started, 1)
	go func() {
		client, lanes, err := s.newClient()
		if err != nil {
			ch <- started{err: err}
			return
		}
		shell, err := client.CreateShell()
		if err != nil {
			lanes.closeIdle()
			ch <- started{err: s.fail("creating a shell", err)}
			return
		}
		// The command's own context: masterzen stops polling its output when
		// it ends, so it must outlive the caller's ctx.
		cmdCtx, cancel := context.WithCancel(context.Background())
		cmd, err := shell.ExecuteWithContext(cmdCtx, commandLine)
		if err != nil {
			cancel()
			_ = shell.Close()
			lanes.closeIdle()
			ch <- started{err: s.fail("starting the agent", err)}
			return
		}
		ch <- started{p: &winrmProcess{starter: s, lanes: lanes, shell: shell, cmd: cmd, cancel: cancel}}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return r.p, nil
	case <-ctx.Done():
		go func() { // the start goes on in the background: clean it up
			if r := <-ch; r.p != nil {
				_ = r.p.Close()
			}
		}()
		return nil, s.fail("starting the agent", ctx.Err())
	}
}

type winrmProcess struct {
	starter *winrmStarter
	lanes   *laneTransport
	shell   *winrm.Shell
	cmd     *winrm.Command
	cancel  context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

func (p *winrmProcess) Stdin() io.WriteCloser { return chunkedStdin{p} }
func (p *winrmProcess) Stdout() io.Reader     { return p.cmd.Stdout }
func (p *winrmProcess) Stderr() io.Reader     { return p.cmd.Stderr }

func (p *winrmProcess) Wait() (int, error) {
	p.cmd.Wait()
	return p.cmd.ExitCode(), nil
}

// Close terminates the command and deletes its shell.
func (p *winrmProcess) Close() error {
	p.closeOnce.Do(func() {
		_ = p.cmd.Close() // fails harmlessly when the command already ended
		if err := p.shell.Close(); err != nil {
			p.closeErr = p.starter.fail("deleting the shell", err)
		}
		p.cancel()
		p.lanes.closeIdle()
	})
	return p.closeErr
}

// chunkedStdin writes to the command's stdin in bounded Sends.
type chunkedStdin struct{ p *winrmProcess }

func (w chunkedStdin) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		n := min(len(b), sendChunk)
		m, err := w.p.cmd.Stdin.Write(b[:n])
		written += m
		if err != nil {
			return written, w.p.starter.fail("sending to the agent", err)
		}
		b = b[n:]
	}
	return written, nil
}

func (w chunkedStdin) Close() error {
	if err := w.p.cmd.Stdin.Close(); err != nil {
		return w.p.starter.fail("closing the agent's input", err)
	}
	return nil
}
