// Package acctest is what the acceptance tests share: a lab of the test's
// own (so tests run in parallel), the provider block pointing at it, a
// terraform driver that reads terraform's -json output, and queries on the
// lab's timeline. It is imported by tests only.
package acctest

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// RequireAcc makes TF_ACC a hard requirement with a visible reason, rather
// than the silent skip of resource.Test; `make test` always sets it.
func RequireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
}

// StartLab starts a lab for this test alone, closed when the test ends.
// Nothing is shared between tests, so each may call t.Parallel.
func StartLab(t *testing.T, opts lab.Options) *lab.Lab {
	t.Helper()
	RequireAcc(t)
	l, err := lab.Start(opts)
	if err != nil {
		t.Fatalf("starting the lab: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

// Fault injects a fault into the lab or fails the test.
func Fault(t *testing.T, l *lab.Lab, fr lab.FaultRequest) {
	t.Helper()
	if err := l.InjectFault(fr); err != nil {
		t.Fatal(err)
	}
}

// HCLString quotes s as an HCL string literal: backslashes, quotes, and
// template sequences (${ and %{) are escaped.
func HCLString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

// Attr checks one top-level attribute of a resource or data source in the
// state (terraform-plugin-testing's ConfigStateChecks).
func Attr(address, name string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(name), want)
}

// Phrases matches the phrases in this order, each space in them matching
// any run of white space: terraform wraps long diagnostics in its
// human-readable output, which resource.Test's ExpectError reads.
func Phrases(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}
