package winrm_test

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab/pki"
	lab "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

func TestBasicOverHTTP(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	runGreet(t, basicClient(t, f.endpoint(), testUser, testPassword))
}

func TestNTLMOverHTTP(t *testing.T) {
	f := startLab(t, lab.Config{Username: `LAB\administrator`, Password: testPassword}, nil)
	for _, user := range []string{"Administrator", `LAB\Administrator`, "administrator@lab.example"} {
		c := ntlmClient(t, f.endpoint(), user, testPassword)
		// No stdin: a concurrent Send would open a second connection, whose handshake
		// legs go.ntlmssp may spread over two pooled connections (HTTP.sys, like the
		// lab, then refuses the type-3 message). Counting legs needs one connection.
		stdout, _, code, err := c.RunCmdWithContext(testContext(t), "greet ntlm")
		if err != nil || stdout != "hello ntlm|\r\n" || code != 3 {
			t.Fatalf("%s: stdout %q code %d err %v", user, stdout, code, err)
		}
	}
	runGreet(t, ntlmClient(t, f.endpoint(), testUser, testPassword))
	// The handshake authenticates the connection: requests that reuse it (Command,
	// Signal, Delete after Create) go through in one leg instead of three.
	for _, action := range []string{"Command", "Signal", "Delete"} {
		if n := f.stats.get("http_request " + action); n < 4 || n > 6 {
			t.Errorf("%d HTTP requests for 4 %s: connection authentication not kept", n, action)
		}
	}
	if n := f.stats.get("http_request Create"); n != 12 {
		t.Errorf("%d HTTP requests for 4 Create, want 3 legs each", n)
	}
}

func TestBasicOverHTTPSWithLabCA(t *testing.T) {
	ca, err := pki.NewCA("winfs lab CA")
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := ca.ServerTLSConfig("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	f := startLab(t, lab.Config{}, tlsCfg)
	ep := f.endpoint()
	ep.HTTPS, ep.CACert = true, ca.CertPEM()
	runGreet(t, basicClient(t, ep, testUser, testPassword))

	// Without the lab CA the certificate is not trusted.
	ep2 := f.endpoint()
	ep2.HTTPS = true
	_, _, _, err = basicClient(t, ep2, testUser, testPassword).RunCmdWithContext(testContext(t), "greet x")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate accepted: %v", err)
	}
}

func TestWrongPasswordIsRefusedWithoutEchoingIt(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	const wrong = "not-the-Password-42"
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"basic", func() error {
			_, _, _, err := basicClient(t, f.endpoint(), testUser, wrong).RunCmdWithContext(testContext(t), "greet x")
			return err
		}},
		{"ntlm", func() error {
			_, _, _, err := ntlmClient(t, f.endpoint(), testUser, wrong).RunCmdWithContext(testContext(t), "greet x")
			return err
		}},
		{"ntlm wrong user", func() error {
			_, _, _, err := ntlmClient(t, f.endpoint(), "Guest", testPassword).RunCmdWithContext(testContext(t), "greet x")
			return err
		}},
	} {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: wrong credentials accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), "401") {
			t.Errorf("%s: error does not report 401: %v", tc.name, err)
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), testPassword) {
			t.Errorf("%s: error echoes a password: %v", tc.name, err)
		}
	}
	if n := f.stats.get("command_start"); n != 0 {
		t.Errorf("%d commands started without authentication", n)
	}
}

func TestDisabledSchemesAreRefused(t *testing.T) {
	noBasic := startLab(t, lab.Config{DisableBasic: true}, nil)
	if _, _, _, err := basicClient(t, noBasic.endpoint(), testUser, testPassword).RunCmdWithContext(testContext(t), "greet x"); err == nil {
		t.Error("Basic accepted with DisableBasic")
	}
	runGreet(t, ntlmClient(t, noBasic.endpoint(), testUser, testPassword))

	noNTLM := startLab(t, lab.Config{DisableNTLM: true}, nil)
	if _, _, _, err := ntlmClient(t, noNTLM.endpoint(), testUser, testPassword).RunCmdWithContext(testContext(t), "greet x"); err == nil {
		t.Error("NTLM accepted with DisableNTLM")
	}
	runGreet(t, basicClient(t, noNTLM.endpoint(), testUser, testPassword))
}
