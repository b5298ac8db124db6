package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// A new operation of the contract without a case fails here: one case
// beyond the strict-params case generated for every operation.
func TestEveryOperationHasACase(t *testing.T) {
	cases := map[string]int{}
	names := map[string]bool{}
	for _, c := range Cases {
		if _, ok := agent.Lookup(c.Op); !ok {
			t.Errorf("case %q is for %q, which is not an operation of agent.Ops", c.Name, c.Op)
		}
		if c.Name != "an unknown field is invalid_params" {
			cases[c.Op]++
		}
		key := c.Op + " " + c.Name
		if names[key] {
			t.Errorf("case %q of %s twice", c.Name, c.Op)
		}
		names[key] = true
	}
	for _, o := range agent.Ops {
		if name := o.Describe().Name; cases[name] == 0 {
			t.Errorf("operation %s has no conformance case of its own", name)
		}
	}
}

// The lab passes the whole suite, every case run (none skipped): the lab
// target gives a spare disk and a scratch zone. Once per lab locale.
func TestLabPassesTheSuite(t *testing.T) {
	for _, locale := range LabLocales {
		t.Run(locale, func(t *testing.T) {
			acctest.RequireAcc(t)
			t.Parallel()
			target, err := StartLab(LabOptions{Locale: locale})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rep := Execute(ctx, target.Config)
			for _, res := range rep.Results {
				if res.Status != Pass {
					t.Error(res.Line())
				}
			}
			if !rep.OK() {
				t.Errorf("setup %q, cleanup %q", rep.Setup, rep.Cleanup)
			}
			if rep.Passed != len(Cases) || rep.Cases != len(Cases) || rep.Operations != len(agent.Ops) {
				t.Errorf("report: %s", rep.Summary())
			}
			// The run left nothing behind: no scratch share, value or alias.
			h := target.Lab.Host(strings.TrimPrefix(target.Config.Client.Name(), ""))
			for _, s := range h.Shares() {
				if strings.HasPrefix(s.Name, SharePrefix) {
					t.Errorf("share %s left behind", s.Name)
				}
			}
		})
	}
}

func TestUnsupportedLocaleIsRefused(t *testing.T) {
	err := CheckLocale("xx-XX")
	if err == nil || !strings.Contains(err.Error(), "unsupported locale") {
		t.Fatalf("got %v", err)
	}
	if _, err := StartLab(LabOptions{Locale: "xx-XX"}); err == nil || !strings.Contains(err.Error(), "unsupported locale") {
		t.Fatalf("StartLab: %v", err)
	}
}

func TestPSQuote(t *testing.T) {
	for in, want := range map[string]string{
		`C:\a`:         `'C:\a'`,
		`d'équipe $x`:  `'d''équipe $x'`,
		"a\u2019b`\"c": "'a\u2019\u2019b`\"c'",
	} {
		if got := psQuote(in); got != want {
			t.Errorf("psQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
