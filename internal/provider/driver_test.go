package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
)

// TestAccDriverServesTheProviderOrStartsTheBinary: the terraform driver
// reattaches to a provider served in the test process for a plain command,
// and starts the binary for a command with an environment of its own. The
// "binary" here only leaves a mark and fails, so each path shows.
func TestAccDriverServesTheProviderOrStartsTheBinary(t *testing.T) {
	l := parallelAccLab(t)
	dir := t.TempDir()
	mark := filepath.Join(dir, "started")
	bin := filepath.Join(dir, "terraform-provider-winfs")
	script := "#!/bin/sh\necho started > " + mark + "\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tf := acctest.NewTerraform(t, acctest.Provider{Bin: bin, Server: inProcessServer})
	tf.WriteConfig(acctest.ProviderBlock(l, acctest.ProviderOpts{}) +
		dwordConfig("v", "server1", `HKLM\`+testKeyRoot+`\driver`, "Timeout", "60"))

	if res := tf.Run("plan"); res.Code != 0 || res.Summary() == nil || res.Summary().Add != 1 {
		t.Fatalf("the plan with the provider served here: want 1 to add, got %s", res.Explain())
	}
	if _, err := os.Stat(mark); !os.IsNotExist(err) {
		t.Fatalf("the binary was started for a plain command (%v)", err)
	}

	if res := tf.RunEnv([]string{"WINFS_DRIVER_TEST=1"}, "plan"); res.Code == 0 {
		t.Fatalf("the plan with an environment of its own succeeded without the binary: %s", res.Explain())
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("a command with an environment of its own did not start the binary: %v", err)
	}
}
