package array

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The stock OpenSSH client logs in to the lab array's clustershell: with
// a key, running one command (exec), and with a password in an
// interactive shell driven by expect, where the pager shows and is
// turned off as on a cluster. A wrong host key makes it refuse.

func requireSSHTools(t *testing.T, tools ...string) {
	t.Helper()
	requireTools(t, "openssh-client expect", "a stock SSH client can use the lab array", tools...)
}

func newSSHTestArray(t *testing.T, password string) (*Array, string, string) {
	t.Helper()
	a := New(Config{Username: "root", Password: password})
	a.AddIGroup(IGroup{Name: "server1", Host: "server1", Initiators: []string{"iqn.1991-05.com.microsoft:server1.corp.example.com"}})
	for i := 0; i < 6; i++ {
		p := fmt.Sprintf("/vol/vol1/files_%d", i)
		a.AddLUN(LUN{Path: p, Serial: fmt.Sprintf("P3OoG4WVLmC%d", i), Size: 1 << 30})
		if _, err := a.Map(p, "server1", i); err != nil {
			t.Fatal(err)
		}
	}
	addr, err := a.ListenSSH("127.0.0.1:0", DialectONTAP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	_, port, _ := strings.Cut(addr.String(), ":")
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr.String())}, a.HostKey())
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return a, port, kh
}

// sshArgs are the options that keep the user's own configuration and
// agent out of the test.
func sshArgs(port, knownHosts string) []string {
	return []string{"-F", "/dev/null", "-p", port, "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentityAgent=none", "-o", "ConnectTimeout=5"}
}

func TestStockSSHClientKeyExec(t *testing.T) {
	requireSSHTools(t, "ssh")
	a, port, kh := newSSHTestArray(t, "unused-pw")
	key, pub, err := NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	a.AuthorizeKey(pub)
	run := func(knownHosts string, command string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		args := append(sshArgs(port, knownHosts), "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "root@127.0.0.1", command)
		cmd := exec.CommandContext(ctx, "ssh", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	out, err := run(kh, "rows 0; lun mapping show -vserver svm1 -fields lun-id")
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, out)
	}
	for _, want := range []string{"vserver path", "svm1    /vol/vol1/files_0 server1 0", "6 entries were displayed.", "Last login time:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A known_hosts entry with another key: OpenSSH refuses, and the
	// array sees no command.
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	otherKey, _ := ssh.NewPublicKey(other)
	bad := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(bad, []byte(knownhosts.Line([]string{knownhosts.Normalize("127.0.0.1:" + port)}, otherKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.ResetStats()
	out, err = run(bad, "lun mapping delete -vserver svm1 -path /vol/vol1/files_0 -igroup server1")
	if err == nil || !strings.Contains(out, "REMOTE HOST IDENTIFICATION HAS CHANGED") {
		t.Fatalf("ssh with a wrong known_hosts entry: %v\n%s", err, out)
	}
	if st := a.Stats(); st.Commands != 0 || len(a.Mappings()) != 6 {
		t.Fatalf("the array ran a command for a client that refused it: %+v", st)
	}
}

// The expect script: password login, a listing stopped by the pager (the
// default 24-row terminal expect gives ssh is shrunk to 4 rows), then
// rows 0 and the whole listing at once.
const sshExpectScript = `
set timeout 5
log_user 1
set stty_init "rows 4 cols 200"
eval spawn ssh $env(SSH_ARGS) -o PubkeyAuthentication=no -o PreferredAuthentications=password root@127.0.0.1
expect {
  timeout { puts "\nTIMEOUT waiting for the password prompt"; exit 2 }
  "password: "
}
send "$env(ARRAY_PASSWORD)\r"
expect {
  timeout { puts "\nTIMEOUT waiting for the prompt"; exit 2 }
  "Permission denied" { exit 3 }
  "cluster1::> "
}
send "lun mapping show\r"
expect {
  timeout { puts "\nTIMEOUT waiting for the pager"; exit 2 }
  "Press <space> to page down, <return> for next line, or 'q' to quit..."
}
send "q"
expect "cluster1::> "
send "rows 0\r"
expect "cluster1::> "
send "lun mapping show -fields lun-id\r"
expect {
  timeout { puts "\nTIMEOUT waiting for the table"; exit 2 }
  "Press <space>" { puts "\nPAGED after rows 0"; exit 4 }
  -re "svm1 +/vol/vol1/files_0 +server1 +0"
}
expect "6 entries were displayed."
expect "cluster1::> "
send "frobnicate\r"
expect "is not a recognized command"
expect "cluster1::> "
send "exit\r"
expect eof
`

func TestStockSSHClientPasswordShell(t *testing.T) {
	requireSSHTools(t, "ssh", "expect")
	const password = "lab-pw$1"
	a, port, kh := newSSHTestArray(t, password)
	out := runExpect(t, "expect + ssh", sshExpectScript, 30*time.Second, password, "SSH_ARGS="+strings.Join(sshArgs(port, kh), " "))
	if login := lastLogin(a); !strings.Contains(login, "over ssh (ontap, password)") {
		t.Errorf("login event %q", login)
	}
	t.Logf("ssh session:\n%s", out)
}
