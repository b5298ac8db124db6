package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// tfRunner runs terraform with the built provider (tfcli) and samples the
// provider's peak memory around each command.
type tfRunner struct {
	cli      *tfcli.CLI
	provider string // the built terraform-provider-winfs binary
}

func newTFRunner(terraform, providerBin, workDir string) (*tfRunner, error) {
	cli, err := tfcli.New(terraform, providerBin, workDir)
	if err != nil {
		return nil, err
	}
	return &tfRunner{cli: cli, provider: providerBin}, nil
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
	sampler := startRSSSampler(r.provider)
	res, err := r.cli.Run(ctx, dir, append([]string{"TF_LOG="}, env...), args...)
	peak := sampler.stop()
	return result{wall: res.Wall, exitCode: res.Code, peakKB: peak, output: res.Output}, err
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
