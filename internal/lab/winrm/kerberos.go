package winrm

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/winfs/terraform-provider-winfs/internal/lab/ntlm"
)

// MaxClockSkew is the Kerberos clock tolerance: Active Directory's default
// "Maximum tolerance for computer clock synchronization" is 5 minutes, the
// same as RFC 4120's suggested default.
const MaxClockSkew = 5 * time.Minute

// Kerberos makes the listener accept Kerberos inside HTTP Negotiate
// (SPNEGO, RFC 4559), as a domain-joined Windows host does.
type Kerberos struct {
	// Keytab holds the keys of the host's service principals (HTTP/<name>):
	// a ticket issued for another principal cannot be opened.
	Keytab *keytab.Keytab
	// Clock is the host's clock (time.Now when nil); a skewed clock makes the
	// host refuse authenticators as Windows does (KRB_AP_ERR_SKEW).
	Clock func() time.Time
}

type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // cname, ctime and cusec of authenticators accepted
}

// isKerberosToken tells a SPNEGO (GSS-API) token from the raw NTLM message
// that clients such as go-ntlmssp put in a Negotiate header: the first is
// an ASN.1 [APPLICATION 0] (RFC 2743 3.1), the second starts "NTLMSSP".
func isKerberosToken(raw []byte) bool { return len(raw) > 0 && raw[0] == 0x60 }

// kerberosLeg verifies the AP-REQ inside the SPNEGO token. Kerberos needs
// one leg: on success the connection is authenticated (as HTTP.sys keeps a
// Negotiate context per connection); on failure the 401 carries the
// KRB-ERROR in a SPNEGO reject, which is how a client learns why (e.g. the
// server's time for a skew).
func (s *Server) kerberosLeg(w http.ResponseWriter, st *connAuth, raw []byte) (string, bool) {
	user, krbErr, err := s.acceptKerberos(raw)
	if err != nil {
		s.unauthorized(w) // not a Kerberos AP-REQ at all
		return "", false
	}
	if krbErr != nil {
		if tok, err := rejectToken(*krbErr); err == nil {
			w.Header().Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(tok))
			writeEmpty(w, http.StatusUnauthorized)
			return "", false
		}
		s.unauthorized(w)
		return "", false
	}
	if !strings.EqualFold(user, ntlm.UserPart(s.cfg.Username)) {
		// A valid ticket for an account the host does not let in.
		s.unauthorized(w)
		return "", false
	}
	st.mu.Lock()
	st.pending, st.authenticated = nil, user
	st.mu.Unlock()
	// No mutual authentication was asked for, so no AP-REP: the answer only
	// completes the SPNEGO exchange (RFC 4178 4.2.2).
	if tok, err := (&spnego.NegTokenResp{NegState: asn1.Enumerated(spnego.NegStateAcceptCompleted), SupportedMech: gssapi.OIDKRB5.OID()}).Marshal(); err == nil {
		w.Header().Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(tok))
	}
	return user, true
}

