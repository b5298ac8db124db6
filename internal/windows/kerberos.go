package windows

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// Kerberos is how to get tickets for winrm.auth = "kerberos".
type Kerberos struct {
	Realm    string   // upper case, e.g. CORP.EXAMPLE.COM
	KDCs     []string // host:port or host; when empty, Krb5Conf names them
	Krb5Conf string   // path of a krb5.conf, used when KDCs is empty
	Keytab   string   // path of the user's keytab; the password is used when empty
	SPN      string   // service principal of the listener; HTTP/<host> when empty
}

// kerberosAuth logs in to the realm once per endpoint and puts a fresh
// SPNEGO token (an AP-REQ for the listener's SPN) on every request:
// gokrb5 keeps the TGT and the service ticket, so only the first request
// costs round trips to the KDC. The login lives as long as the provider
// process (gokrb5 renews the TGT in the background until then).
type kerberosAuth struct {
	user, realm, spn string
	kdcs             string // for messages
	newClient        func() *client.Client

	mu sync.Mutex
	cl *client.Client
}

func newKerberosAuth(ep Endpoint) (*kerberosAuth, error) {
	k := ep.Kerberos
	if k == nil || k.Realm == "" {
		return nil, errors.New("kerberos needs a realm")
	}
	var cfg *config.Config
	kdcs := strings.Join(k.KDCs, ", ")
	if len(k.KDCs) > 0 {
		cfg = config.New()
		cfg.LibDefaults.DefaultRealm = k.Realm
		cfg.LibDefaults.DNSLookupKDC = false
		cfg.Realms = []config.Realm{{Realm: k.Realm, KDC: kerberosKDCs(k.KDCs)}}
	} else {
		var err error
		if cfg, err = config.Load(k.Krb5Conf); err != nil {
			return nil, fmt.Errorf("reading the Kerberos configuration %s: %w", k.Krb5Conf, err)
		}
		kdcs = "the KDCs of " + k.Krb5Conf
	}
	user := kerberosUser(ep.Username)
	// Active Directory requires pre-authentication: send it at once, and
	// without FAST, which MIT and AD do not require.
	opts := []func(*client.Settings){client.DisablePAFXFAST(true), client.AssumePreAuthentication(true)}
	a := &kerberosAuth{user: user, realm: k.Realm, spn: k.SPN, kdcs: kdcs}
	if a.spn == "" {
		a.spn = "HTTP/" + ep.Host
	}
	if k.Keytab != "" {
		raw, err := os.ReadFile(k.Keytab)
		if err != nil {
			return nil, fmt.Errorf("reading the keytab: %w", err)
		}
		kt := keytab.New()
		if err := kt.Unmarshal(raw); err != nil {
			return nil, fmt.Errorf("the keytab %s is not a keytab file: %w", k.Keytab, err)
		}
		a.newClient = func() *client.Client { return client.NewWithKeytab(user, k.Realm, kt, cfg, opts...) }
	} else {
		password := ep.Password
		a.newClient = func() *client.Client { return client.NewWithPassword(user, k.Realm, password, cfg, opts...) }
	}
	return a, nil
}

// kerberosKDCs adds the Kerberos port to addresses without one.
func kerberosKDCs(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		if strings.LastIndex(a, ":") <= strings.LastIndex(a, "]") {
			a += ":88"
		}
		out[i] = a
	}
	return out
}

