package kdc

import (
	"os"
	"testing"
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
