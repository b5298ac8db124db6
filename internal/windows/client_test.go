package windows_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

func newClient(t *testing.T, lab *labStarter, mode windows.Mode) *windows.Client {
	t.Helper()
	return clientOf(t, lab, mode, 5*time.Second)
}

// startedClient is a persistent client of a new lab whose agent has
// started (it answered hello).
func startedClient(t *testing.T) (*labStarter, *windows.Client) {
	t.Helper()
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	if _, err := c.Hello(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return lab, c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var testKey = agent.RegistryKeyRef{Hive: "HKLM", Key: `SOFTWARE\winfs\test`}

func TestEveryRegistryTypeRoundTrips(t *testing.T) {
	values := map[string]agent.RegistryValue{
		"CacheTimeout": {Type: agent.RegDWord, Data: "60000"}, // 0xea60
		"DWordMax":     {Type: agent.RegDWord, Data: "4294967295"},
		"QWordMax":     {Type: agent.RegQWord, Data: "18446744073709551615"},
		"Text":         {Type: agent.RegSZ, Data: "Caf\u00e9 \u6587\u4ef6 \U0001F600 $env:X `n 'single' \"double\"\r\nsecond line\n"},
		"Expand":       {Type: agent.RegExpandSZ, Data: `%SystemRoot%\System32`},
		"Multi":        {Type: agent.RegMultiSZ, Strings: []string{"Path=X:\\Finance Team", "Remark=l'\u00e9quipe \"$x\" `y`", "ShareName=Finance Team"}},
		"MultiEmpty":   {Type: agent.RegMultiSZ},
		"BinEmpty":     {Type: agent.RegBinary},
		"BinZero":      {Type: agent.RegBinary, Data: "00"},
		"Bin":          {Type: agent.RegBinary, Data: "0100048014000000"},
		"None":         {Type: agent.RegNone, Data: "ff"},
		"":             {Type: agent.RegSZ, Data: "the (Default) value"},
	}
	for _, mode := range []windows.Mode{windows.ModePersistent, windows.ModePerRequest} {
		t.Run(string(mode), func(t *testing.T) {
			lab := newLab()
			c := newClient(t, lab, mode)
			ctx := testCtx(t)
			for name, v := range values {
				if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: name, Value: v, CreateKey: true}); err != nil {
					t.Fatalf("set %q: %v", name, err)
				}
			}
			for name, want := range values {
				got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: name})
				if err != nil || !got.Exists || !windows.SameRegistryValue(*got.Value, want) || got.Value.Data != want.Data {
					t.Errorf("get %q: %+v, %v; want %+v", name, got.Value, err, want)
				}
			}
			list, err := c.RegistryList(ctx, testKey)
			if err != nil || !list.KeyExists || len(list.Values) != len(values) {
				t.Fatalf("list: %+v, %v", list, err)
			}
			for name, want := range values {
				if got := list.Values[name]; !windows.SameRegistryValue(got, want) {
					t.Errorf("list %q: %+v, want %+v", name, got, want)
				}
			}
			if got, _ := lab.host.RegistryValue("HKLM", testKey.Key, "CacheTimeout"); got.Data != "60000" {
				t.Errorf("the host holds %+v", got)
			}
		})
	}
}

func TestAgentErrorsComeBackTyped(t *testing.T) {
	c := newClient(t, newLab(), windows.ModePersistent)
	err := c.RegistrySet(testCtx(t), agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ}})
	var aerr *agent.Error
	if !errors.As(err, &aerr) || aerr.Code != agent.CodeKeyNotFound {
		t.Fatalf("want key_not_found, got %v", err)
	}
	err = c.Call(testCtx(t), "registry.rename", map[string]string{}, nil)
	if !errors.As(err, &aerr) || aerr.Code != agent.CodeUnknownOp {
		t.Fatalf("want unknown_op, got %v", err)
	}
}

