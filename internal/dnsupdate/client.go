// Package dnsupdate speaks RFC 2136 dynamic updates and authoritative
// queries with github.com/miekg/dns: UPDATE messages signed with TSIG
// (RFC 8945), UDP with TCP when a reply is truncated, and retries that sign
// every attempt afresh (a new message ID, time and MAC), because a
// retransmitted stale signature is what breaks other clients.
package dnsupdate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/secret"
)

// Algorithms are the TSIG algorithms accepted, by the names BIND uses.
var Algorithms = []string{"hmac-sha256", "hmac-sha512", "hmac-sha1", "hmac-md5"}

var algorithmNames = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha512": dns.HmacSHA512,
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-md5":    dns.HmacMD5,
}

// Key is a TSIG key as BIND's `key` statement declares it.
type Key struct {
	Name      string // key name, e.g. "winfs-update"
	Algorithm string // one of Algorithms
	Secret    string // base64; never logged, never in errors
}

// Config configures a Client.
type Config struct {
	Server  string        // the zone's primary, host:port (port 53 when omitted)
	Key     *Key          // nil: unsigned (only for servers that accept that)
	Timeout time.Duration // per attempt; default 5s
	Retries int           // attempts after the first on timeouts; default 2, -1 for none
	// Now is the clock used for TSIG times (tests); default time.Now.
	Now func() time.Time
	// Log receives debug lines; fields never hold the secret.
	Log func(ctx context.Context, msg string, fields map[string]any)
}

// Client sends updates and queries to one primary server.
type Client struct {
	server  string
	key     *Key
	keyName string // canonical FQDN of the key
	alg     string // the algorithm's FQDN
	timeout time.Duration
	retries int
	now     func() time.Time
	logf    func(ctx context.Context, msg string, fields map[string]any)
}

// New validates cfg and returns a client. Nothing is sent yet.
func New(cfg Config) (*Client, error) {
	server, err := withPort(cfg.Server)
	if err != nil {
		return nil, err
	}
	c := &Client{server: server, timeout: cfg.Timeout, retries: cfg.Retries, now: cfg.Now, logf: cfg.Log}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	switch {
	case c.retries == 0:
		c.retries = 2
	case c.retries < 0:
		c.retries = 0
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.Key != nil {
		alg, ok := algorithmNames[strings.ToLower(cfg.Key.Algorithm)]
		if !ok {
			return nil, fmt.Errorf("TSIG algorithm %q is not supported; allowed: %s", cfg.Key.Algorithm, strings.Join(Algorithms, ", "))
		}
		if cfg.Key.Name == "" {
			return nil, errors.New("TSIG key name is empty")
		}
		if _, err := base64.StdEncoding.DecodeString(cfg.Key.Secret); err != nil || cfg.Key.Secret == "" {
			// The secret itself is not quoted: it may be almost right.
			return nil, errors.New("TSIG secret is not valid base64 (as in BIND's `secret \"...\";`)")
		}
		k := *cfg.Key
		c.key = &k
		c.keyName = dns.CanonicalName(k.Name)
		c.alg = alg
	}
	return c, nil
}

// Server is the primary's host:port.
func (c *Client) Server() string { return c.server }

func withPort(server string) (string, error) {
	if server == "" {
		return "", errors.New("no DNS server configured")
	}
	if net.ParseIP(server) != nil || !strings.Contains(server, ":") {
		return net.JoinHostPort(server, "53"), nil // a host or a bare IP address
	}
	host, port, err := net.SplitHostPort(server)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("DNS server %q is not host or host:port", server)
	}
	return server, nil
}

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.logf != nil {
		c.logf(ctx, msg, fields)
	}
}

