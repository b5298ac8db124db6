package winrm_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	lab "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

const (
	testUser     = "Administrator"
	testPassword = "S3cret-lab-Pa55"
)

// stats counts what Config.Observe reports.
type stats struct {
	mu     sync.Mutex
	counts map[string]int // kind or kind+" "+action suffix
	notify chan lab.Stat
}

func newStats() *stats {
	return &stats{counts: map[string]int{}, notify: make(chan lab.Stat, 1024)}
}

func (s *stats) observe(st lab.Stat) {
	s.mu.Lock()
	s.counts[st.Kind]++
	if i := strings.LastIndexByte(st.Action, '/'); i >= 0 {
		s.counts[st.Kind+" "+st.Action[i+1:]]++
	}
	s.mu.Unlock()
	select {
	case s.notify <- st:
	default:
	}
}

func (s *stats) get(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

// testHandler emulates a few programs, chosen by the first word of the command line.
type testHandler struct {
	started   chan string   // command lines, as they start
	cancelled chan struct{} // closed when a "block" command sees its ctx cancelled
	release   chan struct{} // "slow" waits for this before writing
	once      sync.Once
}

func newTestHandler() *testHandler {
	return &testHandler{started: make(chan string, 64), cancelled: make(chan struct{}), release: make(chan struct{})}
}

func (h *testHandler) Run(ctx context.Context, p *lab.Process) int {
	h.started <- p.CommandLine
	word, rest, _ := strings.Cut(p.CommandLine, " ")
	switch word {
	case "greet": // stdout, stderr and a non-zero exit code
		fmt.Fprintf(p.Stdout, "hello %s|%s\r\n", rest, strings.Join(p.Arguments, ","))
		fmt.Fprint(p.Stderr, "warning: lab\r\n")
		return 3
	case "agent": // a long-lived process answering each stdin line
		sc := bufio.NewScanner(p.Stdin)
		for sc.Scan() {
			fmt.Fprintf(p.Stdout, "echo:%s\n", sc.Text())
		}
		if sc.Err() != nil {
			return 1
		}
		return 0
	case "cat": // stdin to stdout
		_, _ = io.Copy(p.Stdout, p.Stdin)
		return 0
	case "slow": // silent until released, then a lot of output
		select {
		case <-h.release:
		case <-ctx.Done():
			return 1
		}
		_, _ = p.Stdout.Write(bigOutput())
		return 0
	case "block": // runs until terminated
		<-ctx.Done()
		h.once.Do(func() { close(h.cancelled) })
		return 130
	}
	fmt.Fprintf(p.Stderr, "unknown command %q", p.CommandLine)
	return 1
}

// bigOutput is larger than one Receive may carry, so it spans several replies.
func bigOutput() []byte {
	var b strings.Builder
	for i := 0; b.Len() < 400_000; i++ {
		fmt.Fprintf(&b, "line %06d of the long poll output\n", i)
	}
	return []byte(b.String())
}

type labFixture struct {
	srv     *lab.Server
	addr    *net.TCPAddr
	handler *testHandler
	stats   *stats
}

func startLab(t *testing.T, cfg lab.Config, tlsCfg *tls.Config) *labFixture {
	t.Helper()
	f := &labFixture{handler: newTestHandler(), stats: newStats()}
	if cfg.Username == "" {
		cfg.Username, cfg.Password = testUser, testPassword
	}
	if cfg.Handler == nil {
		cfg.Handler = f.handler
	}
	cfg.Observe = f.stats.observe
	f.srv = lab.New(cfg)
	addr, err := f.srv.ListenAndServe("127.0.0.1:0", tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	f.addr = addr.(*net.TCPAddr)
	t.Cleanup(func() { _ = f.srv.Close() })
	return f
}

func (f *labFixture) endpoint() *winrm.Endpoint {
	return &winrm.Endpoint{Host: "127.0.0.1", Port: f.addr.Port, Timeout: 10 * time.Second}
}

func basicClient(t *testing.T, ep *winrm.Endpoint, user, password string) *winrm.Client {
	t.Helper()
	c, err := winrm.NewClient(ep, user, password)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startCommand opens a shell on c and starts command in it; closing the
// shell is left to the test.
func startCommand(ctx context.Context, t *testing.T, c *winrm.Client, command string) (*winrm.Shell, *winrm.Command) {
	t.Helper()
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := sh.ExecuteWithContext(ctx, command)
	if err != nil {
		t.Fatal(err)
	}
	return sh, cmd
}

// pipeClient is a Basic client that asks for pipe-mode stdin
// (WINRS_CONSOLEMODE_STDIN FALSE), as the provider's client does;
// masterzen's own request asks for console mode.
func pipeClient(t *testing.T, ep *winrm.Endpoint) *winrm.Client {
	t.Helper()
	params := *winrm.DefaultParameters
	params.TransportDecorator = func() winrm.Transporter { return &pipeTransport{} }
	c, err := winrm.NewClientWithParameters(ep, testUser, testPassword, &params)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type pipeTransport struct{ url string }

func (p *pipeTransport) Transport(ep *winrm.Endpoint) error {
	p.url = fmt.Sprintf("http://%s/wsman", net.JoinHostPort(ep.Host, fmt.Sprint(ep.Port)))
	return nil
}

func (p *pipeTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	body := strings.Replace(msg.String(), `Name="WINRS_CONSOLEMODE_STDIN">TRUE<`, `Name="WINRS_CONSOLEMODE_STDIN">FALSE<`, 1)
	req, err := http.NewRequest(http.MethodPost, p.url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(testUser, testPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("http error %d: %s", resp.StatusCode, data)
	}
	return string(data), nil
}

func ntlmClient(t *testing.T, ep *winrm.Endpoint, user, password string) *winrm.Client {
	t.Helper()
	params := *winrm.DefaultParameters
	params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	c, err := winrm.NewClientWithParameters(ep, user, password, &params)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// runGreet runs the greet program and checks everything the client reports.
func runGreet(t *testing.T, c *winrm.Client) {
	t.Helper()
	stdout, stderr, code, err := c.RunWithContextWithString(testContext(t), "greet world & <co>", "")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if stdout != "hello world & <co>|\r\n" || stderr != "warning: lab\r\n" || code != 3 {
		t.Fatalf("stdout %q stderr %q code %d", stdout, stderr, code)
	}
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(testContext(t))
	t.Cleanup(cancel)
	return ctx, cancel
}
