package conformance

import (
	"context"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// serviceCases read the Server service and ask for what is already so:
// restarting or stopping a service of a real file server is an outage for
// its clients, which a conformance run must not cause. What a restart does
// (the order, the outage) is shown by the lab's tests and the acceptance
// tests of winfs_service.
var serviceCases = []Case{
	{Op: agent.ServiceGet.Name, Name: "the Server service runs, automatic, its dependents listed", Run: func(ctx context.Context, r *Run) error {
		s, err := r.C.ServiceGet(ctx, "lanmanserver")
		if err != nil {
			return step("service.get", err)
		}
		if s.Name != agent.ServerServiceName || s.State != agent.ServiceRunning || s.StartType != agent.StartAutomatic || s.DisplayName == "" {
			return failf("got %+v, want LanmanServer running and automatic, as Windows spells it", s)
		}
		for _, d := range s.DependentServices {
			if !agent.ServiceNamePattern.MatchString(d) || strings.EqualFold(d, s.Name) {
				return failf("dependent service %q of %+v", d, s)
			}
		}
		return nil
	}},
	{Op: agent.ServiceGet.Name, Name: "a missing service is service_not_found; a wildcard or a display name is not a service name", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.C.ServiceGet(ctx, "winfsNoSuchService"); wantCode(err, agent.CodeServiceNotFound) != nil {
			return wantCode(err, agent.CodeServiceNotFound)
		}
		for _, name := range []string{"Lanman*", `Lanman\Server`, ""} {
			if _, err := r.C.ServiceGet(ctx, name); wantCode(err, agent.CodeInvalidParams) != nil {
				return failf("service name %q: %v", name, wantCode(err, agent.CodeInvalidParams))
			}
		}
		_, err := r.C.ServiceGet(ctx, "Server") // the display name
		return wantCode(err, agent.CodeServiceNotFound)
	}},
	{Op: agent.ServiceSet.Name, Name: "asking for what is so changes nothing", Run: func(ctx context.Context, r *Run) error {
		res, err := r.C.ServiceSet(ctx, agent.ServiceSetParams{Name: agent.ServerServiceName, State: agent.ServiceRunning, StartType: agent.StartAutomatic})
		if err != nil {
			return step("service.set", err)
		}
		if res.Changed || res.Service.State != agent.ServiceRunning {
			return failf("got %+v, want no change", res)
		}
		return nil
	}},
	{Op: agent.ServiceSet.Name, Name: "a missing service is service_not_found; a bad state or start type is invalid_params", Run: func(ctx context.Context, r *Run) error {
		if _, err := r.C.ServiceSet(ctx, agent.ServiceSetParams{Name: "winfsNoSuchService", State: agent.ServiceRunning}); wantCode(err, agent.CodeServiceNotFound) != nil {
			return wantCode(err, agent.CodeServiceNotFound)
		}
		for _, p := range []agent.ServiceSetParams{
			{Name: agent.ServerServiceName, State: "paused"},
			{Name: agent.ServerServiceName, StartType: "boot"},
		} {
			if _, err := r.C.ServiceSet(ctx, p); wantCode(err, agent.CodeInvalidParams) != nil {
				return failf("%+v: %v", p, wantCode(err, agent.CodeInvalidParams))
			}
		}
		return nil
	}},
	{Op: agent.ServiceRestart.Name, Name: "a missing service is service_not_found", Run: func(ctx context.Context, r *Run) error {
		_, err := r.C.ServiceRestart(ctx, "winfsNoSuchService")
		return wantCode(err, agent.CodeServiceNotFound)
	}},
}
