package san

import "github.com/winfs/terraform-provider-winfs/internal/secret"

// Redact removes the login password from text an array sent or an error
// built from it. Every transport to the array calls it on the raw text,
// before quoting, truncating or formatting it (safety rule "secrets stay
// secret"): an array may echo the password, at the password prompt or in
// its answer to a refused login.
func (c Config) Redact(text string) string { return secret.Redact(text, c.Password) }

// RedactErr is err with the password removed from its text; errors.Is and
// errors.As still work.
func (c Config) RedactErr(err error) error { return secret.Error(err, c.Password) }
