package array

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// HostKey is the public half of the array's SSH host key, made on first
// use, as an appliance makes its keys on first boot.
func (a *Array) HostKey() ssh.PublicKey { return a.signer().PublicKey() }

func (a *Array) signer() ssh.Signer {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hostKey == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err) // the system's random source failed
		}
		if a.hostKey, err = ssh.NewSignerFromKey(priv); err != nil {
			panic(err)
		}
	}
	return a.hostKey
}

// NewClientKey is a fresh ed25519 key for a client of the array: its
// private half in OpenSSH PEM (as ssh-keygen writes it) and its public
// half, for AuthorizeKey.
func NewClientKey() ([]byte, ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, nil, err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(block), sp, nil
}

// AuthorizeKey lets the holder of key's private half log in as the
// array's user over SSH, as `security login publickey create` does on
// ONTAP 9 and an authorized_keys entry does elsewhere.
func (a *Array) AuthorizeKey(key ssh.PublicKey) {
	a.mu.Lock()
	a.userKeys = append(a.userKeys, key)
	a.mu.Unlock()
}

func (a *Array) keyAuthorized(key ssh.PublicKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range a.userKeys {
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			return true
		}
	}
	return false
}

// ListenSSH serves the CLI of dialect (ontap, ontap7 or msa) over SSH on
// addr until Close: password or public-key authentication, then an
// interactive shell (with or without a terminal) or one command per exec
// request (RFC 4254 section 6.5).
func (a *Array) ListenSSH(addr, dialect string) (net.Addr, error) {
	if dialect != DialectONTAP && dialect != DialectONTAP7 && dialect != DialectMSA {
		return nil, fmt.Errorf("array: unknown dialect %q (ontap, ontap7, msa)", dialect)
	}
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(md ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			a.pause(false)
			if md.User() == a.cfg.Username && string(pw) == a.cfg.Password && !a.Faults().RefuseLogin {
				return &ssh.Permissions{Extensions: map[string]string{"method": "password"}}, nil
			}
			a.cfg.Timeline.Record("array", "array.login_failed", "SSH password refused for user "+md.User())
			return nil, fmt.Errorf("password refused")
		},
		PublicKeyCallback: func(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if md.User() == a.cfg.Username && a.keyAuthorized(key) && !a.Faults().RefuseLogin {
				return &ssh.Permissions{Extensions: map[string]string{"method": "publickey"}}, nil
			}
			a.cfg.Timeline.Record("array", "array.login_failed", "SSH key "+ssh.FingerprintSHA256(key)+" refused for user "+md.User())
			return nil, fmt.Errorf("key refused")
		},
		// The banner an ONTAP 9 cluster shows before authentication.
		BannerCallback: func(ssh.ConnMetadata) string { return "Access restricted to authorized users\n" },
	}
	cfg.AddHostKey(a.signer())
	return a.listen(addr, func(c net.Conn) { a.serveSSH(c, cfg, dialect) })
}

func (a *Array) serveSSH(c net.Conn, cfg *ssh.ServerConfig, dialect string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // the handshake
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	_ = c.SetDeadline(time.Time{})
	a.count(func(st *Stats) { st.Logins++ })
	a.cfg.Timeline.Record("array", "array.login", fmt.Sprintf("user %s logged in over ssh (%s, %s)", sc.User(), dialect, sc.Permissions.Extensions["method"]))
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		go a.serveChannel(c, ch, creqs, dialect)
	}
}

// serveChannel answers a session channel's requests: a terminal, then a
// shell or one command.
func (a *Array) serveChannel(c net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request, dialect string) {
	defer ch.Close()
	s := &session{a: a, rw: ch, conn: c, dialect: dialect, rows: 24}
	pty := false
	s.echo = func() bool { return pty }
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			var p struct {
				Term                 string
				Cols, Rows, PxW, PxH uint32
				Modes                string
			}
			if ssh.Unmarshal(req.Payload, &p) != nil {
				_ = req.Reply(false, nil)
				continue
			}
			pty = true
			if p.Rows > 0 {
				s.rows = int(p.Rows)
			}
			_ = req.Reply(true, nil)
		case "window-change", "env":
			_ = req.Reply(true, nil)
		case "shell":
			_ = req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			s.banner()
			s.cli()
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			return
		case "exec":
			var p struct{ Command string }
			if ssh.Unmarshal(req.Payload, &p) != nil {
				_ = req.Reply(false, nil)
				continue
			}
			_ = req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			s.banner()
			// As scripts use it: several commands separated by ';'.
			for _, cmd := range strings.Split(p.Command, ";") {
				cmd = strings.Join(strings.Fields(cmd), " ")
				if cmd == "" {
					continue
				}
				a.count(func(st *Stats) { st.Commands++ })
				out, quit := s.exec(cmd)
				s.pause(true)
				if s.output(out) != nil || quit {
					break
				}
			}
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// banner is what a CLI prints once logged in.
func (s *session) banner() {
	switch s.dialect {
	case DialectONTAP:
		_ = s.write("\nLast login time: " + s.a.cfg.Now().Format("01/02/2006 15:04:05") + "\n")
	case DialectMSA:
		_ = s.write("\nHP StorageWorks MSA Storage\nSystem Name: " + s.a.cfg.Hostname + "\n\n")
	}
}
