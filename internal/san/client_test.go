package san

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// A password that breaks naive quoting and must never show in an error.
const testPassword = "s3cr$t`'\"pw"

// newTestArray is the array every client test starts from: igroups for
// server1 and server2 and the LUNs files_x and files_y; more is added
// before files_x is mapped to server1.
func newTestArray(t *testing.T, more func(*array.Array)) *array.Array {
	t.Helper()
	a := array.New(array.Config{Username: "root", Password: testPassword, Timeline: timeline.New()})
	a.AddIGroup(array.IGroup{Name: "server1", Host: "server1", Initiators: []string{"iqn.1991-05.com.microsoft:server1.corp.example.com"}})
	a.AddIGroup(array.IGroup{Name: "server2", Host: "server2", Initiators: []string{"iqn.1991-05.com.microsoft:server2.corp.example.com"}})
	a.AddLUN(array.LUN{Path: "/vol/vol1/files_x", Serial: "P3OoG4WVLmC0", Size: 100 << 30})
	a.AddLUN(array.LUN{Path: "/vol/vol1/files_y", Serial: "P3OoG4WVLmC1", Size: 50 << 30})
	if more != nil {
		more(a)
	}
	if _, err := a.Map("/vol/vol1/files_x", "server1", 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func startArray(t *testing.T, dialect string) (*array.Array, string) {
	t.Helper()
	a := newTestArray(t, nil)
	addr, err := a.Listen("127.0.0.1:0", dialect)
	if err != nil {
		t.Fatal(err)
	}
	return a, addr.String()
}

// checkMapToServer2 maps files_y to server2 with the next free number (0)
// and checks the array presents it, its serial and the igroups.
func checkMapToServer2(ctx context.Context, t *testing.T, a *array.Array, c *Client) {
	t.Helper()
	m, err := c.Map(ctx, "/vol/vol1/files_y", "server2", -1)
	if err != nil || m.ID != 0 {
		t.Fatalf("map: %+v %v", m, err)
	}
	if got := a.PresentedTo("server2"); len(got) != 1 || got[0].Path != "/vol/vol1/files_y" {
		t.Fatalf("the array does not present the LUN to server2: %+v", got)
	}
	if s, err := c.Serial(ctx, "/vol/vol1/files_y"); err != nil || s != "P3OoG4WVLmC1" {
		t.Fatalf("serial %q %v", s, err)
	}
	groups, ok, err := c.IGroups(ctx)
	if err != nil || !ok || len(groups) != 2 || groups[1].Initiators[0] != "iqn.1991-05.com.microsoft:server2.corp.example.com" {
		t.Fatalf("igroups %+v %v %v", groups, ok, err)
	}
}

// startONTAP7 is a test array speaking ONTAP 7-mode over telnet and a
// client of it, closed when the test ends.
func startONTAP7(t *testing.T) (*array.Array, *Client) {
	t.Helper()
	a, addr := startArray(t, array.DialectONTAP7)
	c := NewClient(testConfig(addr), ONTAP7{})
	t.Cleanup(func() { _ = c.Close() })
	return a, c
}

func testConfig(addr string) Config {
	return Config{Address: addr, Username: "root", Password: testPassword, Timeout: 3 * time.Second}
}

func TestClientONTAP7AgainstLabArray(t *testing.T) {
	a, c := startONTAP7(t)
	ctx := context.Background()
	maps, err := c.Mappings(ctx)
	if err != nil || len(maps) != 1 || maps[0] != (Mapping{"/vol/vol1/files_x", "server1", 0}) {
		t.Fatalf("mappings: %+v %v", maps, err)
	}
	checkMapToServer2(ctx, t, a, c)
	if err := c.Unmap(ctx, "/vol/vol1/files_y", "server2"); err != nil {
		t.Fatal(err)
	}
	// The array's own refusals come back verbatim.
	err = c.Unmap(ctx, "/vol/vol1/files_y", "server2")
	var ae *ArrayError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "is not mapped to initiator group server2") {
		t.Fatalf("unmap of nothing: %v", err)
	}
	_, err = c.Serial(ctx, "/vol/vol1/nope")
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "No such LUN exists") {
		t.Fatalf("unknown LUN: %v", err)
	}
	// One session served all of it.
	if n := logins(a); n != 1 {
		t.Errorf("%d logins for one client; want one session per provider run", n)
	}
}

