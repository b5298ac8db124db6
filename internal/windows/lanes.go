package windows

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/go-ntlmssp"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// laneTransport is the winrm.Transporter of one agent process. NTLM
// authenticates a connection, not a request, and go-ntlmssp sends the
// handshake legs through the shared pool: with a Receive long poll running
// beside Sends, legs can land on different connections and the server
// answers 401. So traffic goes in two lanes, Receive polls and everything
// else, each over a single connection carrying one request (with its whole
// handshake) at a time.
type laneTransport struct {
	url, user, password string
	ntlm                bool
	consoleStdin        bool // Endpoint.ConsoleStdin
	receive, other      *lane
	// accepted is shared by every agent of one endpoint: set once the
	// credentials got past authentication, so that a later 401 can be
	// told apart from bad credentials.
	accepted *atomic.Bool
	krb      *kerberosAuth // set for Kerberos: a Negotiate token on every request
}

type lane struct {
	mu     sync.Mutex
	client *http.Client
	idle   func()
}

const receiveAction = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"

func newLaneTransport(ep Endpoint, accepted *atomic.Bool, krb *kerberosAuth) *laneTransport {
	scheme := "http"
	if ep.HTTPS {
		scheme = "https"
	}
	return &laneTransport{
		url:  fmt.Sprintf("%s://%s/wsman", scheme, ep.Addr()),
		user: ep.Username, password: ep.Password,
		ntlm:         ep.Auth == "" || ep.Auth == "ntlm",
		consoleStdin: ep.ConsoleStdin,
		accepted:     accepted,
		krb:          krb,
	}
}

// Transport builds both lanes (masterzen calls it once, from NewClient).
func (t *laneTransport) Transport(ep *winrm.Endpoint) error {
	tlsConfig := &tls.Config{InsecureSkipVerify: ep.Insecure, ServerName: ep.TLSServerName} //nolint:gosec // the user's explicit choice
	if len(ep.CACert) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ep.CACert) {
			return errors.New("the CA certificate is not valid PEM")
		}
		tlsConfig.RootCAs = pool
	}
	newLane := func() *lane {
		tr := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tlsConfig.Clone(),
			ResponseHeaderTimeout: ep.Timeout,
			MaxConnsPerHost:       1,
			MaxIdleConnsPerHost:   1,
		}
		var rt http.RoundTripper = tr
		if t.ntlm {
			rt = ntlmssp.Negotiator{RoundTripper: tr}
		}
		return &lane{client: &http.Client{Transport: rt}, idle: tr.CloseIdleConnections}
	}
	t.receive, t.other = newLane(), newLane()
	return nil
}

// Post sends one SOAP message. Like masterzen's own transport it needs a
// SOAP content type; unlike it, a non-200 answer (a WS-Management fault) is
// an error, so that its text (e.g. OperationTimeout) reaches masterzen.
func (t *laneTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	body := msg.String()
	if !t.consoleStdin {
		body = pipeModeStdin(body)
	}
	l := t.other
	if strings.Contains(body, receiveAction) {
		l = t.receive
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, t.url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if t.krb != nil {
		if err := t.krb.authorize(req); err != nil {
			return "", err
		}
	} else {
		req.SetBasicAuth(t.user, t.password) // Negotiator turns it into NTLM
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode == http.StatusUnauthorized && t.krb != nil {
		return "", t.krb.rejected(resp)
	}
	if resp.StatusCode == http.StatusUnauthorized && t.accepted.Load() {
		// go-ntlmssp answers a connection lost during the handshake with
		// the first anonymous 401: the credentials worked on this endpoint
		// before, so say what most likely happened.
		return "", fmt.Errorf("HTTP 401 on a new connection although the same credentials were accepted before: " +
			"the connection was probably lost during the NTLM handshake")
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "application/soap+xml") {
		return "", fmt.Errorf("HTTP %d %s without a WS-Management answer", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	t.accepted.Store(true)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("http error %d: %s", resp.StatusCode, faultText(data))
	}
	return string(data), nil
}

// consoleModeOption is the Command option as masterzen/winrm writes it: it
// always asks for console mode (TRUE). In console mode Windows hands the
// command a console, not a pipe ("console if TRUE and pipe if FALSE",
// MS-WSMV 3.1.4.11 Command): lines end only with CR, a .NET Framework
// reader gets at most 254 characters of each, and closing the input is not
// an end of file. The agent needs a pipe.
var consoleModeOption = regexp.MustCompile(`(Name="WINRS_CONSOLEMODE_STDIN"\s*>\s*)TRUE(\s*<)`)

// pipeModeStdin rewrites a Command request to ask for pipe-mode stdin.
// Should masterzen ever write the option differently, the request goes out
// unchanged and the loader refuses the console stdin loudly.
func pipeModeStdin(body string) string {
	if !strings.Contains(body, "WINRS_CONSOLEMODE_STDIN") {
		return body
	}
	return consoleModeOption.ReplaceAllString(body, "${1}FALSE${2}")
}

func (t *laneTransport) closeIdle() {
	for _, l := range []*lane{t.receive, t.other} {
		if l != nil {
			l.idle()
		}
	}
}

var (
	xmlTags    = regexp.MustCompile(`<[^>]*>`)
	whitespace = regexp.MustCompile(`\s+`)
)

// faultText is the readable text of a SOAP fault, shortened.
func faultText(body []byte) string {
	s := strings.TrimSpace(whitespace.ReplaceAllString(xmlTags.ReplaceAllString(string(body), " "), " "))
	return truncate(s, 400)
}
