package kdc

import (
	"testing"
)

func TestKDCIssuesTickets(t *testing.T) {
	t.Parallel()
	k := StartForTest(t, "CORP.EXAMPLE.COM")
	if err := k.AddUser("winfs-admin", "S3cret-pass"); err != nil {
		t.Fatal(err)
	}
	tab := k.ServiceKeytabForTest(t, "HTTP/fs1.corp.example.com")
	cl := k.PasswordClientForTest(t, "winfs-admin", "S3cret-pass")
	if err := cl.Login(); err != nil {
		t.Fatalf("login: %v\n%s", err, k.Log())
	}
	tkt, _, err := cl.GetServiceTicket("HTTP/fs1.corp.example.com")
	if err != nil {
		t.Fatalf("service ticket: %v", err)
	}
	if err := tkt.DecryptEncPart(tab, nil); err != nil {
		t.Fatalf("the service's keytab does not open the ticket: %v", err)
	}
	bad := k.PasswordClientForTest(t, "winfs-admin", "wrong")
	if err := bad.Login(); err == nil {
		t.Fatal("a wrong password logged in")
	} else {
		t.Logf("wrong password: %v", err)
	}
}