// acceptKerberos checks an AP-REQ as RFC 4120 3.2.3 orders it: open the
// ticket with the service key, open the authenticator with the session key,
// the client names must match, the authenticator's time must be within the
// skew of the host's clock, no replay, and the ticket must be current.
func (s *Server) acceptKerberos(raw []byte) (string, *messages.KRBError, error) {
	kc := s.cfg.Kerberos
	var tok spnego.SPNEGOToken
	if err := tok.Unmarshal(raw); err != nil {
		return "", nil, err
	}
	if !tok.Init {
		return "", nil, errors.New("not a NegTokenInit")
	}
	var mt spnego.KRB5Token
	if err := mt.Unmarshal(tok.NegTokenInit.MechTokenBytes); err != nil {
		return "", nil, err
	}
	if !mt.IsAPReq() {
		return "", nil, errors.New("not an AP-REQ")
	}
	ap := mt.APReq
	now := time.Now()
	if kc.Clock != nil {
		now = kc.Clock()
	}
	now = now.UTC()
	fail := func(code int32, text string) (string, *messages.KRBError, error) {
		e := messages.NewKRBError(ap.Ticket.SName, ap.Ticket.Realm, code, text)
		// The host's own time, so that the client can tell how far apart
		// the clocks are (RFC 4120 5.9.1).
		e.STime, e.Susec = now.Truncate(time.Second), now.Nanosecond()/1000
		return "", &e, nil
	}
	if err := ap.Ticket.DecryptEncPart(kc.Keytab, &ap.Ticket.SName); err != nil {
		// The ticket was sealed with another account's key: its service
		// principal is not registered on this host.
		return fail(errorcode.KRB_AP_ERR_MODIFIED, "the ticket cannot be decrypted with this host's keys")
	}
	if err := ap.DecryptAuthenticator(ap.Ticket.DecryptedEncPart.Key); err != nil {
		return fail(errorcode.KRB_AP_ERR_BAD_INTEGRITY, "the authenticator cannot be decrypted")
	}
	if !ap.Authenticator.CName.Equal(ap.Ticket.DecryptedEncPart.CName) {
		return fail(errorcode.KRB_AP_ERR_BADMATCH, "authenticator and ticket name different clients")
	}
	ct := ap.Authenticator.CTime.Add(time.Duration(ap.Authenticator.Cusec) * time.Microsecond)
	if d := now.Sub(ct); d > MaxClockSkew || -d > MaxClockSkew {
		return fail(errorcode.KRB_AP_ERR_SKEW, "clock skew too great")
	}
	if s.replayed(ap.Authenticator.CName, ct, ap.EncryptedAuthenticator.Cipher, now) {
		return fail(errorcode.KRB_AP_ERR_REPEAT, "request is a replay")
	}
	tp := ap.Ticket.DecryptedEncPart
	start := tp.StartTime
	if start.IsZero() {
		start = tp.AuthTime
	}
	if start.Sub(now) > MaxClockSkew {
		return fail(errorcode.KRB_AP_ERR_TKT_NYV, "ticket not yet valid")
	}
	if now.Sub(tp.EndTime) > MaxClockSkew {
		return fail(errorcode.KRB_AP_ERR_TKT_EXPIRED, "ticket expired")
	}
	return ap.Authenticator.CName.PrincipalNameString(), nil, nil
}

// replayed records an authenticator and says whether it was seen before;
// entries older than the skew window are forgotten, since older
// authenticators fail the skew check anyway (RFC 4120 3.2.3). An entry is
// the client, the time and a hash of the encrypted authenticator: a replay
// is the same authenticator presented again, so two different ones made in
// the same microsecond (two connections of one client) are both accepted.
func (s *Server) replayed(cname types.PrincipalName, ct time.Time, cipher []byte, now time.Time) bool {
	rc := &s.replays
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen == nil {
		rc.seen = map[string]time.Time{}
	}
	for k, t := range rc.seen {
		if now.Sub(t) > 2*MaxClockSkew {
			delete(rc.seen, k)
		}
	}
	key := fmt.Sprintf("%s/%d/%x", cname.PrincipalNameString(), ct.UnixMicro(), sha256.Sum256(cipher))
	if _, ok := rc.seen[key]; ok {
		return true
	}
	rc.seen[key] = now
	return false
}

// rejectToken is a SPNEGO NegTokenResp (reject) carrying e as the Kerberos
// mechanism's token: the GSS-API framing of RFC 1964 1.1 with the
// KRB-ERROR token id 03 00 (RFC 4121 4.1).
func rejectToken(e messages.KRBError) ([]byte, error) {
	body, err := e.Marshal()
	if err != nil {
		return nil, err
	}
	oid, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, err
	}
	mech := asn1tools.AddASNAppTag(append(append(oid, 0x03, 0x00), body...), 0)
	if len(mech) == 0 {
		return nil, errors.New("empty mechanism token")
	}
	resp := spnego.NegTokenResp{NegState: asn1.Enumerated(spnego.NegStateReject), SupportedMech: gssapi.OIDKRB5.OID(), ResponseToken: mech}
	return resp.Marshal()
}
