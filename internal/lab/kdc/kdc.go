// Package kdc runs a real MIT Kerberos KDC (Debian's krb5-kdc) for the lab:
// a realm database in a directory of its own, principals and keytabs made
// with kadmin.local, and krb5kdc in the foreground on loopback ports. The
// lab's WinRM listeners verify tickets it issued with the keytabs it wrote.
package kdc

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
)

// Programs the KDC needs: Debian installs them in /usr/sbin, which is not
// always on PATH.
var programs = []string{"krb5kdc", "kdb5_util", "kadmin.local"}

// Find locates the MIT programs; the error names the package to install.
func Find() (map[string]string, error) {
	found := map[string]string{}
	for _, p := range programs {
		path, err := exec.LookPath(p)
		if err != nil {
			if st, serr := os.Stat(filepath.Join("/usr/sbin", p)); serr == nil && !st.IsDir() {
				path, err = filepath.Join("/usr/sbin", p), nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s not found: install MIT Kerberos (Debian: apt-get install krb5-kdc krb5-admin-server)", p)
		}
		found[p] = path
	}
	return found, nil
}

// KDC is a running krb5kdc.
type KDC struct {
	Realm string
	Addr  string // 127.0.0.1:port, UDP and TCP
	// Krb5Conf is a krb5.conf naming this KDC for Realm, for clients.
	Krb5Conf string

	dir  string
	bins map[string]string
	env  []string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
}

// Start creates realm's database under dir (which must exist and be empty
// of a previous database) and starts the KDC. realm is upper case, as
// Active Directory's realms are.
func Start(dir, realm string) (*KDC, error) {
	bins, err := Find()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	k := &KDC{Realm: realm, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, bins: bins,
		Krb5Conf: filepath.Join(dir, "krb5.conf"), log: &bytes.Buffer{}, done: make(chan struct{})}
	kdcConf := filepath.Join(dir, "kdc.conf")
	// kdc_listen and kdc_tcp_listen (krb5 1.15+) keep the KDC on loopback;
	// max_life is AD's default ticket lifetime (10 hours).
	kdcText := fmt.Sprintf(`[kdcdefaults]
 kdc_listen = %[2]s
 kdc_tcp_listen = %[2]s
[realms]
 %[1]s = {
  database_name = %[3]s/principal
  key_stash_file = %[3]s/stash
  acl_file = %[3]s/kadm5.acl
  max_life = 10h 0m 0s
  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
 }
[logging]
 kdc = FILE:%[3]s/kdc.log
`, realm, k.Addr, dir)
	krbText := fmt.Sprintf(`[libdefaults]
 default_realm = %[1]s
 dns_lookup_kdc = false
 dns_lookup_realm = false
 udp_preference_limit = 1
[realms]
 %[1]s = {
  kdc = %[2]s
 }
`, realm, k.Addr)
	for name, text := range map[string]string{kdcConf: kdcText, k.Krb5Conf: krbText, filepath.Join(dir, "kadm5.acl"): ""} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			return nil, err
		}
	}
	k.env = append(os.Environ(), "KRB5_CONFIG="+k.Krb5Conf, "KRB5_KDC_PROFILE="+kdcConf)
	master := make([]byte, 24)
	if _, err := rand.Read(master); err != nil {
		return nil, err
	}
	// -s writes the stash file, so krb5kdc starts without asking for the
	// master password; the password itself is thrown away.
	if err := k.run("kdb5_util", "", "create", "-s", "-r", realm, "-P", hex.EncodeToString(master)); err != nil {
		return nil, err
	}
	k.cmd = exec.Command(bins["krb5kdc"], "-n", "-r", realm)
	k.cmd.Env = k.env
	k.cmd.Stdout, k.cmd.Stderr = k.log, k.log
	if err := k.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting krb5kdc: %w", err)
	}
	go func() { _ = k.cmd.Wait(); close(k.done) }()
	if err := k.waitListening(10 * time.Second); err != nil {
		k.Stop()
		return nil, err
	}
	return k, nil
}

// AddUser creates principal (name@REALM) with password. Like Active
// Directory, the KDC requires pre-authentication, so a wrong password is
// refused by the KDC itself (KDC_ERR_PREAUTH_FAILED).
func (k *KDC) AddUser(name, password string) error {
	// kadmin.local reads the password twice from standard input when -pw is
	// absent, which keeps it off the process list.
	return k.run("kadmin.local", password+"\n"+password+"\n", "-r", k.Realm, "-q",
		"addprinc +requires_preauth "+name+"@"+k.Realm)
}

// AddService creates a service principal (e.g. HTTP/fs1.corp.example.com)
// with a random key and adds its keys to the keytab file kt.
func (k *KDC) AddService(spn, kt string) error {
	p := spn + "@" + k.Realm
	if err := k.run("kadmin.local", "", "-r", k.Realm, "-q", "addprinc -randkey "+p); err != nil {
		return err
	}
	return k.run("kadmin.local", "", "-r", k.Realm, "-q", "ktadd -k "+kt+" "+p)
}

// ServiceKeytab adds the service principals spns with their keys in the
// keytab file kt (AddService), then reads the file back: the keys a host
// joined to the realm holds.
func (k *KDC) ServiceKeytab(kt string, spns ...string) (*keytab.Keytab, error) {
	for _, spn := range spns {
		if err := k.AddService(spn, kt); err != nil {
			return nil, err
		}
	}
	raw, err := os.ReadFile(kt)
	if err != nil {
		return nil, err
	}
	tab := keytab.New()
	if err := tab.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("keytab: %w", err)
	}
	return tab, nil
}

// Keytab writes the current keys of an existing principal to kt without
// changing them (a user's keytab for password-less logins).
func (k *KDC) Keytab(principal, kt string) error {
	return k.run("kadmin.local", "", "-r", k.Realm, "-q", "ktadd -k "+kt+" -norandkey "+principal+"@"+k.Realm)
}

// Log is what krb5kdc printed and logged so far, for failing tests.
func (k *KDC) Log() string {
	b, _ := os.ReadFile(filepath.Join(k.dir, "kdc.log"))
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log.String() + string(b)
}

// Stop ends krb5kdc and waits for it.
func (k *KDC) Stop() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	_ = k.cmd.Process.Kill()
	<-k.done
}

func (k *KDC) run(prog, stdin string, args ...string) error {
	cmd := exec.Command(k.bins[prog], args...)
	cmd.Env = k.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	// kadmin.local -q exits 0 even when the query failed; its messages do
	// not repeat passwords.
	if err == nil && prog == "kadmin.local" && bytes.Contains(out, []byte("while ")) {
		err = errors.New("query failed")
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", prog, args[len(args)-1], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// waitListening waits until the KDC accepts TCP connections on its port.
func (k *KDC) waitListening(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-k.done:
			return fmt.Errorf("krb5kdc exited: %s", k.Log())
		default:
		}
		if c, err := net.DialTimeout("tcp", k.Addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("krb5kdc did not listen on %s within %v: %s", k.Addr, limit, k.Log())
}

// freePort finds a port free for both TCP and UDP on loopback.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free loopback port for the KDC")
}
