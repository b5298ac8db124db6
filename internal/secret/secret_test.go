package secret

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

var hard = []string{`pa"ss`, `back\slash`, "mot-de-passe-é€", `q'uo"te\ünï`, "tab\there"}

func TestRedactEveryForm(t *testing.T) {
	for _, pw := range hard {
		for _, text := range []string{
			"raw " + pw + " end",
			fmt.Sprintf("quoted %q end", pw),
			fmt.Sprintf("ascii %+q end", pw),
			`json "` + jsonString(pw)[1:],
		} {
			got := Redact(text, pw)
			if strings.Contains(got, pw) || !strings.Contains(got, Mask) {
				t.Errorf("%q: redacted to %q", text, got)
			}
			for _, f := range forms(pw) {
				if strings.Contains(got, f) {
					t.Errorf("%q: the form %q is left in %q", text, f, got)
				}
			}
		}
	}
	if got := Redact("nothing here", "", "absent"); got != "nothing here" {
		t.Fatalf("changed text without a secret: %q", got)
	}
}

func TestErrorKeepsTheChain(t *testing.T) {
	err := Error(fmt.Errorf("reading %q: %w", `x"y`, io.EOF), `x"y`)
	if !errors.Is(err, io.EOF) || strings.Contains(err.Error(), `x\"y`) {
		t.Fatalf("%v", err)
	}
	if Error(nil, "x") != nil {
		t.Fatal("nil error became non-nil")
	}
}
