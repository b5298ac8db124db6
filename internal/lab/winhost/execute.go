package winhost

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// handler implements one agent operation against the host.
type handler func(h *Host, params json.RawMessage) (any, *agent.Error)

// handlers maps operation names to their implementation. Each area of the
// host model (registry.go today) registers its operations from init, so a
// new area is a new file.
var handlers = map[string]handler{}

func register(op string, fn handler) {
	if _, dup := handlers[op]; dup {
		panic("winhost: operation registered twice: " + op)
	}
	handlers[op] = fn
}

// Execute runs one agent operation, as agent.ps1 would on real Windows. The
// hello exchange is not a host operation: the PowerShell emulation answers it.
func (h *Host) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	fn, ok := handlers[op]
	if !ok {
		return nil, agent.Errorf(agent.CodeUnknownOp, "unknown operation %q", op)
	}
	return fn(h, params)
}

// decodeParams decodes params strictly, like the agent: missing params,
// unknown fields, wrong JSON types and trailing data are invalid_params.
func decodeParams(params json.RawMessage, into any) *agent.Error {
	trimmed := bytes.TrimSpace(params)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return agent.Errorf(agent.CodeInvalidParams, "missing params")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return agent.Errorf(agent.CodeInvalidParams, "invalid params: %v", err)
	}
	if dec.More() {
		return agent.Errorf(agent.CodeInvalidParams, "invalid params: %v", fmt.Errorf("trailing data"))
	}
	return nil
}
