package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// EnvTerraformPath names the Terraform or OpenTofu binary a test that needs
// a newer CLI than the one on PATH drives (terraform-plugin-testing reads
// the same variable); `make compat` sets it to each binary it builds.
const EnvTerraformPath = "TF_ACC_TERRAFORM_PATH"

// CLI is a Terraform-compatible command line: its path, product and version.
type CLI struct {
	Path    string
	Product string // "Terraform" or "OpenTofu"
	Major   int
	Minor   int
}

var cliVersionLine = regexp.MustCompile(`^(Terraform|OpenTofu) v(\d+)\.(\d+)\.`)

// cliOf runs `bin version` and reads its first line.
func cliOf(bin string) (CLI, error) {
	out, err := exec.CommandContext(context.Background(), bin, "version").Output()
	if err != nil {
		return CLI{}, fmt.Errorf("%s version: %w", bin, err)
	}
	m := cliVersionLine.FindSubmatch(out)
	if m == nil {
		return CLI{}, fmt.Errorf("%s version printed %q, not Terraform or OpenTofu vX.Y.Z", bin, out)
	}
	major, _ := strconv.Atoi(string(m[2]))
	minor, _ := strconv.Atoi(string(m[3]))
	return CLI{Path: bin, Product: string(m[1]), Major: major, Minor: minor}, nil
}

func (c CLI) atLeast(major, minor int) bool {
	return c.Major > major || (c.Major == major && c.Minor >= minor)
}

func (c CLI) String() string {
	return fmt.Sprintf("%s %d.%d (%s)", c.Product, c.Major, c.Minor, c.Path)
}

// Feature is what a test needs of the CLI: the first release of each
// product that has it (major 0: the product does not have it).
type Feature struct {
	Name                string
	Terraform, OpenTofu [2]int
}

var (
	// ResourceIdentity: `import { identity = ... }` (Terraform 1.12,
	// OpenTofu 1.12).
	ResourceIdentity = Feature{Name: "resource identity", Terraform: [2]int{1, 12}, OpenTofu: [2]int{1, 12}}
	// ListResources: `terraform query` (Terraform 1.14; not in OpenTofu).
	ListResources = Feature{Name: "list resources (terraform query)", Terraform: [2]int{1, 14}}
)

func (f Feature) in(c CLI) bool {
	v := f.Terraform
	if c.Product == "OpenTofu" {
		v = f.OpenTofu
	}
	return v[0] > 0 && c.atLeast(v[0], v[1])
}

// RequireCLI returns the CLI to drive for a test that needs f: the binary
// TF_ACC_TERRAFORM_PATH names, else terraform on PATH. When that CLI lacks
// f the test skips, naming what to install, unless TF_ACC_TERRAFORM_PATH
// was set: a binary chosen for the test that cannot run it fails it.
func RequireCLI(t *testing.T, f Feature) CLI {
	t.Helper()
	RequireAcc(t)
	bin, chosen := os.LookupEnv(EnvTerraformPath)
	if !chosen || bin == "" {
		bin = "terraform"
	}
	c, err := cliOf(bin)
	switch {
	case err != nil && chosen:
		t.Fatalf("%s=%s: %v", EnvTerraformPath, bin, err)
	case err != nil:
		t.Skipf("needs %s: %v (make compat builds Terraform 1.14 and OpenTofu and runs this test with each)", f.Name, err)
	case !f.in(c) && chosen:
		if c.Product == "OpenTofu" && f.OpenTofu[0] == 0 {
			t.Skipf("%s: OpenTofu has no %s", c, f.Name)
		}
		t.Fatalf("%s=%s is %s, which has no %s", EnvTerraformPath, bin, c, f.Name)
	case !f.in(c):
		t.Skipf("needs %s, which %s lacks: set %s to Terraform %d.%d or later (make compat builds one and runs this test with it)",
			f.Name, c, EnvTerraformPath, f.Terraform[0], f.Terraform[1])
	}
	return c
}

// NewTerraformWith is NewTerraform driving the CLI c.
func NewTerraformWith(t *testing.T, c CLI, p Provider) *Terraform {
	t.Helper()
	return newTerraform(t, c.Path, p)
}

// RunText runs one command without -json, for the options that write a
// file only then (`terraform query -generate-config-out`).
func (tf *Terraform) RunText(command string, args ...string) Result {
	tf.t.Helper()
	res := tf.run(nil, append([]string{command}, args...)...)
	tf.t.Logf("%s %s: exit %d in %s", command, args, res.Code, res.Wall.Round(1e6))
	return Result{Code: res.Code, Output: res.Output}
}
