package provider

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/san"
)

// TestRefusalOffersTwoWaysWithOneOr: the takeover refusal lists two ways
// out joined by one "or".
func TestRefusalOffersTwoWaysWithOneOr(t *testing.T) {
	msg := refusal("/vol/vol1/files_x", "server2", []san.Mapping{{LUN: "/vol/vol1/files_x", IGroup: "server1", ID: 0}}, false)
	if n := strings.Count(msg, " or\n") + strings.Count(msg, "- or "); n != 1 {
		t.Fatalf("want one \"or\" between the two ways, got %d:\n%s", n, msg)
	}
	if !strings.Contains(msg, "  - set takeover = true") || !strings.Contains(msg, "  - bring the existing mapping under Terraform") {
		t.Fatalf("the two ways:\n%s", msg)
	}
}
