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

// terraformCLI runs the terraform binary itself on config, with the provider
// served from this process (as terraform-plugin-testing does), for what the
// testing framework does not expose: warnings. It returns run, which fails
// the test when terraform exits non-zero.
func terraformCLI(t *testing.T, config string) func(args ...string) string {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH")
	}
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		_ = tf6server.Serve("registry.terraform.io/winfs/winfs", providerserver.NewProtocol6(New("test")()),
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithoutLogStderrOverride(),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
		}
	})
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
	config = "terraform {\n  required_providers {\n    winfs = { source = \"winfs/winfs\" }\n  }\n}\n" + config
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
	return run
}

// TestAccServerStatus_checkWarning: a failing check block is a warning
// that names the assertion, and the apply succeeds.
func TestAccServerStatus_checkWarning(t *testing.T) {
	requireAcc(t)
	l := statusLab(t)
	mustFault(t, l, lab.FaultRequest{Server: "server2", Kind: "unreachable"})
	defer l.ClearFaults()
	run := terraformCLI(t, providerBlock(l, providerOpts{dns: "rfc2136"})+`
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
	out := run("apply", "-no-color", "-input=false", "-auto-approve")
	for _, want := range []string{"Warning: Check block assertion failed", `server2 is not serving \\files: reachable=false, alias ->`, "Apply complete!"} {
		if !strings.Contains(out, want) {
			t.Errorf("the apply output lacks %q:\n%s", want, out)
		}
	}
}

// TestAccServerStatus_example: the documented checks pass on the estate as
// the initial estate (server1 active), and the standby check fails once
// server2 mounts a volume.
func TestAccServerStatus_example(t *testing.T) {
	requireAcc(t)
	l := statusLab(t)
	example, err := os.ReadFile("../../examples/data-sources/winfs_server_status/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	run := terraformCLI(t, providerBlock(l, providerOpts{dns: "rfc2136"})+string(example))
	out := run("apply", "-no-color", "-input=false", "-auto-approve")
	if strings.Contains(out, "Warning") || !strings.Contains(out, "Apply complete!") {
		t.Fatalf("the example's checks must pass on the initial estate:\n%s", out)
	}
	out = run("plan", "-no-color", "-input=false", "-var", "active=server2")
	for _, want := range []string{`check "active_serves_files"`, `check "standby_is_idle"`, "is not fully served by server2", `The standby mounts ["X:","Y:"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("with active = server2 the plan output lacks %q:\n%s", want, out)
		}
	}
}
