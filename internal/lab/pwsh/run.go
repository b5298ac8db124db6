// Package pwsh emulates what runs on a lab Windows host when a WinRM client
// starts a command: powershell.exe (only the agent loader is emulated; it
// then serves agent requests against the host model), hostname, and cmd.exe's
// answer for anything else.
package pwsh

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Executor runs agent operations on an emulated host (winhost.Host).
type Executor interface {
	Execute(op string, params json.RawMessage) (any, *agent.Error)
	ComputerName() string
}

// ExitNotRecognized is the exit code for an unknown program. Real cmd.exe
// reports 9009; the lab's contract says 1.
const ExitNotRecognized = 1

// Run executes commandLine (with WinRM's separate arguments appended, as
// WinRS joins them) and returns the exit code. stdin, stdout and stderr are
// the command's streams; stdout is written one whole line at a time.
func Run(ctx context.Context, commandLine string, args []string, stdin io.Reader, stdout, stderr io.Writer, exec Executor) int {
	full := commandLine
	for _, a := range args {
		full += " " + a
	}
	argv := splitCommandLine(full)
	if len(argv) == 0 {
		return 0
	}
	switch programName(argv[0]) {
	case "powershell":
		return runPowerShell(ctx, argv[1:], stdin, stdout, stderr, exec)
	case "hostname":
		fmt.Fprintf(stdout, "%s\r\n", exec.ComputerName())
		return 0
	default:
		fmt.Fprintf(stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", argv[0])
		return ExitNotRecognized
	}
}

// progressPrefix is what masterzen/winrm's Powershell() puts in front of a script.
const progressPrefix = "$ProgressPreference = 'SilentlyContinue';"

func runPowerShell(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, exec Executor) int {
	inv := parsePowerShellArgs(args)
	if inv.other || !inv.hasEncoded {
		writeCLIXMLError(stderr, "The winfs lab emulates only the winfs agent loader; this PowerShell command is not supported.")
		return 1
	}
	script, err := agent.DecodeCommand(inv.encodedCommand)
	if err != nil {
		writeCLIXMLError(stderr, "Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.")
		return 1
	}
	if script != agent.Loader && script != progressPrefix+agent.Loader {
		writeCLIXMLError(stderr, "The winfs lab emulates only the winfs agent loader; this PowerShell script is not supported.")
		return 1
	}
	if isConsole(stdin) {
		// The loader's first check: [Console]::IsInputRedirected is false
		// for a console (IsHandleRedirected in the .NET Framework's
		// Console.cs: a character device whose GetConsoleMode succeeds).
		fmt.Fprintf(stderr, "%s\r\n", agent.ConsoleStdinRefusal)
		return agent.ExitConsoleStdin
	}
	return serveAgent(ctx, stdin, stdout, exec)
}

// isConsole reports whether stdin is a console rather than a pipe: the lab's
// WinRM server gives a command in console mode a stdin with IsConsole.
func isConsole(stdin io.Reader) bool {
	c, ok := stdin.(interface{ IsConsole() bool })
	return ok && c.IsConsole()
}

// writeCLIXMLError writes an error record as powershell.exe does on a
// redirected stderr.
func writeCLIXMLError(w io.Writer, msg string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "_x000D_", "\n", "_x000A_")
	fmt.Fprintf(w, "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"+
		"<S S=\"Error\">%s_x000D__x000A_</S></Objs>", r.Replace(msg))
}
