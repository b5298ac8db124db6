// Package agent is the contract between the provider and a Windows host:
// the operations (ops.go: name, read-only or not, request and response
// types), their shapes by area (registry.go, dns.go, share.go, volume.go,
// status.go), error codes and the wire format (this file). The PowerShell
// agent (agent.ps1) and the lab's Go emulation both implement it; the
// provider side (internal/windows) speaks it. It is the one source of
// truth: nothing else defines an operation name or a JSON field.
package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// ProtocolVersion is bumped when a request or response shape changes
// incompatibly. The hello exchange carries it.
const ProtocolVersion = 1

// Error codes. They are stable strings so that the provider can branch on
// them without parsing messages.
const (
	CodeInvalidParams  = "invalid_params"    // the request is malformed
	CodeUnknownOp      = "unknown_op"        // the agent does not implement op
	CodeKeyNotFound    = "key_not_found"     // a registry key is missing (and create_key was false)
	CodeAccessDenied   = "access_denied"     // Windows refused the operation
	CodeScriptMismatch = "script_mismatch"   // hello: the host runs another agent script
	CodeProtocol       = "protocol_mismatch" // hello: protocol versions differ
	CodeInternal       = "internal"          // anything else; Message has the detail
)

// Request is one line on the agent's stdin.
type Request struct {
	ID     uint64          `json:"id"`
	Op     string          `json:"op"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Response is one line on the agent's stdout. Exactly one of Result and
// Error is set.
type Response struct {
	ID     uint64          `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is a structured failure reported by the agent.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// HelloParams opens a session: the client says which script it sent.
type HelloParams struct {
	Protocol     int    `json:"protocol"`
	ScriptSHA256 string `json:"script_sha256"`
}

// HelloResult is what the agent reports about itself.
type HelloResult struct {
	Protocol          int    `json:"protocol"`
	ScriptSHA256      string `json:"script_sha256"` // hash of the script text the agent actually received
	ComputerName      string `json:"computer_name"`
	PowerShellVersion string `json:"powershell_version"`
}

// EncodeLine marshals v as one JSON line, escaping every non-ASCII rune as
// \uXXXX so that the bytes on the wire do not depend on the console code page
// of the Windows side.
func EncodeLine(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 16)
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		switch {
		case r < utf8.RuneSelf:
			out.WriteByte(raw[0])
		case r > 0xFFFF:
			r1, r2 := surrogates(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		raw = raw[size:]
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// DecodeRequest parses one request line strictly: unknown fields are
// rejected so that a client and agent out of step fail loudly.
func DecodeRequest(line []byte) (Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Request{}, fmt.Errorf("decoding agent request: %w", err)
	}
	if req.Op == "" {
		return Request{}, fmt.Errorf("decoding agent request: missing op")
	}
	return req, nil
}

// DecodeResponse parses one response line.
func DecodeResponse(line []byte) (Response, error) {
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("decoding agent response: %w", err)
	}
	if (resp.Error == nil) == (resp.Result == nil) {
		return Response{}, fmt.Errorf("decoding agent response %d: exactly one of result and error must be set", resp.ID)
	}
	return resp, nil
}
