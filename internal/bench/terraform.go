package bench

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

// tfRunner runs the terraform binary with the built provider installed
// through dev_overrides, as make demo (tools/winfs-demo) does.
type tfRunner struct {
	terraform string // the terraform binary
	provider  string // the built terraform-provider-winfs binary
	rcFile    string // the CLI configuration with dev_overrides
}

func newTFRunner(terraform, providerBin, workDir string) (*tfRunner, error) {
	rc := filepath.Join(workDir, "terraformrc")
	text := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"winfs/winfs\" = %q\n  }\n  direct {}\n}\n", filepath.Dir(providerBin))
	if err := os.WriteFile(rc, []byte(text), 0o644); err != nil {
		return nil, err
	}
	return &tfRunner{terraform: terraform, provider: providerBin, rcFile: rc}, nil
}

// result is one terraform command: its wall time, exit code and the
// provider's peak resident memory (0 when no provider process ran).
type result struct {
	wall     time.Duration
	exitCode int
	peakKB   int64
	output   string
}

// run runs terraform args in dir and samples the provider's memory. env
// adds variables (KEY=value) for terraform and the provider.
func (r *tfRunner) run(ctx context.Context, dir string, env []string, args ...string) (result, error) {
	cmd := exec.CommandContext(ctx, r.terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+r.rcFile, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "TF_LOG=")
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	sampler := startRSSSampler(r.provider)
	began := time.Now()
	err := cmd.Run()
	wall := time.Since(began)
	peak := sampler.stop()
	res := result{wall: wall, peakKB: peak, output: out.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.exitCode = exitErr.ExitCode()
	default:
		return res, fmt.Errorf("running terraform %s: %w", strings.Join(args, " "), err)
	}
	return res, nil
}

// mustSucceed runs terraform and fails unless it exits with one of ok.
func (r *tfRunner) mustSucceed(ctx context.Context, dir string, env []string, ok []int, args ...string) (result, error) {
	res, err := r.run(ctx, dir, env, args...)
	if err != nil {
		return res, err
	}
	for _, c := range ok {
		if res.exitCode == c {
			return res, nil
		}
	}
	return res, fmt.Errorf("terraform %s in %s exited with %d:\n%s", strings.Join(args, " "), dir, res.exitCode, tailLines(res.output, 40))
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
