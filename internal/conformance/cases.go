package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// Cases is the suite, in the order it runs: some cases use what an earlier
// one left (the spare disk's volume). Every operation of agent.Ops has at
// least one case (the package's test checks it), and every operation gets
// the strict-params case below.
var Cases = slices.Concat(helloCases, registryCases, shareCases, storageCases, dnsCases, statusCases, strictParamsCases())

var helloCases = []Case{
	{Op: agent.Hello.Name, Name: "answers the protocol, the script's hash and the computer name", Run: func(ctx context.Context, r *Run) error {
		h, err := r.C.Hello(ctx)
		if err != nil {
			return step("hello", err)
		}
		if h.Protocol != agent.ProtocolVersion || h.ScriptSHA256 != agent.ScriptSHA256 || h.ComputerName == "" || h.PowerShellVersion == "" {
			return failf("got %+v", h)
		}
		if !strings.HasPrefix(h.PowerShellVersion, "5.1") {
			return failf("powershell_version %q: the agent is written for Windows PowerShell 5.1", h.PowerShellVersion)
		}
		return nil
	}},
	{Op: agent.Hello.Name, Name: "another protocol is protocol_mismatch; another script is script_mismatch", Run: func(ctx context.Context, r *Run) error {
		err := r.C.Call(ctx, agent.Hello.Name, agent.HelloParams{Protocol: agent.ProtocolVersion + 1, ScriptSHA256: agent.ScriptSHA256}, nil)
		if err := wantCode(err, agent.CodeProtocol); err != nil {
			return err
		}
		err = r.C.Call(ctx, agent.Hello.Name, agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: strings.Repeat("0", 64)}, nil)
		return wantCode(err, agent.CodeScriptMismatch)
	}},
	{Op: agent.Hello.Name, Name: "an operation the contract does not have is unknown_op", Run: func(ctx context.Context, r *Run) error {
		return wantCode(r.C.Call(ctx, "winfs-conformance.no-such-op", map[string]any{}, nil), agent.CodeUnknownOp)
	}},
}

var statusCases = []Case{
	{Op: agent.ServerStatus.Name, Name: "the Server service runs; a missing service is not_found; C: is not a data volume", Run: func(ctx context.Context, r *Run) error {
		st, err := r.C.ServerStatus(ctx, []string{agent.ServerServiceName, "winfsNoSuchService"})
		if err != nil {
			return step("server.status", err)
		}
		if st.ComputerName == "" || len(st.Services) != 2 {
			return failf("got %+v", st)
		}
		if !strings.EqualFold(st.Services[0].Name, agent.ServerServiceName) || st.Services[0].State != agent.ServiceRunning || st.Services[0].DisplayName == "" {
			return failf("service %+v, want LanmanServer running", st.Services[0])
		}
		if st.Services[1] != (agent.ServiceStatus{Name: "winfsNoSuchService", State: agent.ServiceNotFound}) {
			return failf("missing service: got %+v", st.Services[1])
		}
		for _, v := range st.Volumes {
			if strings.EqualFold(strings.TrimSuffix(v.MountPoint, `\`), "C:") {
				return failf("server.status lists the system drive as a data volume: %+v", v)
			}
		}
		for _, s := range st.Shares {
			if smbshare.IsAdministrativeName(s.Name) {
				return failf("server.status lists the administrative share %s", s.Name)
			}
		}
		return nil
	}},
	{Op: agent.ServerStatus.Name, Name: "lists a share the suite made, available", Run: func(ctx context.Context, r *Run) error {
		s := r.share("status", "share")
		if _, err := r.setShare(ctx, s); err != nil {
			return err
		}
		// Without the services field, as with an empty list, none is reported.
		var st agent.ServerStatusResult
		err := r.C.Call(ctx, agent.ServerStatus.Name, map[string]any{}, &st)
		if err != nil {
			return step("server.status", err)
		}
		if len(st.Services) != 0 {
			return failf("asked no services, got %d", len(st.Services))
		}
		for _, got := range st.Shares {
			if strings.EqualFold(got.Name, s.Name) {
				if !strings.EqualFold(got.Path, s.Path) || !got.Available {
					return failf("share %+v", got)
				}
				return nil
			}
		}
		return failf("server.status does not list %q", s.Name)
	}},
	{Op: agent.ServerStatus.Name, Name: "a wildcard, an empty name or 33 names are invalid_params", Run: func(ctx context.Context, r *Run) error {
		for _, name := range []string{"Lanman*", ""} {
			if _, err := r.C.ServerStatus(ctx, []string{name}); wantCode(err, agent.CodeInvalidParams) != nil {
				return failf("service name %q: %v", name, wantCode(err, agent.CodeInvalidParams))
			}
		}
		many := make([]string, agent.MaxStatusServices+1)
		for i := range many {
			many[i] = "LanmanServer"
		}
		_, err := r.C.ServerStatus(ctx, many)
		return wantCode(err, agent.CodeInvalidParams)
	}},
}

// StrictParamsCase is the name of the case every operation gets.
const StrictParamsCase = "missing params or an unknown field is invalid_params"

// strictParamsCases sends every operation its parameters with one field
// more, and without parameters: the agent refuses both before doing anything, so a client and an
// agent out of step fail loudly instead of ignoring a setting.
func strictParamsCases() []Case {
	var out []Case
	for _, o := range agent.Ops {
		op := o.Describe().Name
		out = append(out, Case{Op: op, Name: StrictParamsCase, Run: func(ctx context.Context, r *Run) error {
			if err := wantCode(r.C.Call(ctx, op, nil, nil), agent.CodeInvalidParams); err != nil {
				return fmt.Errorf("no params: %w", err)
			}
			params := map[string]any{"winfs_conformance_unknown": true}
			return wantCode(r.C.Call(ctx, op, params, nil), agent.CodeInvalidParams)
		}})
	}
	return out
}
