package san

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// startSSHArray serves dialect over SSH, with more mappings than a
// 24-row terminal shows, so that a pager that was not turned off shows.
func startSSHArray(t *testing.T, dialect string) (*array.Array, string) {
	t.Helper()
	a := newTestArray(t, func(a *array.Array) {
		for i := 0; i < 30; i++ {
			p := fmt.Sprintf("/vol/vol2/l%02d", i)
			a.AddLUN(array.LUN{Path: p, Serial: fmt.Sprintf("S%011d", i), Size: 1 << 30})
			if _, err := a.Map(p, "server1", i+10); err != nil {
				t.Fatal(err)
			}
		}
	})
	addr, err := a.ListenSSH("127.0.0.1:0", dialect)
	if err != nil {
		t.Fatal(err)
	}
	return a, addr.String()
}

func sshConfig(a *array.Array, addr string) Config {
	cfg := testConfig(addr)
	cfg.Transport = TransportSSH
	cfg.SSH.HostKey = a.HostKey()
	return cfg
}

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func logins(a *array.Array) int {
	n := 0
	for _, ev := range a.Timeline().Events() {
		if ev.Kind == "array.login" {
			n++
		}
	}
	return n
}

func TestClientONTAPOverSSH(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectONTAP)
	c := NewClient(sshConfig(a, addr), ONTAP{Vserver: "svm1"})
	defer c.Close()
	ctx := context.Background()
	maps, err := c.Mappings(ctx)
	if err != nil || len(maps) != 31 {
		t.Fatalf("mappings (31, past a terminal's 24 rows): %d %v", len(maps), err)
	}
	checkMapToServer2(ctx, t, a, c)
	// The clustershell's refusals come back verbatim.
	_, err = c.Map(ctx, "/vol/vol1/files_y", "server2", 5)
	var ae *ArrayError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "Error: command failed: LUN already mapped to this group") {
		t.Fatalf("second map: %v", err)
	}
	if err := c.Unmap(ctx, "/vol/vol1/files_y", "server2"); err != nil {
		t.Fatal(err)
	}
	if err := c.Unmap(ctx, "/vol/vol1/files_y", "server2"); !errors.As(err, &ae) || !strings.Contains(err.Error(), "There are no entries matching your query") {
		t.Fatalf("unmap of nothing: %v", err)
	}
	if _, err := c.Serial(ctx, "/vol/vol1/nope"); !errors.As(err, &ae) || !strings.Contains(err.Error(), "There are no entries matching your query") {
		t.Fatalf("unknown LUN: %v", err)
	}
	if n := logins(a); n != 1 {
		t.Errorf("%d logins; want one session", n)
	}
	// Another SVM holds nothing the client can see or change.
	other := NewClient(sshConfig(a, addr), ONTAP{Vserver: "svm2"})
	defer other.Close()
	if maps, err := other.Mappings(ctx); err != nil || len(maps) != 0 {
		t.Fatalf("svm2: %+v %v", maps, err)
	}
	if _, err := other.Map(ctx, "/vol/vol1/files_y", "server2", 3); err == nil || !strings.Contains(err.Error(), `Vserver "svm2" does not exist`) {
		t.Fatalf("map in svm2: %v", err)
	}
}

// noSetup is the ontap dialect without its session setup: the array's
// pager must then stop a long listing, and the client time out, not hang.
type noSetup struct{ ONTAP }

func (noSetup) SessionSetup() []string { return nil }

func TestClusterShellPagesWithoutRows0(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectONTAP)
	cfg := sshConfig(a, addr)
	cfg.Timeout = 500e6
	c := NewClient(cfg, noSetup{ONTAP{Vserver: "svm1"}})
	defer c.Close()
	_, err := c.Mappings(context.Background())
	// A listing only reads: its outcome is not "unknown", it timed out.
	if err == nil || !strings.Contains(err.Error(), "Press <space> to page down") || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("want a timeout at the pager prompt, got %v", err)
	}
}

func TestSSHKeyLoginAndWrongKey(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectONTAP)
	key := newKey(t)
	a.AuthorizeKey(key.PublicKey())
	cfg := sshConfig(a, addr)
	cfg.Password = ""
	cfg.SSH.Signer = key
	c := NewClient(cfg, ONTAP{Vserver: "svm1"})
	defer c.Close()
	if _, err := c.Map(context.Background(), "/vol/vol1/files_y", "server2", -1); err != nil {
		t.Fatalf("key login: %v", err)
	}
	before := a.Mappings()
	a.ResetStats()
	cfg.SSH.Signer = newKey(t)
	_, err := NewClient(cfg, ONTAP{Vserver: "svm1"}).Map(context.Background(), "/vol/vol1/files_y", "server1", -1)
	var le *LoginError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "refused the SSH login of user \"root\"") {
		t.Fatalf("wrong key: %v", err)
	}
	if st := a.Stats(); st.Commands != 0 || st.Logins != 0 || len(a.Mappings()) != len(before) {
		t.Fatalf("a refused login changed something: %+v", st)
	}
}

