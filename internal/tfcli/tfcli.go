// Package tfcli runs the terraform CLI with a locally built provider, as a
// user would: the provider is installed through dev_overrides, so there is
// no registry and no terraform init. make demo, make bench and the
// end-to-end tests drive examples through it.
package tfcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BuildProvider builds the provider from the module at root into
// dir/terraform-provider-winfs and returns that path.
func BuildProvider(root, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "terraform-provider-winfs")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	return bin, nil
}

// CLI runs one terraform binary with one built provider.
type CLI struct {
	terraform string
	env       []string
}

// BinaryEnv names the terraform (or OpenTofu) binary every driver runs:
// the one terraform-plugin-testing also reads, so that resource.Test and
// the tests driving the CLI themselves run the same binary.
const BinaryEnv = "TF_ACC_TERRAFORM_PATH"

// Binary is the terraform binary to run: BinaryEnv when set, else the
// terraform on PATH.
func Binary() string {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p
	}
	return "terraform"
}

// New writes a CLI configuration into workDir that installs providerBin
// for winfs/winfs, and returns a CLI using it. terraform "" means Binary().
func New(terraform, providerBin, workDir string) (*CLI, error) {
	if terraform == "" {
		terraform = Binary()
	}
	rc := filepath.Join(workDir, "terraformrc")
	text := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"winfs/winfs\" = %q\n  }\n  direct {}\n}\n", filepath.Dir(providerBin))
	if err := os.WriteFile(rc, []byte(text), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	return &CLI{terraform: terraform, env: env}, nil
}

// Result is one terraform command.
type Result struct {
	Code   int
	Output string // stdout and stderr, interleaved
	Wall   time.Duration
}

// Run runs terraform args in dir, with env (KEY=value) added for terraform
// and the provider. A non-zero exit is a Result, not an error; the error
// is for a terraform that could not be run at all.
func (c *CLI) Run(ctx context.Context, dir string, env []string, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, c.terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, c.env...), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	res := Result{Output: out.String(), Wall: time.Since(began)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	default:
		return res, fmt.Errorf("running terraform %s: %w", strings.Join(args, " "), err)
	}
	return res, nil
}

// CopyConfig copies the *.tf files of src into dst (created if needed).
func CopyConfig(src, dst string) error {
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no Terraform configuration (*.tf) in %s", src)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}
