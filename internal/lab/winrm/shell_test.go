package winrm_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	lab "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

func TestReceiveLongPollTimesOutThenResumes(t *testing.T) {
	const pollLimit = 300 * time.Millisecond
	f := startLab(t, lab.Config{MaxOperationTimeout: pollLimit}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)

	// Release the silent command only once the client had to poll a second time, so
	// the first Receive must have been held and answered with the TimedOut fault.
	gap := make(chan time.Duration, 1)
	go func() {
		var first time.Time
		for st := range f.stats.notify {
			if st.Kind == lab.StatHTTPRequest && strings.HasSuffix(st.Action, "/Receive") {
				if first.IsZero() {
					first = time.Now()
					continue
				}
				gap <- time.Since(first)
				close(f.handler.release)
				return
			}
		}
	}()

	var stdout, stderr bytes.Buffer
	code, err := c.RunWithContext(testContext(t), "slow", &stdout, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v", code, err)
	}
	if held := <-gap; held < pollLimit {
		t.Errorf("second Receive came %v after the first: the empty poll was not held", held)
	}
	if !bytes.Equal(stdout.Bytes(), bigOutput()) || stderr.Len() != 0 {
		t.Fatalf("output damaged: %d bytes stdout (want %d), stderr %q", stdout.Len(), len(bigOutput()), stderr.String())
	}
	// 400 kB does not fit one 150 kB envelope: it must have come in several replies,
	// and there must not have been a busy loop of empty answers.
	if n := f.stats.get("http_request Receive"); n < 4 || n > 8 {
		t.Errorf("%d Receive requests", n)
	}
}

func TestStdinSendWhileReceiveIsPending(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := pipeClient(t, f.endpoint())
	ctx := testContext(t)
	sh, cmd := startCommand(ctx, t, c, "agent")
	defer sh.Close()
	out := bufio.NewReader(cmd.Stdout)
	for i := range 5 {
		// The client's Receive loop is already blocked in a long poll: this Send
		// travels on a second connection while it waits.
		msg := fmt.Sprintf(`{"op":"ping","seq":%d}`, i)
		if _, err := cmd.Stdin.Write([]byte(msg + "\n")); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if line != "echo:"+msg+"\n" {
			t.Fatalf("round trip %d: got %q", i, line)
		}
	}
	if err := cmd.Stdin.Close(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if cmd.ExitCode() != 0 {
		t.Fatalf("exit code %d", cmd.ExitCode())
	}
	if n := f.stats.get("command_start"); n != 1 {
		t.Fatalf("%d commands started for one agent", n)
	}
}

func TestStdinFromRunWithInput(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := pipeClient(t, f.endpoint())
	input := strings.Repeat("0123456789abcdef", 20_000) // several Sends of MaxEnvelopeSize
	stdout, _, code, err := c.RunWithContextWithString(testContext(t), "cat", input)
	if err != nil || code != 0 || stdout != input {
		t.Fatalf("code %d err %v, %d bytes back of %d", code, err, len(stdout), len(input))
	}
}

func TestSignalCancelsTheHandler(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	sh, cmd := startCommand(testContext(t), t, c, "block")
	defer sh.Close()
	<-f.handler.started
	if err := cmd.Close(); err != nil { // Signal terminate
		t.Fatal(err)
	}
	<-f.handler.cancelled
	cmd.Wait()
	if cmd.ExitCode() != 130 {
		t.Fatalf("exit code after terminate %d", cmd.ExitCode())
	}
}

func TestContextCancelTerminatesRemoteCommand(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	ctx, cancel := contextWithCancel(t)
	go func() {
		<-f.handler.started
		cancel()
	}()
	_, _, _, err := c.RunCmdWithContext(ctx, "block")
	if err == nil {
		t.Fatal("cancelled run reported success")
	}
	<-f.handler.cancelled
	if n := f.stats.get("http_request Signal"); n == 0 {
		t.Fatal("no Signal sent")
	}
}

func TestDeleteShellCancelsCommandsAndForgetsTheShell(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	ctx, cancel := contextWithCancel(t)
	sh, cmd := startCommand(ctx, t, c, "block")
	<-f.handler.started
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	<-f.handler.cancelled
	// The pending Receive is answered with a fault; the client treats every fault on
	// Receive as "poll again" (as against Windows), so only cancelling stops it.
	cancel()
	cmd.Wait()

	_, err := sh.ExecuteWithContext(testContext(t), "greet again")
	requireFault(t, err, "w:InvalidSelectors", "2150858843", "shell was not found")
}

func TestUnknownShellAndCommandIDsFault(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	_, err := c.NewShell("6E1F8A5B-0000-4000-8000-000000000000").ExecuteWithContext(testContext(t), "greet x")
	requireFault(t, err, "w:InvalidSelectors", "2150858843")
	if n := f.stats.get("command_start"); n != 0 {
		t.Fatalf("%d commands started in an unknown shell", n)
	}
}

// requireFault checks that the client got a WS-Man fault reply carrying every text.
// (The client parses 500 replies as bodies: a fault on Command surfaces as an
// ExecuteCommandError holding the fault envelope.)
func requireFault(t *testing.T, err error, texts ...string) {
	t.Helper()
	var ece *winrm.ExecuteCommandError
	if !errors.As(err, &ece) {
		t.Fatalf("want a fault reply, got %v", err)
	}
	for _, text := range texts {
		if !strings.Contains(ece.Body, text) {
			t.Errorf("fault lacks %q: %s", text, ece.Body)
		}
	}
}

// masterzen asks for console-mode stdin: the lab then delivers input as a
// console does (console.go): only lines ended by CR, each cut to 254
// characters, and closing the input is no end of file.
func TestConsoleModeStdinBehavesAsAConsole(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	c := basicClient(t, f.endpoint(), testUser, testPassword)
	ctx, cancel := contextWithCancel(t)
	sh, cmd := startCommand(ctx, t, c, "cat")
	defer sh.Close()
	long := strings.Repeat("x", 300)
	if _, err := cmd.Stdin.Write([]byte("short\r" + long + "\r" + "no carriage return\n")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Stdin.Close(); err != nil {
		t.Fatal(err)
	}
	want := "short\r\n" + long[:254] + "\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(cmd.Stdout, got); err != nil || string(got) != want {
		t.Fatalf("console delivered %q, %v; want %q", got, err, want)
	}
	select {
	case <-time.After(300 * time.Millisecond):
	case <-waitDone(cmd):
		t.Fatal("the command ended: closing a console's input must not be an end of file")
	}
	cancel()
}

func waitDone(cmd *winrm.Command) <-chan struct{} {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return done
}
