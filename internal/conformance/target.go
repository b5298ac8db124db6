package conformance

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// NewClient is the provider's client for one server, persistent transport.
func NewClient(name string, starter windows.Starter) (*windows.Client, error) {
	return windows.New(name, starter, windows.ModePersistent,
		windows.WithCallTimeout(5*time.Minute), windows.WithStartTimeout(2*time.Minute))
}

// RemoteHost does what the contract cannot on a real server (create the
// scratch folders, remove them and the scratch key) with one short
// PowerShell command each, started like the agent but separately from it.
type RemoteHost struct {
	Starter windows.Starter
}

// MakeFolders implements Host.
func (h RemoteHost) MakeFolders(ctx context.Context, paths []string) error {
	var b strings.Builder
	b.WriteString("$ErrorActionPreference='Stop';")
	for _, p := range paths {
		fmt.Fprintf(&b, "[void][System.IO.Directory]::CreateDirectory(%s);", psQuote(p))
	}
	return h.run(ctx, b.String())
}

// RemoveScratch implements Host. Directory.Delete does not follow a mount
// point below the folder: it removes the mount point itself.
func (h RemoteHost) RemoveScratch(ctx context.Context, dir string) error {
	script := "$ErrorActionPreference='Stop';" +
		fmt.Sprintf("$d=%s;if([System.IO.Directory]::Exists($d)){[System.IO.Directory]::Delete($d,$true)};", psQuote(dir)) +
		fmt.Sprintf("$k=%s;if(Test-Path -LiteralPath $k){Remove-Item -LiteralPath $k -Recurse -Force};", psQuote(`HKLM:\`+ScratchKey))
	return h.run(ctx, script)
}

// run starts powershell.exe with script as -EncodedCommand (UTF-16, so any
// path travels intact), closes its input and waits for its exit code.
func (h RemoteHost) run(ctx context.Context, script string) error {
	p, err := h.Starter.Start(ctx, "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "+agent.EncodeCommand(script))
	if err != nil {
		return err
	}
	defer p.Close()
	_ = p.Stdin().Close()
	var stderr bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, p.Stdout()) }()
	go func() { defer wg.Done(); _, _ = io.Copy(&stderr, io.LimitReader(p.Stderr(), 64<<10)) }()
	done := make(chan struct{})
	var code int
	var werr error
	go func() { code, werr = p.Wait(); wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if werr != nil {
		return werr
	}
	if code != 0 {
		return fmt.Errorf("powershell.exe exited with %d: %s", code, plainErrors(stderr.String()))
	}
	return nil
}

// psQuote is a PowerShell single-quoted string: a quote is doubled,
// including the typographic single quotes PowerShell also accepts.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

var clixmlString = regexp.MustCompile(`<S S="Error">([^<]*)</S>`)

// plainErrors turns powershell.exe's CLIXML error stream (what it writes to
// a redirected stderr) into its text, one line.
func plainErrors(stderr string) string {
	if !strings.HasPrefix(stderr, "#< CLIXML") {
		return oneLine(stderr)
	}
	var parts []string
	for _, m := range clixmlString.FindAllStringSubmatch(stderr, -1) {
		parts = append(parts, html.UnescapeString(strings.ReplaceAll(m[1], "_x000D__x000A_", " ")))
	}
	return oneLine(strings.Join(parts, " "))
}
