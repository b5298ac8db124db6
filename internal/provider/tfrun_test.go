package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// tfRun drives the real terraform binary and the built provider binary on a
// copy of an example directory, exactly as a user does: terraform-plugin-
// testing cannot run examples/failover (its legacy state shim rejects
// for_each instances with string keys, even in its post-test destroy).
type tfRun struct {
	t   *testing.T
	dir string
	env []string
}

var (
	providerBinOnce sync.Once
	providerBinDir  string
	providerBinErr  error
)

// providerBinary builds the provider once per test process.
func providerBinary(t *testing.T) string {
	t.Helper()
	providerBinOnce.Do(func() {
		providerBinDir, providerBinErr = os.MkdirTemp("", "winfs-provider-bin")
		if providerBinErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(providerBinDir, "terraform-provider-winfs"), ".")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			providerBinErr = fmt.Errorf("building the provider: %v\n%s", err, out)
		}
	})
	if providerBinErr != nil {
		t.Fatal(providerBinErr)
	}
	return providerBinDir
}

// newTFRun copies src into a temporary directory with the lab's variables
// (lab.auto.tfvars.json) and a CLI configuration that uses the built
// provider (dev_overrides: no registry, no terraform init).
func newTFRun(t *testing.T, l *lab.Lab, src string) *tfRun {
	t.Helper()
	bin := providerBinary(t)
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars, err := json.MarshalIndent(labVariables(t, l), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lab.auto.tfvars.json"), vars, 0o600); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"winfs/winfs\" = %q\n  }\n  direct {}\n}\n", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	return &tfRun{t: t, dir: dir, env: env}
}

// labVariables are examples/failover's variables, pointing at the lab.
func labVariables(t *testing.T, l *lab.Lab) map[string]any {
	caFile := filepath.Join(t.TempDir(), "lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return l.Ready(caFile).Variables(true, true)
}

// run runs one terraform command and returns its exit code and output.
func (r *tfRun) run(args ...string) (int, string) {
	r.t.Helper()
	cmd := exec.Command("terraform", append(args, "-no-color")...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		r.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	}
	r.t.Logf("terraform %s: exit %d in %s", strings.Join(args, " "), code, time.Since(began).Round(time.Millisecond))
	return code, out.String()
}

// apply must succeed.
func (r *tfRun) apply(args ...string) string {
	r.t.Helper()
	code, out := r.run(append([]string{"apply", "-auto-approve"}, args...)...)
	if code != 0 {
		r.t.Fatalf("terraform apply %v failed (exit %d):\n%s", args, code, out)
	}
	return out
}

// planIsEmpty runs plan -detailed-exitcode and fails unless it is 0.
func (r *tfRun) planIsEmpty(args ...string) {
	r.t.Helper()
	code, out := r.run(append([]string{"plan", "-detailed-exitcode"}, args...)...)
	if code != 0 {
		r.t.Fatalf("want an empty plan (exit 0), got exit %d:\n%s", code, out)
	}
}
