package conformance

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// Cases is the suite, in the order it runs: some cases use what an earlier
// one left (the spare disk's volume). Every operation of agent.Ops has at
// least one case (the package's test checks it), and every operation gets
// the strict-params case below.
var Cases = slices.Concat(helloCases, registryCases, shareCases, storageCases, dnsCases, dfsCases, dfsrCases, statusCases, directoryCases, serviceCases, addressCases, strictParamsCases())

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
	{Op: agent.Hello.Name, Name: "with a console-mode stdin the loader refuses to start (exit 3, the reason on stderr)", Run: consoleStdinRefused},
}

// consoleStdinRefused starts the loader as masterzen/winrm would on its own,
// with WINRS_CONSOLEMODE_STDIN=TRUE: Windows then gives powershell.exe a
// console, whose input is cut at 254 characters and never ends, so the
// loader must refuse it at once rather than hang on the first long request.
func consoleStdinRefused(ctx context.Context, r *Run) error {
	if r.Endpoint == nil {
		return skipped("no WinRM endpoint to start a second process on")
	}
	ep := *r.Endpoint
	ep.ConsoleStdin = true
	st, err := windows.NewWinRMStarter("conformance", ep)
	if err != nil {
		return step("configuring a console-mode client", err)
	}
	p, err := st.Start(ctx, agent.LoaderCommandLine())
	if err != nil {
		return step("starting the loader", err)
	}
	defer func() { _ = p.Close() }()
	type exit struct {
		stderr []byte
		code   int
		err    error
	}
	done := make(chan exit, 1)
	go func() {
		stderr, _ := io.ReadAll(p.Stderr())
		code, err := p.Wait()
		done <- exit{stderr, code, err}
	}()
	select {
	case e := <-done:
		if e.err != nil {
			return step("waiting for the loader", e.err)
		}
		if e.code != agent.ExitConsoleStdin || !strings.Contains(string(e.stderr), agent.ConsoleStdinRefusal) {
			return failf("exit code %d, stderr %q; want exit %d and %q", e.code, e.stderr, agent.ExitConsoleStdin, agent.ConsoleStdinRefusal)
		}
		return nil
	case <-time.After(30 * time.Second):
		return failf("the loader did not exit within 30 s on a console stdin: it is waiting for input that a console never ends")
	case <-ctx.Done():
		return ctx.Err()
	}
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
