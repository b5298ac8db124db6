package provider

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestAccServerStatus_checkWarning runs the terraform binary itself, with
// the provider served from this process (as terraform-plugin-testing does),
// because the testing framework does not expose warnings: a failing check
// block must be a warning that names the assertion, and the apply succeeds.
func TestAccServerStatus_checkWarning(t *testing.T) {
	requireAcc(t)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH")
	}
	l := statusLab(t)
	mustFault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	defer l.ClearFaults()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		_ = tf6server.Serve("registry.terraform.io/winfs/winfs", providerserver.NewProtocol6(New("test")()),
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithoutLogStderrOverride(),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(10 * time.Second):
		t.Fatal("the provider did not start")
	}
	info, _ := json.Marshal(map[string]any{"registry.terraform.io/winfs/winfs": map[string]any{
		"Protocol": rc.Protocol, "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": true,
		"Addr": map[string]string{"Network": rc.Addr.Network(), "String": rc.Addr.String()},
	}})

	dir := t.TempDir()
	config := "terraform {\n  required_providers {\n    winfs = { source = \"winfs/winfs\" }\n  }\n}\n" +
		providerBlock(l, providerOpts{dns: "rfc2136"}) + `
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
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(info), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("init", "-no-color", "-input=false")
	out := run("apply", "-no-color", "-input=false", "-auto-approve")
	for _, want := range []string{"Warning: Check block assertion failed", `server2 is not serving \\files: reachable=false, alias ->`, "Apply complete!"} {
		if !strings.Contains(out, want) {
			t.Errorf("the apply output lacks %q:\n%s", want, out)
		}
	}
	cancel()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
	}
}
