package winrm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
)

// optionConsoleModeStdin is the Command option that chooses how the
// command's standard input behaves: "The client-side mode for standard input
// is console if TRUE and pipe if FALSE" (MS-WSMV 3.1.4.11 Command).
const optionConsoleModeStdin = "WINRS_CONSOLEMODE_STDIN"

// consoleMode reports whether a Command asks for console-mode stdin. The
// specification names no default; the lab takes an absent option as pipe
// mode (a guess, kept here only).
func consoleMode(opts []nameValue) bool {
	for _, o := range opts {
		if strings.EqualFold(o.Name, optionConsoleModeStdin) {
			return strings.EqualFold(strings.TrimSpace(o.Value), "TRUE")
		}
	}
	return false
}

// consoleLineMax is how much of one line a .NET Framework program reading
// Console.In gets from a console: Console.In reads the console through a
// 256-byte buffer (DefaultConsoleBufferSize in the .NET Framework's
// Console.cs; .NET's own Console.cs notes that this buffer size limits how
// many characters a line may hold), of which CR LF take two.
const consoleLineMax = 254

// consoleStdin is a command's stdin in console mode, as a console in line
// input mode delivers it to ReadFile (ReadConsole, "Console modes" in the
// Windows console documentation): nothing until a line is ended with CR
// (the Enter key; LF does not end a line), then the line cut to
// consoleLineMax characters followed by CR LF. Closing the WinRM input
// (Send End="true") is not an end of file for a console: a reader waits
// until the command ends.
type consoleStdin struct {
	ctx     context.Context
	pipe    *inputPipe
	pending []byte // read from the pipe, no CR yet
	ready   []byte // complete lines, ready for the reader
}

func (c *consoleStdin) Read(b []byte) (int, error) {
	for len(c.ready) == 0 {
		var buf [4096]byte
		n, err := c.pipe.Read(buf[:])
		c.pending = append(c.pending, buf[:n]...)
		for {
			i := bytes.IndexByte(c.pending, '\r')
			if i < 0 {
				break
			}
			line := c.pending[:min(i, consoleLineMax)]
			c.ready = append(append(c.ready, line...), '\r', '\n')
			c.pending = c.pending[i+1:]
		}
		if len(c.ready) > 0 {
			break
		}
		if errors.Is(err, io.EOF) {
			<-c.ctx.Done() // a console has no end of file
			return 0, c.ctx.Err()
		}
		if err != nil {
			return 0, err
		}
	}
	n := copy(b, c.ready)
	c.ready = c.ready[n:]
	return n, nil
}

// IsConsole tells the programs the lab emulates that their stdin is a
// console, as GetFileType and GetConsoleMode tell a Windows program.
func (c *consoleStdin) IsConsole() bool { return true }
