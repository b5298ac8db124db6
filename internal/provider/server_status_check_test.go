package provider

import (
	"os"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// statusTerraform is a terraform working directory holding config.
func statusTerraform(t *testing.T, config string) *acctest.Terraform {
	t.Helper()
	tf := acctest.NewTerraform(t, providerBin)
	tf.WriteConfig(config)
	return tf
}

// TestAccServerStatus_checkWarning: a failing check block is a warning
// that names the assertion, and the apply succeeds.
func TestAccServerStatus_checkWarning(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	acctest.Fault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	defer l.ClearFaults()
	tf := statusTerraform(t, acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"})+`
check "active_serves_files" {
  data "winfs_server_status" "active" {
    server = "server2"
    alias  = "files"
    zone   = "corp.example.com"
  }
  assert {
    condition     = data.winfs_server_status.active.reachable && data.winfs_server_status.active.serves_alias
    error_message = "server2 is not serving \\\\files: reachable=${data.winfs_server_status.active.reachable}, alias -> ${coalesce(data.winfs_server_status.active.alias_target, "?")}"
  }
}
`)
	res := tf.Apply()
	if !res.HasDiagnostic("warning", "Check block assertion failed", `server2 is not serving \\files: reachable=false, alias ->`) {
		t.Errorf("the apply lacks the check's warning: %s", res.Explain())
	}
}

// TestAccServerStatus_example: the documented checks pass on the estate as
// set up by hand (server1 active), and the standby check fails once
// server2 mounts a volume.
func TestAccServerStatus_example(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	l := statusLab(t)
	example, err := os.ReadFile("../../examples/data-sources/winfs_server_status/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	tf := statusTerraform(t, acctest.ProviderBlock(l, acctest.ProviderOpts{DNS: "rfc2136"})+string(example))
	res := tf.Apply()
	if len(res.Diagnostics("")) != 0 {
		t.Fatalf("the example's checks must pass on the estate as set up by hand: %s", res.Explain())
	}
	if failed := acctest.FailedChecks(tf.Plan()); len(failed) != 0 {
		t.Fatalf("with active = server1 no check may fail: %v", failed)
	}
	failed := acctest.FailedChecks(tf.Plan("-var", "active=server2"))
	want := map[string]string{
		"check.active_serves_files": "is not fully served by server2",
		"check.standby_is_idle":     `The standby mounts ["X:","Y:"]`,
	}
	for check, text := range want {
		if msgs := failed[check]; len(msgs) != 1 || !strings.Contains(msgs[0], text) {
			t.Errorf("with active = server2, %s must fail with %q; the failed checks: %v", check, text, failed)
		}
	}
	if len(failed) != len(want) {
		t.Errorf("with active = server2, want exactly %d failed checks, got %v", len(want), failed)
	}
}
