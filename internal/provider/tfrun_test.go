package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// tfRun drives the real terraform binary and the built provider binary on a
// copy of an example directory, exactly as a user does: terraform-plugin-
// testing cannot run examples/failover (its legacy state shim rejects
// for_each instances with string keys, even in its post-test destroy).
type tfRun struct {
	t   *testing.T
	dir string
	cli *tfcli.CLI
}

var (
	providerBinOnce sync.Once
	providerBin     string
	providerBinErr  error
)

// providerBinary builds the provider once per test process.
func providerBinary(t *testing.T) string {
	t.Helper()
	providerBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "winfs-provider-bin")
		if err != nil {
			providerBinErr = err
			return
		}
		providerBin, providerBinErr = tfcli.BuildProvider("../..", dir)
	})
	if providerBinErr != nil {
		t.Fatal(providerBinErr)
	}
	return providerBin
}

// newTFRun copies src into a temporary directory with the lab's variables
// (lab.auto.tfvars.json) and a CLI that uses the built provider.
func newTFRun(t *testing.T, l *lab.Lab, src string) *tfRun {
	t.Helper()
	dir := t.TempDir()
	if err := tfcli.CopyConfig(src, dir); err != nil {
		t.Fatal(err)
	}
	vars, err := json.MarshalIndent(labVariables(t, l), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lab.auto.tfvars.json"), vars, 0o600); err != nil {
		t.Fatal(err)
	}
	cli, err := tfcli.New("", providerBinary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &tfRun{t: t, dir: dir, cli: cli}
}

// useTelnet points the run's SAN variables at the array's telnet CLI, the
// legacy path (a later *.auto.tfvars.json file overrides an earlier one).
func (r *tfRun) useTelnet(l *lab.Lab) {
	r.t.Helper()
	raw, err := json.Marshal(l.Ready("").TelnetVariables())
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "telnet.auto.tfvars.json"), raw, 0o600); err != nil {
		r.t.Fatal(err)
	}
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
	res, err := r.cli.Run(context.Background(), r.dir, nil, append(args, "-no-color")...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("terraform %s: exit %d in %s", strings.Join(args, " "), res.Code, res.Wall.Round(1e6))
	return res.Code, res.Output
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
