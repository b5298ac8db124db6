// Package windows is the provider's side of a Windows host: it starts the
// PowerShell agent (agent.ps1, embedded in internal/agent) over WinRM, keeps
// it running, multiplexes concurrent requests onto it and offers typed
// operations. It never builds PowerShell text from user input: every value
// travels as JSON data.
package windows

import (
	"context"
	"io"
)

// Starter starts a command on a host. The WinRM implementation is
// NewWinRMStarter; tests plug in the lab's emulation.
type Starter interface {
	Start(ctx context.Context, commandLine string) (Process, error)
}

// Process is a running command with its three streams.
type Process interface {
	Stdin() io.WriteCloser
	Stdout() io.Reader
	Stderr() io.Reader
	// Wait blocks until the command ends and returns its exit code.
	Wait() (exitCode int, err error)
	// Close ends the command (if still running) and releases its resources.
	Close() error
}