func TestConcurrentCallsShareOneAgentAndCoalesce(t *testing.T) {
	lab := newLab()
	lab.sendDelay = 5 * time.Millisecond
	c := newClient(t, lab, windows.ModePersistent)
	ctx := testCtx(t)
	if _, err := c.Hello(ctx); err != nil { // start the agent first, so writes count only requests
		t.Fatal(err)
	}
	writesBefore := lab.writes.Load()

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("v%02d", i)
			want := agent.RegistryValue{Type: agent.RegDWord, Data: fmt.Sprint(i * 1000)}
			if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: name, Value: want, CreateKey: true}); err != nil {
				errs <- err
				return
			}
			got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: name})
			if err != nil {
				errs <- err
				return
			}
			if !reflect.DeepEqual(*got.Value, want) {
				errs <- fmt.Errorf("%s: got %+v, want %+v", name, got.Value, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	requests := int64(2 * n)
	writes := lab.writes.Load() - writesBefore
	if writes >= requests/2 {
		t.Errorf("%d requests took %d stdin writes: they were not coalesced", requests, writes)
	}
	if got := lab.starts.Load(); got != 1 {
		t.Errorf("%d agents started, want 1", got)
	}
	t.Logf("%d requests in %d stdin writes", requests, writes)
}

func TestReadsAreRetriedWhenTheAgentDies(t *testing.T) {
	for _, op := range []string{agent.RegistryGet.Name, agent.RegistryList.Name} {
		lab := newLab()
		c := newClient(t, lab, windows.ModePersistent)
		ctx := testCtx(t)
		if _, err := c.Hello(ctx); err != nil {
			t.Fatal(err)
		}
		lab.failNext(op, dieBefore)
		var err error
		if op == agent.RegistryGet.Name {
			var got agent.RegistryGetResult
			got, err = c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters}, Name: "CacheTimeout"})
			if err == nil && got.Value.Data != "600000" {
				t.Errorf("get after retry: %+v", got.Value)
			}
		} else {
			_, err = c.RegistryList(ctx, agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters})
		}
		if err != nil {
			t.Fatalf("%s was not retried: %v", op, err)
		}
		if got := lab.starts.Load(); got != 2 {
			t.Errorf("%s: %d agents started, want 2 (one reconnect)", op, got)
		}
	}
}

func TestWriteOfUnknownOutcomeIsReReadNotRepeated(t *testing.T) {
	for _, f := range []fault{dieAfter, dieBefore} {
		for _, mode := range []windows.Mode{windows.ModePersistent, windows.ModePerRequest} {
			lab := newLab()
			c := newClient(t, lab, mode)
			ctx := testCtx(t)
			lab.failNext(agent.RegistrySet.Name, f)
			p := agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters},
				Name: "CacheTimeout", Value: agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}}
			if err := c.RegistrySet(ctx, p); err != nil {
				t.Fatalf("fault %d, %s: %v", f, mode, err)
			}
			if n := lab.registrySetEvents(`HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\CacheTimeout = REG_DWORD 60000`); n != 1 {
				t.Errorf("fault %d, %s: the value was set %d times, want exactly once", f, mode, n)
			}
			if v, _ := lab.host.RegistryValue("HKLM", winhost.KeyNetBTParameters, "CacheTimeout"); v.Data != "60000" {
				t.Errorf("fault %d, %s: host holds %+v", f, mode, v)
			}
		}
	}
}

func TestRawCallReportsUnknownOutcome(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	lab.failNext(agent.RegistrySet.Name, dieAfter)
	err := c.Call(testCtx(t), agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "x",
		Value: agent.RegistryValue{Type: agent.RegSZ, Data: "y"}, CreateKey: true}, nil)
	if !errors.Is(err, windows.ErrOutcomeUnknown) {
		t.Fatalf("want ErrOutcomeUnknown, got %v", err)
	}
	var se *windows.SessionError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "server1") {
		t.Errorf("want a SessionError naming the host, got %v", err)
	}
	if n := lab.registrySetEvents(`HKLM\SOFTWARE\winfs\test\x`); n != 1 {
		t.Errorf("raw Call repeated the write: %d events", n)
	}
	// The next call reconnects.
	if _, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"}); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	if got := lab.starts.Load(); got != 2 {
		t.Errorf("%d agents started, want 2", got)
	}
}

