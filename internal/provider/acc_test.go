package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// The acceptance tests run the real terraform binary (TF_ACC=1), each
// against a lab of its own, in parallel. Those that drive terraform
// themselves (acctest.Terraform) reattach to a provider served here for
// each command, or start the binary built here once (testProvider).

// testProvider is the provider the terraform driver runs: the binary
// TestMain builds (TF_ACC only), and a fresh server in this process for
// each command that needs no process of its own. Read-only.
var testProvider acctest.Provider

func TestMain(m *testing.M) {
	// A developer machine may point TF_CLI_CONFIG_FILE at a missing file;
	// terraform only warns, but keep the test output clean.
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	var binDir string
	if os.Getenv("TF_ACC") != "" {
		var err error
		testProvider.Server = inProcessServer
		testProvider.Bin, binDir, err = acctest.BuildProvider("../..")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	CloseAllHosts()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// testLab starts this test's lab: the estate set up by hand, without its
// shares, so that the share tests own server1's X:\ and Y:\ scope.
func testLab(t *testing.T) *lab.Lab {
	t.Helper()
	return testLabIn(t, "")
}

// testLabIn is testLab with Windows in locale (lab.Options.Locale; "" is en-US).
func testLabIn(t *testing.T, locale string) *lab.Lab {
	t.Helper()
	sc := lab.DefaultScenario()
	sc.Shares = nil
	return acctest.StartLab(t, lab.Options{Scenario: sc, Locale: locale})
}

// parallelAccLab is how an acceptance test on its own lab starts: it runs
// in parallel with the others, only with TF_ACC set, on a testLab.
func parallelAccLab(t *testing.T) *lab.Lab {
	t.Helper()
	return parallelAccLabIn(t, "")
}

// parallelAccLabIn is parallelAccLab with Windows in locale.
func parallelAccLabIn(t *testing.T, locale string) *lab.Lab {
	t.Helper()
	t.Parallel()
	acctest.RequireAcc(t)
	return testLabIn(t, locale)
}

// expectPlanError plans config with the built provider and fails the test
// unless terraform stops with an error diagnostic matching want: one
// terraform process per case, where resource.Test starts several.
func expectPlanError(t *testing.T, config string, want *regexp.Regexp) acctest.Result {
	t.Helper()
	tf := acctest.NewTerraform(t, testProvider)
	tf.WriteConfig(config)
	return tf.ExpectPlanError(want)
}

// expectRefusals is acctest.ExpectRefusals for refusals whose Config is a
// whole configuration: what comes before the first resource block (the
// provider block) is the prefix. Refusals with the same prefix share a
// plan; the prefixes are planned in parallel.
func expectRefusals(t *testing.T, refusals []acctest.Refusal) {
	t.Helper()
	groups := map[string][]acctest.Refusal{}
	var order []string
	for _, r := range refusals {
		at := strings.Index(r.Config, "resource \"")
		if at < 0 {
			t.Fatalf("refusal %q declares no resource", r.Name)
		}
		prefix := r.Config[:at]
		if _, seen := groups[prefix]; !seen {
			order = append(order, prefix)
		}
		r.Config = r.Config[at:]
		groups[prefix] = append(groups[prefix], r)
	}
	t.Run("refusals", func(t *testing.T) {
		for _, prefix := range order {
			t.Run(groups[prefix][0].Name, func(t *testing.T) {
				t.Parallel()
				acctest.ExpectRefusals(t, testProvider, prefix, groups[prefix])
			})
		}
	})
}

// example is a documented example under examples/, so that a test runs
// what the documentation shows.
func example(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// accTest runs tc (resource.Test) against the provider under test. After
// every step resource.Test plans twice (without and with refresh) and fails
// on any change, so a PlanOnly step that repeats the step before it checks
// nothing more.
func accTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	tc.ProtoV6ProviderFactories = protoV6Factories
	resource.Test(t, tc)
}

// inProcessServer is a provider whose sessions end with the command, as the
// binary's end with its process.
func inProcessServer() (tfprotov6.ProviderServer, func()) {
	s := &sessions{}
	return providerserver.NewProtocol6(&winfsProvider{version: "test", sessions: s})(), s.closeAll
}

var protoV6Factories = map[string]func() (tfprotov6.ProviderServer, error){
	"winfs": providerserver.NewProtocol6WithError(New("test")()),
}