func TestClientGenericAgainstMSA(t *testing.T) {
	a, addr := startArray(t, array.DialectMSA)
	c := NewClient(testConfig(addr), msaDialect(t))
	defer c.Close()
	ctx := context.Background()
	m, err := c.Map(ctx, "files_y", "server1", -1)
	if err != nil || m.ID != 1 {
		t.Fatalf("map with the next free LUN number: %+v %v", m, err)
	}
	maps, err := c.Mappings(ctx)
	if err != nil || len(maps) != 2 {
		t.Fatalf("mappings %+v %v", maps, err)
	}
	if s, err := c.Serial(ctx, "files_y"); err != nil || s != "P3OoG4WVLmC1" {
		t.Fatalf("serial %q %v", s, err)
	}
	if err := c.Unmap(ctx, "files_y", "server1"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Map(ctx, "nope", "server1", 3)
	if err == nil || !strings.Contains(err.Error(), "Error: The specified volume was not found. (nope)") {
		t.Fatalf("refusal: %v", err)
	}
	if len(a.Mappings()) != 1 {
		t.Fatalf("array state %+v", a.Mappings())
	}
}

func TestClientLoginRefusedHidesPassword(t *testing.T) {
	a, addr := startArray(t, array.DialectONTAP7)
	a.SetFaults(array.Faults{RefuseLogin: true})
	c := NewClient(testConfig(addr), ONTAP7{})
	defer c.Close()
	_, err := c.Mappings(context.Background())
	var le *LoginError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "Login incorrect") {
		t.Fatalf("want a LoginError quoting the array, got %v", err)
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Fatalf("password in the error: %v", err)
	}
	// A wrong password too: the array's answer, never the password.
	a.SetFaults(array.Faults{})
	cfg := testConfig(addr)
	cfg.Password = "wrong-" + testPassword
	_, err = NewClient(cfg, ONTAP7{}).Mappings(context.Background())
	if !errors.As(err, &le) || strings.Contains(err.Error(), cfg.Password) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestClientSessionCutAfterCommand(t *testing.T) {
	a, c := startONTAP7(t)
	ctx := context.Background()
	if _, err := c.Mappings(ctx); err != nil {
		t.Fatal(err)
	}
	a.SetFaults(array.Faults{CutNext: 1, CutCommand: "lun map"})
	_, err := c.Map(ctx, "/vol/vol1/files_y", "server2", -1)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("want ErrOutcomeUnknown, got %v", err)
	}
	// The command ran; the next operation opens a new session and sees it.
	maps, err := c.MappingsOf(ctx, "/vol/vol1/files_y")
	if err != nil || len(maps) != 1 || maps[0].IGroup != "server2" {
		t.Fatalf("after the cut: %+v %v", maps, err)
	}
	// A read cut once is repeated on a new session, transparently.
	a.SetFaults(array.Faults{CutNext: 1, CutCommand: "lun show"})
	if _, err := c.Mappings(ctx); err != nil {
		t.Fatalf("read after a cut: %v", err)
	}
}

