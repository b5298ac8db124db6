package windows

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrOutcomeUnknown means a write request reached the agent but no answer
// came back (the session broke or the context ended): it may or may not have
// been applied. Call never repeats such a request; the typed write methods
// re-read the state and converge instead.
var ErrOutcomeUnknown = errors.New("the request was sent but its outcome is unknown")

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("windows client is closed")

// SessionError means the agent session ended under a request: the process
// exited, its output ended or failed, or writing to it failed.
type SessionError struct {
	Host  string
	Cause error
}

func (e *SessionError) Error() string {
	return fmt.Sprintf("agent session on %s broke: %v", e.Host, e.Cause)
}

func (e *SessionError) Unwrap() error { return e.Cause }

// NoAnswerError means the agent got a request and did not answer it before
// the caller's deadline. The agent was retired: it answers what else it
// was sent and then ends, and a new agent serves the next calls. It wraps
// the context's error.
type NoAnswerError struct {
	Host   string
	Op     string
	Waited time.Duration
	Err    error
}

func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("the agent on %s did not answer %s within %v and was retired (it is stuck in that call, e.g. a storage "+
		"call waiting on a LUN whose paths are gone); the next call starts a new agent", e.Host, e.Op, e.Waited)
}

func (e *NoAnswerError) Unwrap() error { return e.Err }

// TransportError is a WinRM failure, named after the server and its address,
// with a hint about the usual cause. It never contains the password.
type TransportError struct {
	Host string // the provider's name for the server, e.g. "server1"
	Addr string // host:port
	Step string // what was being done, e.g. "creating a shell"
	Err  error
	Hint string
}

func (e *TransportError) Error() string {
	msg := fmt.Sprintf("winrm %s (%s): %s: %v", e.Host, e.Addr, e.Step, e.Err)
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *TransportError) Unwrap() error { return e.Err }

// transportHint recognises the usual WinRM misconfigurations from an error text.
func transportHint(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "connection refused"):
		return "is the WinRM service listening on that port? HTTPS uses 5986, HTTP 5985"
	case strings.Contains(m, "no such host"):
		return "the server address does not resolve"
	case strings.Contains(m, "http response to https client"), strings.Contains(m, "first record does not look like a tls handshake"):
		return "the port speaks HTTP: set https = false or use the HTTPS listener"
	case strings.Contains(m, "x509"), strings.Contains(m, "certificate"):
		return "the server certificate is not trusted: set the CA certificate (or insecure for a lab)"
	case strings.Contains(m, "401"), strings.Contains(m, "invalid content type"):
		return "authentication failed: check the username, the password and the auth method (ntlm or basic)"
	case strings.Contains(m, "timeout"), strings.Contains(m, "deadline exceeded"):
		return "the server did not answer in time: is it up and is the port open?"
	}
	return ""
}
