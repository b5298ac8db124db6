package san

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHConfig is how the SSH transport authenticates and checks the array.
type SSHConfig struct {
	// Signer authenticates with a private key; Config.Password, when set,
	// is offered too (password and keyboard-interactive).
	Signer ssh.Signer
	// HostKey pins the array's host key. Otherwise KnownHostsFile (OpenSSH
	// format) is consulted. InsecureIgnoreHostKey skips the check.
	HostKey               ssh.PublicKey
	KnownHostsFile        string
	InsecureIgnoreHostKey bool
}

// HostKeyError is an array whose host key is not the expected one (or is
// unknown): the connection is refused before any credential is sent.
type HostKeyError struct {
	Address string
	Got     string   // "ssh-ed25519 SHA256:..."
	Want    []string // the same, for each key on record; empty when unknown
	Source  string   // where the expected keys come from
}

func (e *HostKeyError) Error() string {
	if len(e.Want) == 0 {
		return fmt.Sprintf("refusing the array at %s: its host key %s is not in %s; "+
			"verify the fingerprint with the array's administrator, then add it (or pin it with san.host_key)",
			e.Address, e.Got, e.Source)
	}
	return fmt.Sprintf("refusing the array at %s: it presented the host key %s, but %s expects %s; "+
		"someone may be intercepting the connection, or the array's key was replaced: check with the array's administrator before changing %s",
		e.Address, e.Got, e.Source, strings.Join(e.Want, " or "), e.Source)
}

// Fingerprint is how keys are shown in errors: type and SHA256 fingerprint,
// as OpenSSH prints them.
func Fingerprint(k ssh.PublicKey) string { return k.Type() + " " + ssh.FingerprintSHA256(k) }

// ParseHostKey reads a public key in authorized_keys form ("ssh-ed25519
// AAAA... comment") or a known_hosts line ("host ssh-ed25519 AAAA...").
func ParseHostKey(text string) (ssh.PublicKey, error) {
	text = strings.TrimSpace(text)
	if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text)); err == nil {
		return k, nil
	}
	if _, _, k, _, _, err := ssh.ParseKnownHosts([]byte(text)); err == nil {
		return k, nil
	}
	return nil, errors.New(`not an SSH public key: expected "<type> <base64>" as in authorized_keys or ssh-keyscan output, e.g. "ssh-ed25519 AAAAC3Nza..."`)
}

func (c SSHConfig) hostKeyCallback(address string) (ssh.HostKeyCallback, error) {
	switch {
	case c.InsecureIgnoreHostKey:
		return ssh.InsecureIgnoreHostKey(), nil
	case c.HostKey != nil:
		pinned := c.HostKey.Marshal()
		return func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if bytes.Equal(key.Marshal(), pinned) {
				return nil
			}
			return &HostKeyError{Address: address, Got: Fingerprint(key), Want: []string{Fingerprint(c.HostKey)}, Source: "san.host_key"}
		}, nil
	case c.KnownHostsFile != "":
		check, err := knownhosts.New(c.KnownHostsFile)
		if err != nil {
			return nil, fmt.Errorf("reading the known_hosts file for the array (san.known_hosts_file): %w", err)
		}
		source := "the known_hosts file " + c.KnownHostsFile
		return func(host string, remote net.Addr, key ssh.PublicKey) error {
			err := check(host, remote, key)
			var ke *knownhosts.KeyError
			if !errors.As(err, &ke) {
				return err
			}
			he := &HostKeyError{Address: address, Got: Fingerprint(key), Source: source}
			for _, w := range ke.Want {
				he.Want = append(he.Want, fmt.Sprintf("%s (line %d)", Fingerprint(w.Key), w.Line))
			}
			return he
		}, nil
	}
	return nil, errors.New("the SSH transport needs the array's host key: set san.host_key or san.known_hosts_file " +
		"(or, only on a trusted lab network, san.insecure_ignore_host_key = true)")
}

func (c SSHConfig) algorithms() []string {
	if c.HostKey != nil {
		// Ask for the pinned key's algorithm, or the array may present
		// another of its keys and fail a check it would have passed.
		switch c.HostKey.Type() {
		case ssh.KeyAlgoRSA:
			return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		default:
			return []string{c.HostKey.Type()}
		}
	}
	return nil
}

// SSH window size requested for the shell: wide, so tables are not
// wrapped; 24 rows is what a CLI assumes of an unknown terminal anyway,
// and dialects that page turn paging off in SessionSetup.
const sshCols, sshRows = 512, 24

// dialSSH connects, verifies the host key, authenticates and opens an
// interactive shell: arrays keep one CLI session per login, as over telnet.
func dialSSH(ctx context.Context, cfg Config, prompt *regexp.Regexp) (*session, error) {
	hostKey, err := cfg.SSH.hostKeyCallback(cfg.Address)
	if err != nil {
		return nil, err
	}
	var auth []ssh.AuthMethod
	if cfg.SSH.Signer != nil {
		auth = append(auth, ssh.PublicKeys(cfg.SSH.Signer))
	}
	if cfg.Password != "" {
		pw := cfg.Password
		auth = append(auth, ssh.Password(pw), ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
			answers := make([]string, len(questions))
			for i := range answers {
				answers[i] = pw
			}
			return answers, nil
		}))
	}
	d := net.Dialer{Timeout: cfg.Timeout}
	c, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("connecting to the array at %s: %w", cfg.Address, err)
	}
	// The handshake and authentication share the session's time limit.
	deadline := time.Now().Add(cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	sc, chans, reqs, err := ssh.NewClientConn(c, cfg.Address, &ssh.ClientConfig{
		User:              cfg.Username,
		Auth:              auth,
		HostKeyCallback:   hostKey,
		HostKeyAlgorithms: cfg.SSH.algorithms(),
		Timeout:           cfg.Timeout,
	})
	stop()
	if err != nil {
		_ = c.Close()
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, he
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, &LoginError{Address: cfg.Address, Username: cfg.Username, Answer: cfg.Redact(err.Error()), SSH: true}
		}
		return nil, cfg.RedactErr(fmt.Errorf("SSH handshake with the array at %s: %w", cfg.Address, err))
	}
	_ = c.SetDeadline(time.Time{})
	client := ssh.NewClient(sc, chans, reqs)
	fail := func(what string, err error) (*session, error) {
		_ = client.Close()
		return nil, fmt.Errorf("%s on the array at %s: %w", what, cfg.Address, err)
	}
	sess, err := client.NewSession()
	if err != nil {
		return fail("opening an SSH session", err)
	}
	if err := sess.RequestPty("vt100", sshRows, sshCols, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		return fail("requesting a terminal", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail("opening the shell's input", err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fail("opening the shell's output", err)
	}
	if err := sess.Shell(); err != nil {
		return fail("starting the CLI shell", err)
	}
	s := newSession(cfg, prompt, struct {
		readerFunc
		writerFunc
	}{stdout.Read, stdin.Write}, client.Close)
	if _, err := s.expect(ctx, "the command prompt after login", s.prompt); err != nil {
		_ = s.close()
		return nil, err
	}
	s.buf.Reset()
	return s, nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
