package dnsupdate

import (
	"context"
	"strings"
	"testing"
)

func TestCNAMEOwnersByZoneTransfer(t *testing.T) {
	s, z, _ := labServer(t)
	ctx := context.Background()
	if err := z.Seed("web 300 IN CNAME server2", "Docs.Team 300 IN CNAME files"); err != nil {
		t.Fatal(err)
	}
	c, _ := New(Config{Server: s.Addr(), Key: testKey})
	owners, err := c.CNAMEOwners(ctx, "CORP.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(owners, " "); got != "docs.team.corp.example.com. files.corp.example.com. web.corp.example.com." {
		t.Fatalf("owners: %s", got)
	}
	unsigned, _ := New(Config{Server: s.Addr()})
	if _, err := unsigned.CNAMEOwners(ctx, "corp.example.com"); err == nil || !strings.Contains(err.Error(), "AXFR") {
		t.Fatalf("an unsigned transfer must be refused: %v", err)
	}
	if _, err := c.CNAMEOwners(ctx, "other.example.com"); err == nil {
		t.Fatal("a zone the server does not hold must fail")
	}
}
