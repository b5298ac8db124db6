package array

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// What the stock-client tests share: the tools they need, the expect run
// that drives a client, and the login the array recorded.

// requireTools skips (fails in CI) when a stock tool is missing; packages
// is the apt-get line that installs them, proves what the test shows.
func requireTools(t *testing.T, packages, proves string, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; .ci/run installs it with apt-get", tool)
			}
			t.Skipf("SKIPPED: %s is not installed (apt-get install %s); this test proves %s", tool, packages, proves)
		}
	}
}

// runExpect runs script with env added, fails the test if expect fails or
// the output shows password, and returns the session's output.
func runExpect(t *testing.T, what, script string, timeout time.Duration, password string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "expect", "-c", script)
	cmd.Env = append(append(os.Environ(), env...), "ARRAY_PASSWORD="+password, "TERM=dumb")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out.String())
	}
	if strings.Contains(out.String(), password) {
		t.Errorf("the array echoed the password:\n%s", out.String())
	}
	return out.String()
}

// lastLogin is the detail of the array's last login event.
func lastLogin(a *Array) string {
	var login string
	for _, ev := range a.Timeline().Events() {
		if ev.Kind == "array.login" {
			login = ev.Detail
		}
	}
	return login
}
