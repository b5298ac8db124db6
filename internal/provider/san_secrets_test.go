package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

// TestAccSANPasswordNeverLeaks: an array that echoes the password as it is
// typed and repeats it when it refuses a login. With passwords full of
// quotes, backslashes and non-ASCII letters, neither terraform's output nor
// its TRACE log (terraform's and the provider's) nor the state shows the
// password, raw or escaped.
func TestAccSANPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	acctest.RequireAcc(t)
	for i, pw := range []string{`q"uo'te\back\\slash`, "mot-de-passe-é€ü-\"\\"} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := acctest.StartLab(t, lab.Options{SANPassword: pw})
			lun := accLUN(t, l, "secret")
			tf := mappingDir(t, l, lun.Path, "server1")
			forms := []string{pw, strings.Trim(fmt.Sprintf("%q", pw), `"`), strings.Trim(fmt.Sprintf("%+q", pw), `"`)}
			leaks := func(what, text string) {
				t.Helper()
				for _, f := range forms {
					if strings.Contains(text, f) {
						t.Fatalf("%s shows the password (as %q)", what, f)
					}
				}
			}
			traced := func(faults ...lab.FaultRequest) acctest.Result {
				l.ClearFaults()
				for _, f := range faults {
					if err := l.InjectFault(f); err != nil {
						t.Fatal(err)
					}
				}
				logFile := filepath.Join(t.TempDir(), "trace.log")
				res := tf.RunEnv([]string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logFile}, "apply", "-auto-approve")
				log, err := os.ReadFile(logFile)
				if err != nil || len(log) == 0 {
					t.Fatalf("no TRACE log: %v", err)
				}
				leaks("terraform's output", res.Output)
				leaks("the TRACE log", string(log))
				return res
			}
			echo := lab.FaultRequest{Target: lab.TargetArray, Kind: "echo_password"}
			res := traced(echo, lab.FaultRequest{Target: lab.TargetArray, Kind: "login_refused"})
			if res.Code == 0 || !res.HasDiagnostic("error", "", "refused the login", "password ********") {
				t.Fatalf("want the refused login reported with the echoed password masked, got %s", res.Explain())
			}
			if res := traced(echo); res.Code != 0 {
				t.Fatalf("apply against the echoing array failed: %s", res.Explain())
			}
			state, err := os.ReadFile(filepath.Join(tf.Dir, "terraform.tfstate"))
			if err != nil {
				t.Fatal(err)
			}
			leaks("the state", string(state))
			l.ClearFaults()
			tf.Run("destroy", "-auto-approve")
		})
	}
}
