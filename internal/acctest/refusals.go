package acctest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Refusal is a configuration a plan must refuse: Config holds resource
// blocks (the provider block comes from ExpectRefusals' prefix), and one of
// the errors terraform reports for them must match Want.
type Refusal struct {
	Name   string
	Config string
	Want   *regexp.Regexp
}

// resourceHeader is the first line of a resource block; its name is made
// unique per refusal so that many refusals fit in one configuration.
var resourceHeader = regexp.MustCompile(`(?m)^(resource\s+"([^"]+)"\s+")([^"]+)(")`)

// planned is one refusal placed in a configuration: its lines in main.tf
// and the addresses of its resources.
type planned struct {
	Refusal
	first, last int
	addresses   map[string]bool
}

// owns says whether terraform attributed d to this refusal: by the address
// of one of its resources or by a source range inside its blocks.
func (p planned) owns(d Diagnostic) bool {
	if p.addresses[d.Address] {
		return true
	}
	return d.Range != nil && d.Range.Filename == "main.tf" && d.Range.Start.Line >= p.first && d.Range.Start.Line <= p.last
}

// ExpectRefusals plans all refusals in one configuration after prefix (the
// provider block and whatever they share) and checks each in a subtest of
// its name: one terraform plan for many plan-time checks, where a plan per
// refusal starts terraform and the provider once each. An error counts for
// a refusal only when terraform attributes it to the refusal's own blocks.
// Terraform stops at validation errors before it plans, so the refusals
// that drew no error at all are planned again, without the others, until
// every one has drawn its error or stands alone; a refusal planned alone is
// judged as a plan of it alone always was, by any error of the plan.
// Refusals must not depend on each other's blocks.
func ExpectRefusals(t *testing.T, p Provider, prefix string, refusals []Refusal) {
	t.Helper()
	tf := NewTerraform(t, p)
	pending := refusals
	for round := 1; len(pending) > 0; round++ {
		placed := place(prefix, pending)
		text := requiredProviders + prefix
		for _, p := range placed {
			text += "\n" + p.Config
		}
		tf.WriteFile("main.tf", text)
		res := tf.Run("plan")
		tf.t.Logf("round %d: %d refusals in one plan, exit %d", round, len(placed), res.Code)
		var again []Refusal
		for _, p := range placed {
			var own []Diagnostic
			for _, d := range res.Diagnostics("error") {
				if len(placed) == 1 || p.owns(d) {
					own = append(own, d)
				}
			}
			if len(own) == 0 && len(placed) > 1 {
				again = append(again, p.Refusal)
				continue
			}
			t.Run(p.Name, func(t *testing.T) {
				for _, d := range own {
					if p.Want.MatchString(d.Summary + "\n" + d.Detail) {
						return
					}
				}
				t.Errorf("want an error matching %q for\n%s\ngot %s", p.Want, p.Config, res.Explain())
			})
		}
		if len(again) == len(pending) {
			// No refusal drew an error of its own, and they cannot all be
			// waiting behind each other's validation: plan them one by one.
			for _, r := range again {
				ExpectRefusals(t, p, prefix, []Refusal{r})
			}
			return
		}
		pending = again
	}
}

// place renames each refusal's resources with its index and finds its lines
// in the configuration requiredProviders + prefix + ("\n" + block)...
func place(prefix string, refusals []Refusal) []planned {
	line := strings.Count(requiredProviders+prefix, "\n") + 1
	out := make([]planned, len(refusals))
	for i, r := range refusals {
		addresses := map[string]bool{}
		r.Config = resourceHeader.ReplaceAllStringFunc(r.Config, func(h string) string {
			m := resourceHeader.FindStringSubmatch(h)
			name := fmt.Sprintf("%s_r%d", m[3], i)
			addresses[m[2]+"."+name] = true
			return m[1] + name + m[4]
		})
		first := line + 1 // the "\n" before the block ends the line before it
		line += strings.Count("\n"+r.Config, "\n")
		out[i] = planned{Refusal: r, first: first, last: line, addresses: addresses}
	}
	return out
}
