package pwsh

import (
	"strings"
)

// splitCommandLine splits a Windows command line the way the Microsoft C
// runtime (and so powershell.exe) does: the program name ends at the first
// space unless quoted; in arguments, 2n backslashes before a quote give n
// backslashes and the quote toggles quoting, 2n+1 give n and a literal
// quote, and "" inside quotes is a literal quote.
func splitCommandLine(line string) []string {
	line = strings.TrimLeft(line, " \t")
	if line == "" {
		return nil
	}
	var args []string
	// The program name: no escapes, quotes only group.
	var prog strings.Builder
	i := 0
	inQuotes := false
	for ; i < len(line); i++ {
		c := line[i]
		if c == '"' {
			inQuotes = !inQuotes
			continue
		}
		if !inQuotes && (c == ' ' || c == '\t') {
			break
		}
		prog.WriteByte(c)
	}
	args = append(args, prog.String())

	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return args
		}
		var arg strings.Builder
		inQuotes = false
		for i < len(line) {
			c := line[i]
			if !inQuotes && (c == ' ' || c == '\t') {
				break
			}
			switch c {
			case '\\':
				n := 0
				for i < len(line) && line[i] == '\\' {
					n++
					i++
				}
				if i < len(line) && line[i] == '"' {
					arg.WriteString(strings.Repeat(`\`, n/2))
					if n%2 == 1 {
						arg.WriteByte('"')
						i++
					}
				} else {
					arg.WriteString(strings.Repeat(`\`, n))
				}
				continue
			case '"':
				if inQuotes && i+1 < len(line) && line[i+1] == '"' {
					arg.WriteByte('"')
					i += 2
					continue
				}
				inQuotes = !inQuotes
			default:
				arg.WriteByte(c)
			}
			i++
		}
		args = append(args, arg.String())
	}
}

// programName is the executable's base name, lower-cased, without ".exe":
// "C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.EXE" -> "powershell".
func programName(prog string) string {
	if i := strings.LastIndexAny(prog, `\/`); i >= 0 {
		prog = prog[i+1:]
	}
	prog = strings.ToLower(prog)
	return strings.TrimSuffix(prog, ".exe")
}

// psSwitch is one powershell.exe switch. Windows PowerShell 5.1 accepts any
// prefix of the full name that is at least as long as min (and a few
// aliases), with - or / in front, case-insensitively.
type psSwitch struct {
	name     string
	min      string
	aliases  []string
	hasValue bool
}

var psSwitches = []psSwitch{
	{name: "encodedcommand", min: "e", aliases: []string{"ec"}, hasValue: true},
	{name: "executionpolicy", min: "ex", aliases: []string{"ep"}, hasValue: true},
	{name: "command", min: "c", hasValue: true},
	{name: "file", min: "f", hasValue: true},
	{name: "nologo", min: "nol"},
	{name: "noprofile", min: "nop"},
	{name: "noninteractive", min: "noni"},
	{name: "noexit", min: "noe"},
	{name: "inputformat", min: "i", aliases: []string{"if"}, hasValue: true},
	{name: "outputformat", min: "o", aliases: []string{"of"}, hasValue: true},
	{name: "windowstyle", min: "w", hasValue: true},
	{name: "version", min: "v", hasValue: true},
	{name: "sta", min: "s"},
	{name: "mta", min: "m"},
}

func matchSwitch(arg string) (psSwitch, bool) {
	if len(arg) < 2 || (arg[0] != '-' && arg[0] != '/') {
		return psSwitch{}, false
	}
	s := strings.ToLower(arg[1:])
	for _, sw := range psSwitches {
		for _, a := range sw.aliases {
			if s == a {
				return sw, true
			}
		}
		if strings.HasPrefix(sw.name, s) && len(s) >= len(sw.min) {
			return sw, true
		}
	}
	return psSwitch{}, false
}

// invocation is what a powershell.exe command line asks for.
type invocation struct {
	encodedCommand string // the -EncodedCommand value, still base64
	hasEncoded     bool
	other          bool // a -Command, -File, script text or a switch we do not know
}

// parsePowerShellArgs reads powershell.exe's arguments (after the program).
func parsePowerShellArgs(args []string) invocation {
	var inv invocation
	for i := 0; i < len(args); i++ {
		sw, ok := matchSwitch(args[i])
		if !ok {
			// powershell.exe treats the first non-switch as the start of a command.
			inv.other = true
			return inv
		}
		switch {
		case sw.name == "encodedcommand":
			if i+1 >= len(args) {
				inv.other = true
				return inv
			}
			inv.encodedCommand, inv.hasEncoded = args[i+1], true
			i++
		case sw.name == "command" || sw.name == "file":
			inv.other = true
			return inv
		case sw.hasValue:
			i++
		}
	}
	return inv
}
