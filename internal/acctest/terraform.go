package acctest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/tfcli"
)

// BuildProvider builds the provider binary from the module at root into a
// temporary directory; call it once per test package, from TestMain, and
// remove the returned directory when the tests are done.
func BuildProvider(root string) (bin, dir string, err error) {
	dir, err = os.MkdirTemp("", "winfs-provider-bin")
	if err != nil {
		return "", "", err
	}
	bin, err = tfcli.BuildProvider(root, dir)
	return bin, dir, err
}

// Terraform drives the real terraform binary in a working directory of this
// test alone, with its own CLI configuration (TF_CLI_CONFIG_FILE), against
// the provider served in this process or the built binary (Provider).
// Commands run with -json and the assertions read terraform's
// machine-readable output, never its prose.
type Terraform struct {
	t   *testing.T
	Dir string
	cli *tfcli.CLI
	p   Provider
}

// NewTerraform returns a driver with an empty working directory.
func NewTerraform(t *testing.T, p Provider) *Terraform {
	t.Helper()
	return newTerraform(t, "", p)
}

// newTerraform is NewTerraform driving the CLI at path ("" is tfcli.Binary()).
func newTerraform(t *testing.T, path string, p Provider) *Terraform {
	t.Helper()
	if p.Bin == "" {
		t.Fatal("no provider binary: build it in TestMain with acctest.BuildProvider")
	}
	cli, err := tfcli.New(path, p.Bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &Terraform{t: t, Dir: t.TempDir(), cli: cli, p: p}
}

// run runs one terraform command in the working directory. Without env of
// its own it reattaches to a provider served here for this command alone
// (Provider.Server); with env, or without a Server, terraform starts the
// built binary, which inherits env.
func (tf *Terraform) run(env []string, args ...string) tfcli.Result {
	tf.t.Helper()
	if env == nil && tf.p.Server != nil {
		reattach, stop, err := tf.p.serve(tf.t)
		if err != nil {
			tf.t.Fatal(err)
		}
		defer stop()
		env = []string{reattach}
	}
	res, err := tf.cli.Run(context.Background(), tf.Dir, env, args...)
	if err != nil {
		tf.t.Fatal(err)
	}
	return res
}

// CopyConfig copies the *.tf files of src into the working directory.
func (tf *Terraform) CopyConfig(src string) {
	tf.t.Helper()
	if err := tfcli.CopyConfig(src, tf.Dir); err != nil {
		tf.t.Fatal(err)
	}
}

// WriteFile writes one file (a configuration, a tfvars file) into the
// working directory.
func (tf *Terraform) WriteFile(name, text string) {
	tf.t.Helper()
	if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(text), 0o600); err != nil {
		tf.t.Fatal(err)
	}
}

// Message is one line of terraform's machine-readable UI output (-json).
type Message struct {
	Level      string         `json:"@level"`
	Text       string         `json:"@message"`
	Type       string         `json:"type"`
	Diagnostic *Diagnostic    `json:"diagnostic,omitempty"`
	Changes    *ChangeSummary `json:"changes,omitempty"`
}

// Diagnostic is an error or warning as terraform reports it.
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address,omitempty"`
	Range    *Range `json:"range,omitempty"`
}

// Range is where in the configuration a diagnostic points.
type Range struct {
	Filename string `json:"filename"`
	Start    struct {
		Line int `json:"line"`
	} `json:"start"`
}

func (d Diagnostic) String() string {
	s := d.Severity + ": " + d.Summary
	if d.Address != "" {
		s += " (" + d.Address + ")"
	}
	if d.Detail != "" {
		s += ": " + d.Detail
	}
	return s
}

// ChangeSummary is the closing count of a plan or apply.
type ChangeSummary struct {
	Add       int    `json:"add"`
	Change    int    `json:"change"`
	Import    int    `json:"import"`
	Remove    int    `json:"remove"`
	Operation string `json:"operation"` // "plan", "apply" or "destroy"
}

// Result is one terraform command: its exit code and what it reported.
type Result struct {
	Code     int
	Messages []Message
	Output   string // the raw output, for failure messages
}

// Diagnostics returns the diagnostics of one severity ("" for all).
func (r Result) Diagnostics(severity string) []Diagnostic {
	var out []Diagnostic
	for _, m := range r.Messages {
		if m.Diagnostic != nil && (severity == "" || m.Diagnostic.Severity == severity) {
			out = append(out, *m.Diagnostic)
		}
	}
	return out
}

