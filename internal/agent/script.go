package agent

import (
	"crypto/sha256"
	_ "embed" // agent.ps1
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf16"
)

// EndOfScript is the line that ends the agent script on the loader's stdin.
const EndOfScript = "#winfs-agent-end"

// Loader is the short PowerShell program passed with -EncodedCommand. It
// reads the agent script from stdin up to EndOfScript and runs it; the agent
// then answers requests on the same stdin until EOF. It is short on purpose:
// the Windows command line is limited to 8191 characters.
const Loader = `$ProgressPreference='SilentlyContinue';` +
	`[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false;` +
	`$b=New-Object Text.StringBuilder;` +
	`while($true){$l=[Console]::In.ReadLine();if($null -eq $l -or $l -eq '` + EndOfScript + `'){break};[void]$b.Append($l).Append("` + "`n" + `")};` +
	`$global:WinfsAgentScript=$b.ToString();` +
	`. ([ScriptBlock]::Create($global:WinfsAgentScript))`

//go:embed agent.ps1
var rawScript string

// Script is the agent script in its wire form: LF line ends, one final LF.
// This is exactly the text the loader rebuilds on the host, so both sides
// hash the same bytes.
var Script = normalizeScript(rawScript)

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