// A device that accepts the connection and never prompts must not hang the
// client: every wait has a time limit.
func TestClientNeverHangs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Negotiate, print a banner, then nothing.
			_, _ = c.Write([]byte{255, 253, 24, 255, 251, 1, 'h', 'e', 'l', 'l', 'o', '\r', '\n'})
			defer c.Close()
		}
	}()
	cfg := testConfig(ln.Addr().String())
	cfg.Timeout = 300 * time.Millisecond
	began := time.Now()
	_, err = NewClient(cfg, ONTAP7{}).Mappings(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "login prompt") {
		t.Fatalf("want a timeout waiting for the login prompt, got %v", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
	// A cancelled context ends the wait too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	cfg.Timeout = time.Minute
	if _, err := NewClient(cfg, ONTAP7{}).Mappings(ctx); err == nil || time.Since(began) > 5*time.Second {
		t.Fatalf("context: %v", err)
	}
}

func TestClientSlowArrayWithinTimeout(t *testing.T) {
	a, addr := startArray(t, array.DialectONTAP7)
	a.SetFaults(array.Faults{Latency: 50 * time.Millisecond})
	cfg := testConfig(addr)
	c := NewClient(cfg, ONTAP7{})
	defer c.Close()
	if _, err := c.Mappings(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.SetFaults(array.Faults{Latency: 500 * time.Millisecond})
	cfg.Timeout = 100 * time.Millisecond
	c2 := NewClient(cfg, ONTAP7{})
	defer c2.Close()
	if _, err := c2.Mappings(context.Background()); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("want a timeout, got %v", err)
	}
}

// TestNoPasswordLeaksFromAnEchoingArray: an array that echoes the password
// as it is typed and repeats it when it refuses the login. Neither the
// login error nor the timeout error (whose "last output" holds the echo)
// shows the password, raw or escaped, whatever characters it has.
func TestNoPasswordLeaksFromAnEchoingArray(t *testing.T) {
	for _, pw := range []string{`quo"te'd`, `back\slash\\`, "mot-de-passe-é€ü", `all"of\them-ß`} {
		a := array.New(array.Config{Username: "root", Password: pw, Timeline: timeline.New()})
		addr, err := a.Listen("127.0.0.1:0", array.DialectONTAP7)
		if err != nil {
			t.Fatal(err)
		}
		var logged []string
		logger := func(_ context.Context, _, msg string, fields map[string]any) {
			logged = append(logged, msg+" "+fmt.Sprint(fields))
		}
		check := func(what, text string) {
			t.Helper()
			for _, form := range []string{pw, fmt.Sprintf("%q", pw), fmt.Sprintf("%+q", pw)} {
				if strings.Contains(text, strings.Trim(form, `"`)) {
					t.Fatalf("%s shows the password %q: %s", what, pw, text)
				}
			}
		}

		// A refused login: the refusal repeats the password.
		a.SetFaults(array.Faults{EchoPassword: true, RefuseLogin: true})
		c := NewClient(Config{Address: addr.String(), Username: "root", Password: pw, Timeout: 2 * time.Second, Logger: logger}, ONTAP7{})
		_, err = c.Mappings(context.Background())
		var le *LoginError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "password ********") {
			t.Fatalf("want a login error with the echoed password masked, got %v", err)
		}
		check("the login error", err.Error())
		_ = c.Close()

		// The command prompt comes 1s after the echoed password; the run
		// ends before it, and its error quotes the last output, the echo.
		a.SetFaults(array.Faults{EchoPassword: true, Latency: time.Second})
		c = NewClient(Config{Address: addr.String(), Username: "root", Password: pw, Timeout: 5 * time.Second, Logger: logger}, ONTAP7{})
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		_, err = c.Mappings(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "the command prompt after login") || !strings.Contains(err.Error(), "last output: \"********") {
			t.Fatalf("want the wait after the echoed password to end, quoting it masked, got %v", err)
		}
		check("the timeout error", err.Error())
		for _, line := range logged {
			check("the log", line)
		}
		_ = c.Close()
		a.Close()
	}
}

// TestCancelledReadIsNotOutcomeUnknown: a read the user interrupts is a
// cancel; only a command that changes the array has an unknown outcome.
func TestCancelledReadIsNotOutcomeUnknown(t *testing.T) {
	a, c := startONTAP7(t)
	if _, err := c.Mappings(context.Background()); err != nil { // log in first
		t.Fatal(err)
	}
	a.SetFaults(array.Faults{Latency: 2 * time.Second})
	cancelled := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		return ctx
	}
	_, err := c.Mappings(cancelled())
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) || strings.Contains(err.Error(), "unknown") {
		t.Fatalf("a cancelled read: %v", err)
	}
	a.SetFaults(array.Faults{})
	if _, err := c.Mappings(context.Background()); err != nil { // a new session
		t.Fatal(err)
	}
	a.SetFaults(array.Faults{Latency: 2 * time.Second})
	_, err = c.Map(cancelled(), "/vol/vol1/files_y", "server2", 4)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled map must be of unknown outcome: %v", err)
	}
}