// HasDiagnostic says whether a diagnostic of that severity has the summary
// and, in its summary or detail, every one of texts.
func (r Result) HasDiagnostic(severity, summary string, texts ...string) bool {
	for _, d := range r.Diagnostics(severity) {
		if summary != "" && d.Summary != summary {
			continue
		}
		all := true
		for _, s := range texts {
			if !strings.Contains(d.Summary+"\n"+d.Detail, s) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

// Summary is the closing change summary (nil when terraform stopped first).
func (r Result) Summary() *ChangeSummary {
	var s *ChangeSummary
	for _, m := range r.Messages {
		if m.Type == "change_summary" && m.Changes != nil {
			s = m.Changes
		}
	}
	return s
}

// Version is what the binary called itself in its -json output:
// "Terraform 1.14.9" or "OpenTofu 1.12.5" ("" before any output).
func (r Result) Version() string {
	for _, m := range r.Messages {
		if m.Type == "version" {
			return m.Text
		}
	}
	return ""
}

// OpenTofu says whether the binary that ran was OpenTofu.
func (r Result) OpenTofu() bool { return strings.HasPrefix(r.Version(), "OpenTofu ") }

// Explain lists the diagnostics, or the raw output when there are none.
func (r Result) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "exit %d", r.Code)
	diags := r.Diagnostics("")
	for _, d := range diags {
		b.WriteString("\n  " + d.String())
	}
	if len(diags) == 0 {
		b.WriteString(":\n" + r.Output)
	}
	return b.String()
}

// devOverridesWarning is what terraform says of every command run with a
// dev_overrides CLI configuration.
const devOverridesWarning = "Provider development overrides are in effect"

// Run runs one terraform command with -json added and returns its result;
// a non-zero exit is a result, not a test failure.
func (tf *Terraform) Run(command string, args ...string) Result {
	tf.t.Helper()
	return tf.RunEnv(nil, command, args...)
}

// RunEnv is Run with env (KEY=value) added for terraform and the provider,
// e.g. TF_LOG=TRACE.
func (tf *Terraform) RunEnv(env []string, command string, args ...string) Result {
	tf.t.Helper()
	full := append([]string{command, "-json"}, args...)
	res := tf.run(env, full...)
	tf.t.Logf("terraform %s: exit %d in %s", strings.Join(full, " "), res.Code, res.Wall.Round(1e6))
	return Result{Code: res.Code, Output: res.Output, Messages: parseMessages(res.Output)}
}

// parseMessages reads the JSON lines of output, skipping anything else.
func parseMessages(output string) []Message {
	var out []Message
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var m Message
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &m) != nil {
			continue
		}
		// The driver's own doing (dev_overrides), not the provider's.
		if m.Diagnostic != nil && m.Diagnostic.Summary == devOverridesWarning {
			continue
		}
		out = append(out, m)
	}
	return out
}

// Apply runs apply -auto-approve and fails the test unless it succeeds.
func (tf *Terraform) Apply(args ...string) Result {
	tf.t.Helper()
	res := tf.Run("apply", append([]string{"-auto-approve"}, args...)...)
	if res.Code != 0 || res.Summary() == nil || res.Summary().Operation != "apply" {
		tf.t.Fatalf("terraform apply %v failed: %s", args, res.Explain())
	}
	return res
}

// PlanIsEmpty runs plan -detailed-exitcode and fails the test unless
// terraform plans no change.
func (tf *Terraform) PlanIsEmpty(args ...string) {
	tf.t.Helper()
	res := tf.Run("plan", append([]string{"-detailed-exitcode"}, args...)...)
	s := res.Summary()
	if res.Code != 0 || s == nil || s.Add+s.Change+s.Remove+s.Import != 0 {
		tf.t.Fatalf("want an empty plan (exit 0), got %s\nchanges: %s", res.Explain(), plannedChanges(res))
	}
}

// plannedChanges lists what a plan would change and the drift it saw.
func plannedChanges(res Result) string {
	var changes []string
	for _, m := range res.Messages {
		if m.Type == "planned_change" || m.Type == "resource_drift" {
			changes = append(changes, m.Text)
		}
	}
	return strings.Join(changes, "; ")
}

