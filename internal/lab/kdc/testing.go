package kdc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// StartForTest starts a KDC for t and stops it when t ends. Without the MIT
// programs the test is skipped with the reason, except with CI=true, where
// a missing peer is a failure.
func StartForTest(t testing.TB, realm string) *KDC {
	t.Helper()
	Require(t)
	k, err := Start(t.TempDir(), realm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	return k
}

// Require skips t without the MIT programs (fails it with CI=true), for
// tests that start a KDC indirectly (a lab with Kerberos).
func Require(t testing.TB) {
	t.Helper()
	if _, err := Find(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs the real KDC: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

// ServiceKeytabForTest is ServiceKeytab in a file of t's own, failing t on
// an error.
func (k *KDC) ServiceKeytabForTest(t testing.TB, spns ...string) *keytab.Keytab {
	t.Helper()
	tab, err := k.ServiceKeytab(filepath.Join(t.TempDir(), "service.keytab"), spns...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// PasswordClientForTest is a client of user in the realm, configured by
// the KDC's krb5.conf, with the settings the provider uses against Active
// Directory (no FAST, pre-authentication assumed).
func (k *KDC) PasswordClientForTest(t testing.TB, user, password string) *client.Client {
	t.Helper()
	cfg, err := config.Load(k.Krb5Conf)
	if err != nil {
		t.Fatal(err)
	}
	return client.NewWithPassword(user, k.Realm, password, cfg, client.DisablePAFXFAST(true), client.AssumePreAuthentication(true))
}
