package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestAccSANPasswordNeverLeaks: an array that echoes the password as it is
// typed and repeats it when it refuses a login. With passwords full of
// quotes, backslashes and non-ASCII letters, neither terraform's output nor
// its TRACE log (terraform's and the provider's) nor the state shows the
// password, raw or escaped.
func TestAccSANPasswordNeverLeaks(t *testing.T) {
	requireAcc(t)
	for i, pw := range []string{`q"uo'te\back\\slash`, "mot-de-passe-é€ü-\"\\"} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			l, err := lab.Start(lab.Options{SANPassword: pw})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Close)
			lun := accLUN(t, l, "secret")
			tf := newTFConfig(t, mappingConfig(l, lun.Path, "server1", ""))
			forms := []string{pw, strings.Trim(fmt.Sprintf("%q", pw), `"`), strings.Trim(fmt.Sprintf("%+q", pw), `"`)}
			leaks := func(what, text string) {
				t.Helper()
				for _, f := range forms {
					if strings.Contains(text, f) {
						t.Fatalf("%s shows the password (as %q)", what, f)
					}
				}
			}
			traced := func(faults ...lab.FaultRequest) (int, string) {
				l.ClearFaults()
				for _, f := range faults {
					if err := l.InjectFault(f); err != nil {
						t.Fatal(err)
					}
				}
				logFile := filepath.Join(t.TempDir(), "trace.log")
				res, err := tf.cli.Run(context.Background(), tf.dir, []string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logFile}, "apply", "-auto-approve", "-no-color")
				if err != nil {
					t.Fatal(err)
				}
				log, err := os.ReadFile(logFile)
				if err != nil || len(log) == 0 {
					t.Fatalf("no TRACE log: %v", err)
				}
				leaks("terraform's output", res.Output)
				leaks("the TRACE log", string(log))
				return res.Code, res.Output
			}
			echo := lab.FaultRequest{Target: lab.TargetArray, Kind: "echo_password"}
			code, out := traced(echo, lab.FaultRequest{Target: lab.TargetArray, Kind: "login_refused"})
			if code == 0 || !spaced("refused the login", "password ********").MatchString(out) {
				t.Fatalf("want the refused login reported with the echoed password masked, got exit %d:\n%s", code, out)
			}
			if code, out := traced(echo); code != 0 {
				t.Fatalf("apply against the echoing array failed (exit %d):\n%s", code, out)
			}
			state, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate"))
			if err != nil {
				t.Fatal(err)
			}
			leaks("the state", string(state))
			l.ClearFaults()
			tf.run("destroy", "-auto-approve")
		})
	}
}