// exchange sends the message build makes to server and returns the reply.
// Every attempt gets a fresh message from build, a fresh ID and, with a key,
// a fresh TSIG time and MAC. A truncated UDP reply is asked again over TCP.
// Only timeouts and network errors are retried; a reply is final.
func (c *Client) exchange(ctx context.Context, server string, sign bool, build func() *dns.Msg) (*dns.Msg, error) {
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if attempt > 0 {
			c.log(ctx, "DNS request timed out; sending it again, signed afresh", map[string]any{"server": server, "attempt": attempt + 1, "error": last.Error()})
		}
		r, err := c.attempt(ctx, server, "udp", sign, build)
		if err == nil && r.Truncated {
			c.log(ctx, "DNS reply truncated; asking again over TCP", map[string]any{"server": server})
			r, err = c.attempt(ctx, server, "tcp", sign, build)
		}
		if err == nil {
			return r, nil
		}
		if r != nil {
			// A reply that failed TSIG verification: a refusal from a
			// server that does not know our key is still an answer.
			return r, c.tsigFailure(r, err)
		}
		last = err
		if ctx.Err() != nil || !retryable(err) {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("DNS server %s: %w", server, ctx.Err())
	}
	return nil, fmt.Errorf("DNS server %s did not answer (%d attempt(s) of %s each): %w", server, c.retries+1, c.timeout, last)
}

func (c *Client) attempt(ctx context.Context, server, network string, sign bool, build func() *dns.Msg) (*dns.Msg, error) {
	m := build()
	m.Id = dns.Id()
	cl := &dns.Client{Net: network, Timeout: c.timeout}
	if sign && c.key != nil {
		m.SetTsig(c.keyName, c.alg, 300, c.now().Unix())
		cl.TsigSecret = map[string]string{c.keyName: c.key.Secret}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r, _, err := cl.ExchangeContext(actx, m, server)
	if c.key != nil {
		err = secret.Error(err, c.key.Secret) // the DNS library formats its own errors
	}
	return r, err
}

// tsigFailure explains a reply whose signature did not verify.
func (c *Client) tsigFailure(r *dns.Msg, err error) error {
	if r.Rcode != dns.RcodeSuccess {
		return &RcodeError{Rcode: r.Rcode, TSIGError: tsigErrorOf(r), KeyName: c.keyName}
	}
	return fmt.Errorf("the reply's TSIG signature does not verify: %w", err)
}

func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection refused")
}

func tsigErrorOf(r *dns.Msg) uint16 {
	if t := r.IsTsig(); t != nil {
		return t.Error
	}
	return 0
}

// RcodeError is a reply that refused or failed the request.
type RcodeError struct {
	Op        string // what was asked, e.g. "update files.corp.example.com."
	Rcode     int
	TSIGError uint16 // the TSIG RR's error field (BADSIG, BADKEY, BADTIME), if any
	KeyName   string
}

func (e *RcodeError) Error() string {
	msg := dns.RcodeToString[e.Rcode]
	if msg == "" {
		msg = fmt.Sprintf("RCODE %d", e.Rcode)
	}
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	switch {
	case e.TSIGError == dns.RcodeBadSig:
		msg += fmt.Sprintf(" (TSIG BADSIG: the server knows key %q but the signature does not match: check the secret and the algorithm)", e.KeyName)
	case e.TSIGError == dns.RcodeBadKey:
		msg += fmt.Sprintf(" (TSIG BADKEY: the server does not know key %q with this algorithm)", e.KeyName)
	case e.TSIGError == dns.RcodeBadTime:
		msg += " (TSIG BADTIME: this machine's clock and the server's differ by more than 5 minutes)"
	case e.Rcode == dns.RcodeRefused:
		msg += " (the server refused: is the update signed with a key its allow-update or update-policy accepts?)"
	case e.Rcode == dns.RcodeNotAuth:
		msg += " (the server is not authoritative for the zone, or rejected the TSIG key)"
	}
	return msg
}

// Rcode returns the reply code of err if it is an *RcodeError, else -1.
func Rcode(err error) int {
	var re *RcodeError
	if errors.As(err, &re) {
		return re.Rcode
	}
	return -1
}
