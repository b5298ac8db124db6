package agent

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf16"
)

// EndOfScript is the line that ends the agent script on the loader's stdin.
const EndOfScript = "#winfs-agent-end"

// ConsoleStdinRefusal is what the loader writes to stderr, before exiting
// with ExitConsoleStdin, when its stdin is a console rather than a pipe
// (WinRS console mode, WINRS_CONSOLEMODE_STDIN=TRUE): a console hands a
// .NET Framework reader at most 254 characters of a line and no end of
// file, so long requests would be cut and the agent would never end.
const ConsoleStdinRefusal = "winfs agent: standard input is a console, not a pipe; " +
	"the WinRM command must be started with WINRS_CONSOLEMODE_STDIN=FALSE"

// ExitConsoleStdin is the loader's exit code after ConsoleStdinRefusal.
const ExitConsoleStdin = 3

// Loader is the short PowerShell program passed with -EncodedCommand. It
// refuses a console stdin, reads the agent script from stdin up to
// EndOfScript and runs it; the agent then answers requests on the same stdin
// until EOF. It is short on purpose: the Windows command line is limited to
// 8191 characters. It leaves [Console]::OutputEncoding alone: the wire is
// ASCII both ways, and setting it calls SetConsoleOutputCP, which fails
// when the process has no console.
const Loader = `$ProgressPreference='SilentlyContinue';` +
	`if(-not [Console]::IsInputRedirected){[Console]::Error.WriteLine('` + ConsoleStdinRefusal + `');exit 3};` + // ExitConsoleStdin
	`$b=New-Object Text.StringBuilder;` +
	`while($true){$l=[Console]::In.ReadLine();if($null -eq $l -or $l -eq '` + EndOfScript + `'){break};[void]$b.Append($l).Append("` + "`n" + `")};` +
	`$global:WinfsAgentScript=$b.ToString();` +
	`. ([ScriptBlock]::Create($global:WinfsAgentScript))`

// ScriptDir holds the agent's source files, one per area.
//
//go:embed ps
var ScriptDir embed.FS

// ScriptFiles lists the files of ScriptDir in the order they are joined:
// the order is part of the script (later files use earlier functions, the
// last one runs the main loop), so it is written here, not left to a glob.
var ScriptFiles = []string{
	"ps/00-framing.ps1",   // errors, JSON out and in
	"ps/10-registry.ps1",  // registry.*
	"ps/20-dns.ps1",       // dns.cname.*
	"ps/30-shares.ps1",    // share.*
	"ps/40-storage.ps1",   // storage.rescan, disk.*, mountpoint.get, volume.*
	"ps/50-status.ps1",    // server.status
	"ps/60-directory.ps1", // ad.spn.*
	"ps/65-service.ps1",   // service.*
	"ps/70-dfs.ps1",       // dfs.namespace.*, dfs.folder.*
	"ps/75-dfsr.ps1",      // dfsr.group.*, dfsr.backlog.get
	"ps/80-address.ps1",   // address.*
	"ps/90-main.ps1",      // hello, dispatch, main loop
}

// Script is the agent script in its wire form: the files of ScriptFiles
// joined with one blank line between them, LF line ends, one final LF. This
// is exactly the text the loader rebuilds on the host, so both sides hash the
// same bytes.
var Script = joinScript(ScriptDir, ScriptFiles)

func joinScript(dir embed.FS, files []string) string {
	parts := make([]string, len(files))
	for i, name := range files {
		b, err := dir.ReadFile(name)
		if err != nil {
			panic("agent script: " + err.Error()) // a name in ScriptFiles without its file
		}
		parts[i] = strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	}
	return normalizeScript(strings.Join(parts, "\n\n"))
}

// ScriptSHA256 is the lowercase hex SHA-256 of Script.
var ScriptSHA256 = HashScript(Script)

// HashScript hashes a script in its wire form.
func HashScript(script string) string {
	sum := sha256.Sum256([]byte(script))
	return hex.EncodeToString(sum[:])
}

func normalizeScript(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	return s + "\n"
}

// EncodeCommand encodes a PowerShell program for -EncodedCommand: UTF-16LE
// without BOM, then base64, as powershell.exe expects.
func EncodeCommand(script string) string {
	units := utf16.Encode([]rune(script))
	buf := make([]byte, 2*len(units))
	for i, u := range units {
		buf[2*i] = byte(u)
		buf[2*i+1] = byte(u >> 8)
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// DecodeCommand reverses EncodeCommand.
func DecodeCommand(b64 string) (string, error) {
	buf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", err
	}
	if len(buf)%2 != 0 {
		return "", base64.CorruptInputError(len(buf))
	}
	units := make([]uint16, len(buf)/2)
	for i := range units {
		units[i] = uint16(buf[2*i]) | uint16(buf[2*i+1])<<8
	}
	return string(utf16.Decode(units)), nil
}

// LoaderCommandLine is the command the provider runs to start an agent.
func LoaderCommandLine() string {
	return "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + EncodeCommand(Loader)
}
