package conformance

import (
	"errors"
	"fmt"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// wantCode checks that err is the agent's refusal with the given code.
func wantCode(err error, code string) error {
	if err == nil {
		return fmt.Errorf("succeeded; want the error %s", code)
	}
	var ae *agent.Error
	if !errors.As(err, &ae) {
		return fmt.Errorf("want the agent's error %s, got a failure outside the contract: %v", code, err)
	}
	if ae.Code != code {
		return fmt.Errorf("want the error %s, got %s (%s)", code, ae.Code, ae.Message)
	}
	if ae.Message == "" {
		return fmt.Errorf("error %s has no message", code)
	}
	return nil
}

// step names what failed when a call itself fails.
func step(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

func failf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// twice makes the same write twice and checks that it converges: the first
// call does the work and says so (created, existed, changed: the flag named
// flag), the second finds nothing to do. what names the operation in the
// error, as step does.
func twice(what, flag string, write func() (bool, error)) error {
	for i, want := range []bool{true, false} {
		got, err := write()
		if err != nil {
			return step(what, err)
		}
		if got != want {
			return failf("%s #%d: %s %t, want %t", what, i+1, flag, got, want)
		}
	}
	return nil
}