func TestDeleteOfUnknownOutcome(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	lab.failNext(agent.RegistryDelete.Name, dieAfter)
	res, err := c.RegistryDelete(testCtx(t), agent.RegistryDeleteParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters}, Name: "CacheTimeout"})
	if err != nil || !res.Existed {
		t.Fatalf("delete: %+v, %v", res, err)
	}
	if _, ok := lab.host.RegistryValue("HKLM", winhost.KeyNetBTParameters, "CacheTimeout"); ok {
		t.Fatal("value still there")
	}
}

// A call the agent does not answer in time fails promptly, naming the
// operation and the server, and retires the agent: what was sent goes on
// there (the agent runs requests concurrently), new calls go to a new
// agent.
func TestUnansweredCallEndsTheAgentAndOthersGoOn(t *testing.T) {
	lab, c := startedClient(t)
	defer close(lab.release)
	lab.failNext(agent.DiskList.Name, hang)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	behind := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // queued behind the stuck call
		got, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyComputerName}, Name: "ComputerName"})
		if err == nil && got.Value.Data != "SERVER1" {
			err = fmt.Errorf("read %+v", got)
		}
		behind <- err
	}()
	began := time.Now()
	_, err := c.DiskList(ctx, "")
	var stuck *windows.NoAnswerError
	if !errors.As(err, &stuck) || stuck.Op != agent.DiskList.Name || stuck.Host != "server1" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a NoAnswerError for disk.list on server1, got %v", err)
	}
	if !strings.Contains(err.Error(), "disk.list") || !strings.Contains(err.Error(), "server1") {
		t.Errorf("the error must name the operation and the server: %v", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("took %v", d)
	}
	if err := <-behind; err != nil {
		t.Fatalf("the call queued behind the stuck one: %v", err)
	}
	if _, err := c.DiskList(testCtx(t), ""); err != nil {
		t.Fatal(err)
	}
	if n := lab.starts.Load(); n != 2 {
		t.Errorf("the stuck agent must be replaced once: %d starts", n)
	}
}

// The agent answers as requests finish: a slow request's answer comes
// after a later quick one's, and each caller gets its own answer.
func TestAnswersOutOfOrderAreMatchedByID(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	ctx := testCtx(t)
	if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "slow", Value: agent.RegistryValue{Type: agent.RegSZ, Data: "first asked"}, CreateKey: true}); err != nil {
		t.Fatal(err)
	}
	lab.failNext(agent.RegistryGet.Name, answerLate)
	slow := make(chan string, 1)
	go func() {
		got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "slow"})
		if err != nil {
			slow <- err.Error()
			return
		}
		slow <- got.Value.Data
	}()
	for lab.opCount(agent.RegistryGet.Name) == 0 { // the slow one is running
		time.Sleep(time.Millisecond)
	}
	quick, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyComputerName}, Name: "ComputerName"})
	if err != nil || quick.Value.Data != "SERVER1" {
		t.Fatalf("the quick read, asked second, got %+v, %v", quick.Value, err)
	}
	select {
	case got := <-slow:
		t.Fatalf("the slow read answered before its release: %q", got)
	default:
	}
	close(lab.release)
	if got := <-slow; got != "first asked" {
		t.Fatalf("the slow read got %q", got)
	}
	if n := lab.starts.Load(); n != 1 {
		t.Errorf("one agent answers both: %d starts", n)
	}
}

// A caller that gives up (cancel, not a deadline) leaves the agent alone.
func TestCancelledCallKeepsTheAgent(t *testing.T) {
	lab, c := startedClient(t)
	lab.failNext(agent.RegistryGet.Name, hang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want Canceled, got %v", err)
	}
	close(lab.release) // the late answer arrives and is dropped
	got, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyComputerName}, Name: "ComputerName"})
	if err != nil || got.Value.Data != "SERVER1" {
		t.Fatalf("after the cancel: %+v, %v", got, err)
	}
	if n := lab.starts.Load(); n != 1 {
		t.Errorf("a cancel must not cost the session: %d starts", n)
	}
}

