package kdc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

func TestKDCIssuesTickets(t *testing.T) {
	t.Parallel()
	k := StartForTest(t, "CORP.EXAMPLE.COM")
	if err := k.AddUser("winfs-admin", "S3cret-pass"); err != nil {
		t.Fatal(err)
	}
	kt := filepath.Join(t.TempDir(), "fs1.keytab")
	if err := k.AddService("HTTP/fs1.corp.example.com", kt); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(k.Krb5Conf)
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword("winfs-admin", k.Realm, "S3cret-pass", cfg, client.DisablePAFXFAST(true), client.AssumePreAuthentication(true))
	if err := cl.Login(); err != nil {
		t.Fatalf("login: %v\n%s", err, k.Log())
	}
	tkt, _, err := cl.GetServiceTicket("HTTP/fs1.corp.example.com")
	if err != nil {
		t.Fatalf("service ticket: %v", err)
	}
	b, err := os.ReadFile(kt)
	if err != nil {
		t.Fatal(err)
	}
	tab := keytab.New()
	if err := tab.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if err := tkt.DecryptEncPart(tab, nil); err != nil {
		t.Fatalf("the service's keytab does not open the ticket: %v", err)
	}
	bad := client.NewWithPassword("winfs-admin", k.Realm, "wrong", cfg, client.DisablePAFXFAST(true), client.AssumePreAuthentication(true))
	if err := bad.Login(); err == nil {
		t.Fatal("a wrong password logged in")
	} else {
		t.Logf("wrong password: %v", err)
	}
}
