// Package secret removes passwords and keys from text bound for an error,
// a log or a diagnostic. Callers redact the raw text before they quote,
// escape, truncate or format it; the escaped forms are removed as well for
// text that a library formatted before it reached us.
package secret

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Mask replaces a secret.
const Mask = "********"

// Redact replaces every secret in text, raw and in the escaped forms Go's
// %q and JSON give it.
func Redact(text string, secrets ...string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range forms(s) {
			text = strings.ReplaceAll(text, form, Mask)
		}
	}
	return text
}

// forms are s as written: raw, Go-quoted (%q, ASCII-only %+q) and JSON,
// each without its surrounding quotes.
func forms(s string) []string {
	out := []string{s}
	for _, q := range []string{strconv.Quote(s), strconv.QuoteToASCII(s), jsonString(s)} {
		q = q[1 : len(q)-1]
		if q != s {
			out = append(out, q)
		}
	}
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// Error returns err with every secret redacted from its text; errors.Is
// and errors.As still see the original chain.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := Redact(msg, secrets...); red != msg {
		return redacted{msg: red, err: err}
	}
	return err
}

type redacted struct {
	msg string
	err error
}

func (e redacted) Error() string { return e.msg }
func (e redacted) Unwrap() error { return e.err }
