package tfcli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCopyConfigAndRun(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "work")
	if err := os.WriteFile(filepath.Join(src, "main.tf"), []byte("output \"x\" {\n  value = 42\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "notes.txt"), []byte("not copied"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyConfig(src, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "notes.txt")); err == nil {
		t.Fatal("only *.tf files are copied")
	}
	if err := CopyConfig(t.TempDir(), dst); err == nil {
		t.Fatal("a directory without configuration is an error")
	}
	if _, err := exec.LookPath(Binary()); err != nil {
		t.Skip("terraform is not on PATH")
	}
	cli, err := New("", filepath.Join(t.TempDir(), "bin", "terraform-provider-winfs"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := cli.Run(context.Background(), dst, nil, "apply", "-auto-approve", "-no-color")
	if err != nil || res.Code != 0 || !strings.Contains(res.Output, "x = 42") {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	res, err = cli.Run(context.Background(), dst, nil, "plan", "-detailed-exitcode", "-no-color", "-var", "nope=1")
	if err != nil || res.Code != 1 {
		t.Fatalf("a failing command is a Result with its exit code, not an error: %+v, %v", res, err)
	}
}