func TestWriteTimingOutAfterSendIsUnknown(t *testing.T) {
	lab, c := startedClient(t)
	lab.failNext(agent.RegistrySet.Name, hang)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ}, CreateKey: true})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, windows.ErrOutcomeUnknown) {
		t.Fatalf("want DeadlineExceeded and ErrOutcomeUnknown, got %v", err)
	}
	close(lab.release)
}

func TestHelloRefusesAnUnknownScript(t *testing.T) {
	for _, mode := range []windows.Mode{windows.ModePersistent, windows.ModePerRequest} {
		lab := newLab()
		lab.tamper = true
		c := newClient(t, lab, mode)
		_, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"})
		var aerr *agent.Error
		if !errors.As(err, &aerr) || aerr.Code != agent.CodeScriptMismatch || !strings.Contains(err.Error(), "server1") {
			t.Fatalf("%s: want script_mismatch naming the host, got %v", mode, err)
		}
		// The next call starts an agent that gets the right script.
		if _, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"}); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
}

func TestPerRequestStartsOneProcessPerCall(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePerRequest)
	ctx := testCtx(t)
	for i := range 5 {
		if _, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: testKey, Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RegistrySet(ctx, agent.RegistrySetParams{RegistryKeyRef: testKey, Name: "x", Value: agent.RegistryValue{Type: agent.RegSZ}, CreateKey: true}); err != nil {
		t.Fatal(err)
	}
	if got := lab.starts.Load(); got != 6 {
		t.Fatalf("%d processes for 6 calls", got)
	}
	h, err := c.Hello(ctx)
	if err != nil || h.ComputerName != "SERVER1" || h.ScriptSHA256 != agent.ScriptSHA256 {
		t.Fatalf("hello: %+v, %v", h, err)
	}
}

func TestCloseEndsTheAgent(t *testing.T) {
	_, c := startedClient(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hello(testCtx(t)); !errors.Is(err, windows.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
}

func TestLoggerSeesSessionEvents(t *testing.T) {
	lab := newLab()
	var mu sync.Mutex
	var msgs []string
	c, err := windows.New("server1", lab, "", windows.WithLogger(func(_ context.Context, level, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		msgs = append(msgs, fmt.Sprintf("%s %s %v", level, msg, fields["server"]))
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lab.failNext(agent.RegistryGet.Name, dieBefore)
	if _, err := c.RegistryGet(testCtx(t), agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "warn agent session ended server1") || !strings.Contains(joined, "debug agent started server1") {
		t.Fatalf("log:\n%s", joined)
	}
}

func TestNewRejectsUnknownMode(t *testing.T) {
	if _, err := windows.New("server1", newLab(), "sometimes"); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

const secret = "S3cret-Pa$$w0rd"

func TestWinRMErrorsNameTheHostAndHideThePassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // nothing listens there now

	unauthorized := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
		http.Error(w, "denied for "+secret, http.StatusUnauthorized)
	}))
	defer unauthorized.Close()
	upPort := unauthorized.Listener.Addr().(*net.TCPAddr).Port

	cases := []struct {
		name string
		ep   windows.Endpoint
		want []string
	}{
		{"refused", windows.Endpoint{Host: "127.0.0.1", Port: port, Auth: "ntlm", Username: "admin", Password: secret, Timeout: 2 * time.Second},
			[]string{fmt.Sprintf("winrm server1 (127.0.0.1:%d)", port), "connection refused", "5986"}},
		{"401 basic", windows.Endpoint{Host: "127.0.0.1", Port: upPort, Auth: "basic", Username: "admin", Password: secret, Timeout: 2 * time.Second},
			[]string{"winrm server1", "authentication failed"}},
		{"401 ntlm", windows.Endpoint{Host: "127.0.0.1", Port: upPort, Username: "admin", Password: secret, Timeout: 2 * time.Second},
			[]string{"winrm server1", "authentication failed"}},
	}
	for _, c := range cases {
		st, err := windows.NewWinRMStarter("server1", c.ep)
		if err != nil {
			t.Fatal(err)
		}
		client, err := windows.New("server1", st, windows.ModePersistent)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Hello(testCtx(t))
		t.Log(err)
		_ = client.Close()
		var te *windows.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("%s: want a TransportError, got %v", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
			t.Errorf("%s: the password leaked: %v", c.name, err)
		}
	}
	if _, err := windows.NewWinRMStarter("server1", windows.Endpoint{Host: "h", Port: 1, Auth: "kerberos", Password: secret}); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("unknown auth: %v", err)
	}
	if _, err := windows.NewWinRMStarter("server1", windows.Endpoint{Host: "h", Port: 1, HTTPS: true, CACertPEM: []byte("not a cert")}); err == nil {
		t.Error("a bad CA certificate was accepted")
	}
}

func TestWinRMHTTPSTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not WinRM", http.StatusNotFound)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	start := func(ep windows.Endpoint) error {
		ep.Host, ep.Port, ep.HTTPS, ep.Auth, ep.Username, ep.Password, ep.Timeout = "127.0.0.1", port, true, "basic", "admin", secret, 2*time.Second
		st, err := windows.NewWinRMStarter("server1", ep)
		if err != nil {
			return err
		}
		_, err = st.Start(testCtx(t), "hostname")
		return err
	}
	if err := start(windows.Endpoint{}); err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("untrusted certificate: %v", err)
	}
	for name, ep := range map[string]windows.Endpoint{
		"ca":       {CACertPEM: caPEM, TLSServerName: "example.com"},
		"insecure": {Insecure: true},
	} {
		// TLS passes; the server is no WinRM listener.
		if err := start(ep); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// An agent that never answers must not hang a caller without a deadline
// (Terraform's contexts have none): WithCallTimeout bounds every call.
func TestCallTimeoutBoundsCallsWithoutDeadline(t *testing.T) {
	lab := newLab()
	c, err := windows.New("server1", lab, windows.ModePersistent, windows.WithCallTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Hello(context.Background()); err != nil {
		t.Fatal(err)
	}
	lab.failNext(agent.RegistryGet.Name, hang)
	defer close(lab.release)
	began := time.Now()
	_, err = c.RegistryGet(context.Background(), agent.RegistryGetParams{RegistryKeyRef: testKey, Name: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want DeadlineExceeded, got %v", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("the call took %v despite a 100ms call timeout", d)
	}
}

// Volume mounts waiting for their disks share one storage rescan, but a
// need that arose after a rescan was issued gets a new one.
func TestRescanSinceSharesOneRescan(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	ctx := testCtx(t)
	rescans := func() int {
		n := 0
		for _, ev := range lab.tl.Events() {
			if ev.Kind == "storage.rescan" {
				n++
			}
		}
		return n
	}
	since := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.StorageRescanSince(ctx, since); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := rescans(); n != 1 {
		t.Fatalf("five mounts waiting together ran %d rescans, want 1", n)
	}
	if err := c.StorageRescanSince(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := rescans(); n != 2 {
		t.Fatalf("a later need must get a new rescan: %d rescans, want 2", n)
	}
}

// A disk listing waits for the rescan in flight, as it did when the agent
// ran one request at a time: it shows what the rescan found, and the
// mount that asked does not start a rescan of its own.
func TestDiskListWaitsForTheRescanInFlight(t *testing.T) {
	lab := newLab()
	c := newClient(t, lab, windows.ModePersistent)
	ctx := testCtx(t)
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	lab.failNext(agent.StorageRescan.Name, answerLate)
	rescanned := make(chan error, 1)
	go func() { rescanned <- c.StorageRescanSince(ctx, time.Now()) }()
	for lab.opCount(agent.StorageRescan.Name) == 0 {
		time.Sleep(time.Millisecond)
	}
	listed := make(chan error, 1)
	go func() {
		_, err := c.DiskList(ctx, "")
		listed <- err
	}()
	select {
	case err := <-listed:
		t.Fatalf("the listing answered during the rescan: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(lab.release)
	if err := <-rescanned; err != nil {
		t.Fatal(err)
	}
	if err := <-listed; err != nil {
		t.Fatal(err)
	}
}