// PlanImportsOnly runs plan and fails the test unless it plans to import
// n resources and to add, change and destroy none.
func (tf *Terraform) PlanImportsOnly(n int, args ...string) {
	tf.t.Helper()
	res := tf.Run("plan", args...)
	if s := res.Summary(); res.Code != 0 || s == nil || s.Import != n || s.Add+s.Change+s.Remove != 0 {
		tf.t.Fatalf("want a plan importing %d and changing nothing, got %s\nchanges: %s", n, res.Explain(), plannedChanges(res))
	}
}

// Plan writes a plan and returns it as `terraform show -json` reads it:
// the resource changes, the planned values and the check results.
func (tf *Terraform) Plan(args ...string) *tfjson.Plan {
	tf.t.Helper()
	res := tf.Run("plan", append([]string{"-out=acctest.tfplan"}, args...)...)
	if res.Code != 0 {
		tf.t.Fatalf("terraform plan %v failed: %s", args, res.Explain())
	}
	var plan tfjson.Plan
	tf.show(&plan, "acctest.tfplan")
	return &plan
}

// State returns the current state as `terraform show -json` reads it.
func (tf *Terraform) State() *tfjson.State {
	tf.t.Helper()
	var st tfjson.State
	tf.show(&st)
	return &st
}

func (tf *Terraform) show(v any, args ...string) {
	tf.t.Helper()
	res := tf.run(nil, append([]string{"show", "-json"}, args...)...)
	if res.Code != 0 {
		tf.t.Fatalf("terraform show -json %v: exit %d\n%s", args, res.Code, res.Output)
	}
	if err := json.Unmarshal([]byte(res.Output), v); err != nil {
		tf.t.Fatalf("terraform show -json %v: %v", args, err)
	}
}

// FailedChecks returns the check blocks and conditions a plan reports as
// failed, each with its error messages.
func FailedChecks(p *tfjson.Plan) map[string][]string {
	out := map[string][]string{}
	for _, c := range p.Checks {
		if c.Status != tfjson.CheckStatusFail {
			continue
		}
		var msgs []string
		for _, in := range c.Instances {
			for _, pr := range in.Problems {
				msgs = append(msgs, pr.Message)
			}
		}
		out[c.Address.ToDisplay] = msgs
	}
	return out
}

// UseLab writes lab.auto.tfvars.json: the variables of examples/failover
// (servers, ports, credentials, the CA file, the array, DNS) for this lab.
func (tf *Terraform) UseLab(l *lab.Lab) {
	tf.t.Helper()
	caFile := filepath.Join(tf.t.TempDir(), "lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		tf.t.Fatal(err)
	}
	vars, err := json.MarshalIndent(l.Ready(caFile).Variables(true, true), "", "  ")
	if err != nil {
		tf.t.Fatal(err)
	}
	tf.WriteFile("lab.auto.tfvars.json", string(vars))
}

// UseTelnet overrides the SAN variables of UseLab with the array's telnet
// CLI (7-mode), the legacy path: a later *.auto.tfvars.json file wins.
func (tf *Terraform) UseTelnet(l *lab.Lab) {
	tf.t.Helper()
	vars, err := json.MarshalIndent(l.Ready("").TelnetVariables(), "", "  ")
	if err != nil {
		tf.t.Fatal(err)
	}
	tf.WriteFile("telnet.auto.tfvars.json", string(vars))
}

// requiredProviders makes winfs/winfs the provider of the winfs resources;
// the reattached server or dev_overrides' binary serves it, with no init.
const requiredProviders = "terraform {\n  required_providers {\n    winfs = { source = \"winfs/winfs\" }\n  }\n}\n"

// WriteConfig writes main.tf: the provider requirement, then config.
func (tf *Terraform) WriteConfig(config string) {
	tf.t.Helper()
	tf.WriteFile("main.tf", requiredProviders+config)
}

// ExpectPlanError runs plan and fails the test unless terraform stops with
// an error diagnostic whose summary and detail match want.
func (tf *Terraform) ExpectPlanError(want *regexp.Regexp, args ...string) Result {
	tf.t.Helper()
	res := tf.Run("plan", args...)
	if res.Code == 0 {
		tf.t.Fatalf("want the plan to fail with %q; it succeeded: %s", want, res.Explain())
	}
	for _, d := range res.Diagnostics("error") {
		if want.MatchString(d.Summary + "\n" + d.Detail) {
			return res
		}
	}
	tf.t.Fatalf("want an error matching %q, got %s", want, res.Explain())
	return res
}
