package agentcheck

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// nodeReady finds node and installs the pinned packages (package-lock.json)
// when they are missing. Outside CI a missing peer skips with the reason;
// in CI (CI=true) it fails.
func nodeReady(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format+" (skipped outside CI)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("agent-check needs Node.js 20 (node on PATH): %v", err)
	}
	if _, err := os.Stat("node_modules/web-tree-sitter"); errors.Is(err, os.ErrNotExist) {
		npm, err := exec.LookPath("npm")
		if err != nil {
			missing("agent-check needs npm to install its packages: %v", err)
		}
		if out, err := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund").CombinedOutput(); err != nil {
			missing("npm ci in tools/agent-check: %v\n%s", err, out)
		}
	}
	return node
}

// agentCopy writes the agent's files to a temporary directory, with edit
// applied to the file named file, and returns their paths in join order.
func agentCopy(t *testing.T, file string, edit func(string) string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, name := range agent.ScriptFiles {
		b, err := agent.ScriptDir.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if name == file {
			mutated := edit(text)
			if mutated == text {
				t.Fatalf("the mutation does not change %s: the agent no longer has the text it edits", name)
			}
			text = mutated
		}
		p := filepath.Join(dir, filepath.Base(name))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func check(t *testing.T, node string, files []string) (string, bool) {
	t.Helper()
	// V8 would otherwise spend ~10 s optimising the 1 MB grammar module
	// with TurboFan for a parse that takes milliseconds; its baseline
	// compiler (Liftoff) alone gives the same answers.
	out, err := exec.Command(node, append([]string{"--liftoff-only", "check.mjs"}, files...)...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running check.mjs: %v\n%s", err, out)
	}
	return string(out), err == nil
}

func TestAgentPassesTheCheck(t *testing.T) {
	node := nodeReady(t)
	var files []string
	for _, name := range agent.ScriptFiles {
		files = append(files, filepath.Join("..", "..", "internal", "agent", name))
	}
	if out, ok := check(t, node, files); !ok || !strings.Contains(out, "no findings") {
		t.Fatalf("agent-check finds problems in the agent script:\n%s", out)
	}
}

// Each mutation of the real agent is one class of mistake the check must
// catch; want is part of the finding, which names the mutated file.
func TestCheckCatchesEachMutation(t *testing.T) {
	node := nodeReady(t)
	replace := func(old, repl string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, repl, 1) }
	}
	appendLine := func(line string) func(string) string {
		return func(s string) string { return s + line + "\n" }
	}
	for _, c := range []struct {
		name, file string
		edit       func(string) string
		want       string
	}{
		{"misspelled parameter", "ps/30-shares.ps1", replace("Test-Path -LiteralPath", "Test-Path -LiteralPth"), "Test-Path: -LiteralPth is not a parameter of any set"},
		{"ambiguous prefix", "ps/30-shares.ps1", replace("Test-Path -LiteralPath", "Test-Path -Pat"), "Test-Path: -Pat is ambiguous"},
		{"parameters of two sets", "ps/30-shares.ps1", replace("Get-SmbShareAccess -InputObject $Share", "Get-SmbShareAccess -Name 'data' -InputObject $Share"), "Get-SmbShareAccess: no parameter set has all of -Name, -InputObject"},
		{"unknown cmdlet", "ps/40-storage.ps1", replace("Get-Disk -Number", "Get-Disks -Number"), "Get-Disks: not a cmdlet"},
		{"PowerShell 7 parameter", "ps/90-main.ps1", replace("ConvertFrom-Json -InputObject $Line", "ConvertFrom-Json -InputObject $Line -AsHashtable"), "ConvertFrom-Json: -AsHashtable is not a parameter"},
		{"null-coalescing operator", "ps/50-status.ps1", appendLine("$WinfsX = $null ?? 'none'"), "are PowerShell 7"},
		{"ternary operator", "ps/50-status.ps1", appendLine("$WinfsX = $WinfsProtocol -eq 1 ? 'a' : 'b'"), "are PowerShell 7"},
		{"null-conditional member access", "ps/50-status.ps1", appendLine("$WinfsX = $WinfsInvariant?.Name"), "are PowerShell 7"},
		{"pipeline chain", "ps/50-status.ps1", appendLine("Get-Disk && Get-Volume"), "&& pipeline chains are PowerShell 7"},
		{"syntax error", "ps/10-registry.ps1", replace("function Invoke-WinfsRegistryGet($Params) {", "function Invoke-WinfsRegistryGet($Params) {\n    if ($true) {"), "syntax error"},
		{"missing -Confirm:$false", "ps/30-shares.ps1", replace("Remove-SmbShare -InputObject $cur -Force -Confirm:$false", "Remove-SmbShare -InputObject $cur -Force"), "Remove-SmbShare: without -Confirm:$false (ConfirmImpact High)"},
		{"native stderr merged under Stop", "ps/40-storage.ps1", replace("    $ErrorActionPreference = 'Continue'\n    $output = ('N' | & chkdsk.exe", "    $output = ('N' | & chkdsk.exe"), "chkdsk.exe: stderr merged with 2>&1 while $ErrorActionPreference is Stop"},
		{"wildcard parameter given data", "ps/50-status.ps1", replace("@(Get-Service -ErrorAction SilentlyContinue |", "@(Get-Service -Name $Name -ErrorAction SilentlyContinue |"), "Get-Service: -Name takes wildcards"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, ok := check(t, node, agentCopy(t, c.file, c.edit))
			if ok {
				t.Fatalf("the check passed a script with a %s:\n%s", c.name, out)
			}
			if !strings.Contains(out, filepath.Base(c.file)+":") || !strings.Contains(out, c.want) {
				t.Fatalf("want a finding in %s with %q, got:\n%s", c.file, c.want, out)
			}
		})
	}
}
