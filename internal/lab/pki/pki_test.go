package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"testing"
)

func TestServerCertificateVerifiesAgainstExportedCA(t *testing.T) {
	ca, err := NewCA("winfs lab CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServer("127.0.0.1", "localhost", "fs01.corp.example")
	if err != nil {
		t.Fatal(err)
	}

	block, _ := pem.Decode(ca.CertPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CertPEM is not a PEM certificate")
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca.CertPEM()) {
		t.Fatal("exported PEM not accepted by a cert pool")
	}
	for _, name := range []string{"127.0.0.1", "localhost", "fs01.corp.example"} {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.example"}); err == nil {
		t.Error("certificate verified for a name it was not issued for")
	}

	other, _ := NewCA("another CA")
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: other.Pool()}); err == nil {
		t.Error("certificate verified against an unrelated CA")
	}
}

func TestTLSHandshakeWithServerTLSConfig(t *testing.T) {
	ca, err := NewCA("winfs lab CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerTLSConfig("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = c.Write([]byte("ok"))
		_ = c.Close()
	}()

	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got, _ := io.ReadAll(conn)
	if string(got) != "ok" {
		t.Fatalf("read %q", got)
	}
}