// kerberosUser is the principal's name: the user part of user,
// DOMAIN\user or user@domain (the realm is configured on its own).
func kerberosUser(u string) string {
	if i := strings.LastIndex(u, `\`); i >= 0 {
		u = u[i+1:]
	}
	u, _, _ = strings.Cut(u, "@")
	return u
}

// login returns the logged-in client, logging in on first use. A failed
// login is not kept: the next request tries again.
func (a *kerberosAuth) login() (*client.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cl != nil {
		return a.cl, nil
	}
	cl := a.newClient()
	if err := cl.Login(); err != nil {
		return nil, a.explain("logging in to the KDC as "+a.user+"@"+a.realm, err)
	}
	a.cl = cl
	return cl, nil
}

// authorize sets the Negotiate header of req.
func (a *kerberosAuth) authorize(req *http.Request) error {
	cl, err := a.login()
	if err != nil {
		return err
	}
	if err := spnego.SetSPNEGOHeader(cl, req, a.spn); err != nil {
		return a.explain("getting a ticket for "+a.spn, err)
	}
	return nil
}

// KerberosError is a Kerberos failure with the usual cause spelled out.
// It never holds the password or key material.
type KerberosError struct {
	Step   string // what was being done
	Code   int32  // RFC 4120 error code, 0 when none came back
	Detail string // what gokrb5 or the server said
	Hint   string
}

func (e *KerberosError) Error() string {
	msg := "kerberos: " + e.Step + ": " + e.Detail
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// explain turns a gokrb5 error into a KerberosError. gokrb5 flattens its
// errors into text, so the RFC 4120 error names are read from it.
func (a *kerberosAuth) explain(step string, err error) error {
	msg := err.Error()
	e := &KerberosError{Step: step, Detail: msg}
	for code, hint := range map[int32]string{
		errorcode.KDC_ERR_PREAUTH_FAILED:      "the KDC refused the password (or the keytab's key) of " + a.user + "@" + a.realm,
		errorcode.KRB_AP_ERR_BAD_INTEGRITY:    "the KDC's answer could not be decrypted with the password (or keytab) of " + a.user + "@" + a.realm + ": wrong password",
		errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN: "the KDC does not know the user " + a.user + "@" + a.realm + ": check winrm.username and kerberos.realm",
		errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN: "no account in " + a.realm + " holds the service principal " + a.spn + ": register it on the server's computer account or set the server's spn",
		errorcode.KDC_ERR_CLIENT_REVOKED:      "the account " + a.user + "@" + a.realm + " is disabled, locked out or expired",
		errorcode.KRB_AP_ERR_SKEW:             "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise the clocks",
		errorcode.KDC_ERR_KEY_EXPIRED:         "the password of " + a.user + "@" + a.realm + " has expired",
		errorcode.KDC_ERR_ETYPE_NOSUPP:        "the KDC and this client share no encryption type (AES is needed)",
		errorcode.KDC_ERR_WRONG_REALM:         "the user belongs to another realm than " + a.realm,
	} {
		if strings.Contains(msg, errorcode.Lookup(code)) {
			e.Code, e.Hint = code, hint
			return e
		}
	}
	if strings.Contains(msg, "Networking_Error") || strings.Contains(msg, "communication") || strings.Contains(msg, "connection refused") {
		e.Hint = "no KDC of " + a.realm + " could be reached at " + a.kdcs + ": check kerberos.kdcs (or the krb5.conf) and that port 88 is open"
	}
	return e
}

// rejected explains a 401 to a Kerberos request: when the server's
// Negotiate answer carries a KRB-ERROR (RFC 4121 4.1), its code says why.
func (a *kerberosAuth) rejected(resp *http.Response) error {
	step := "the server refused the ticket for " + a.spn
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Negotiate") || strings.TrimSpace(tok) == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
		if err != nil {
			continue
		}
		var st spnego.SPNEGOToken
		if st.Unmarshal(raw) != nil || !st.Resp || len(st.NegTokenResp.ResponseToken) == 0 {
			continue
		}
		var mt spnego.KRB5Token
		if mt.Unmarshal(st.NegTokenResp.ResponseToken) != nil || !mt.IsKRBError() {
			continue
		}
		ke := mt.KRBError
		e := &KerberosError{Step: step, Code: ke.ErrorCode, Detail: errorcode.Lookup(ke.ErrorCode)}
		switch ke.ErrorCode {
		case errorcode.KRB_AP_ERR_SKEW:
			stime := ke.STime.Add(time.Duration(ke.Susec) * time.Microsecond)
			diff := time.Until(stime).Round(time.Second)
			e.Hint = fmt.Sprintf("the server's clock reads %s, %s from this machine's; Kerberos allows 5 minutes by default: synchronise the server's clock with the domain",
				stime.UTC().Format(time.RFC3339), diff)
		case errorcode.KRB_AP_ERR_MODIFIED:
			e.Hint = "the server cannot decrypt a ticket for " + a.spn + ": that service principal is registered on another account than this server's"
		case errorcode.KRB_AP_ERR_TKT_EXPIRED, errorcode.KRB_AP_ERR_TKT_NYV:
			e.Hint = "the ticket's validity does not match the server's clock: synchronise the clocks"
		}
		return e
	}
	return &KerberosError{Step: step, Detail: "HTTP 401", Hint: "the server accepted no Kerberos ticket: is Kerberos enabled on its WinRM service (Auth/Kerberos) and is " + a.user + " allowed to use WinRM?"}
}
