package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildProvider builds the provider from the repository at root into
// dir/terraform-provider-winfs and returns that path.
func BuildProvider(root, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "terraform-provider-winfs")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	return bin, nil
}