func TestSSHWrongPasswordHidden(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectMSA)
	cfg := sshConfig(a, addr)
	cfg.Password = "wrong-" + testPassword
	_, err := NewClient(cfg, msaDialect(t)).Mappings(context.Background())
	var le *LoginError
	if !errors.As(err, &le) || strings.Contains(err.Error(), cfg.Password) || strings.Contains(err.Error(), testPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestSSHHostKeyMismatchRefused(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectONTAP)
	impostor := newKey(t).PublicKey()
	cfg := sshConfig(a, addr)
	cfg.SSH.HostKey = impostor
	_, err := NewClient(cfg, ONTAP{Vserver: "svm1"}).Map(context.Background(), "/vol/vol1/files_y", "server2", -1)
	var he *HostKeyError
	if !errors.As(err, &he) {
		t.Fatalf("want a HostKeyError, got %v", err)
	}
	for _, want := range []string{ssh.FingerprintSHA256(a.HostKey()), ssh.FingerprintSHA256(impostor), "san.host_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if st := a.Stats(); st.Logins != 0 || st.Commands != 0 {
		t.Fatalf("the client authenticated to an unverified host: %+v", st)
	}

	// known_hosts: the right line lets us in; a stale line is refused with
	// both keys and the line number.
	dir := t.TempDir()
	good, stale := filepath.Join(dir, "good"), filepath.Join(dir, "stale")
	host := knownhosts.Normalize(addr)
	if err := os.WriteFile(good, []byte(knownhosts.Line([]string{host}, a.HostKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("# old key\n"+knownhosts.Line([]string{host}, impostor)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.SSH = SSHConfig{KnownHostsFile: good}
	c := NewClient(cfg, ONTAP{Vserver: "svm1"})
	defer c.Close()
	if _, err := c.Mappings(context.Background()); err != nil {
		t.Fatalf("known_hosts with the array's key: %v", err)
	}
	cfg.SSH = SSHConfig{KnownHostsFile: stale}
	_, err = NewClient(cfg, ONTAP{Vserver: "svm1"}).Mappings(context.Background())
	if !errors.As(err, &he) || !strings.Contains(err.Error(), ssh.FingerprintSHA256(impostor)+" (line 2)") ||
		!strings.Contains(err.Error(), ssh.FingerprintSHA256(a.HostKey())) {
		t.Fatalf("stale known_hosts: %v", err)
	}
	// Nothing configured: refused before connecting.
	cfg.SSH = SSHConfig{}
	if _, err := NewClient(cfg, ONTAP{Vserver: "svm1"}).Mappings(context.Background()); err == nil || !strings.Contains(err.Error(), "san.host_key or san.known_hosts_file") {
		t.Fatalf("no host key: %v", err)
	}
	// Unless the check is explicitly off.
	cfg.SSH = SSHConfig{InsecureIgnoreHostKey: true}
	c2 := NewClient(cfg, ONTAP{Vserver: "svm1"})
	defer c2.Close()
	if _, err := c2.Mappings(context.Background()); err != nil {
		t.Fatalf("insecure_ignore_host_key: %v", err)
	}
}

func TestClientGenericMSAOverSSH(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectMSA)
	c := NewClient(sshConfig(a, addr), msaDialect(t))
	defer c.Close()
	ctx := context.Background()
	m, err := c.Map(ctx, "files_y", "server2", -1)
	if err != nil || m.ID != 0 {
		t.Fatalf("map: %+v %v", m, err)
	}
	if s, err := c.Serial(ctx, "files_y"); err != nil || s != "P3OoG4WVLmC1" {
		t.Fatalf("serial %q %v", s, err)
	}
	if maps, err := c.Mappings(ctx); err != nil || len(maps) != 32 {
		t.Fatalf("mappings %d %v", len(maps), err)
	}
}

func TestSSHSessionCutAfterCommand(t *testing.T) {
	a, addr := startSSHArray(t, array.DialectONTAP)
	c := NewClient(sshConfig(a, addr), ONTAP{Vserver: "svm1"})
	defer c.Close()
	ctx := context.Background()
	a.SetFaults(array.Faults{CutNext: 1, CutCommand: "lun mapping create"})
	if _, err := c.Map(ctx, "/vol/vol1/files_y", "server2", -1); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("want ErrOutcomeUnknown, got %v", err)
	}
	maps, err := c.MappingsOf(ctx, "/vol/vol1/files_y")
	if err != nil || len(maps) != 1 || maps[0].IGroup != "server2" {
		t.Fatalf("after the cut: %+v %v", maps, err)
	}
}

func TestParseFieldsTable(t *testing.T) {
	out := "vserver   path               serial\n--------- ------------------ ------------\nSVM_SAN_P /vol/LUN01_P/LUN01 wOj7N$QPt5OO\n\n"
	rows, err := ParseFieldsTable("lun show -fields serial", out, "serial", "path")
	if err != nil || len(rows) != 1 || rows[0][0] != "wOj7N$QPt5OO" || rows[0][1] != "/vol/LUN01_P/LUN01" {
		t.Fatalf("%q %v", rows, err)
	}
	two := "vserver path igroup lun-id\n------- ---- ------ ------\nsvm1 /vol/v/a g1 0\nsvm1 /vol/v/b g1 1\n\n2 entries were displayed.\n"
	if rows, err := ParseFieldsTable("x", two, "lun-id"); err != nil || len(rows) != 2 || rows[1][0] != "1" {
		t.Fatalf("%q %v", rows, err)
	}
	if rows, err := ParseFieldsTable("x", "There are no entries matching your query.\n", "lun-id"); err != nil || rows != nil {
		t.Fatalf("no entries: %q %v", rows, err)
	}
	for _, bad := range []string{
		`Error: "lun" is not a recognized command`,
		"vserver path\n------- ----\nsvm1 /vol/v/a extra\n",
		"vserver path\nsvm1 /vol/v/a\n",
		"vserver path\n------- ----\nsvm1 /vol/v/a\n", // no lun-id column
	} {
		if _, err := ParseFieldsTable("x", bad, "path", "lun-id"); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if !clusterPrompt.MatchString("cluster1::> ") || !clusterPrompt.MatchString("cluster1::*> ") || clusterPrompt.MatchString("filer1> ") {
		t.Error("prompt pattern")
	}
}
