package winrm

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"

	"github.com/winfs/terraform-provider-winfs/internal/lab/ntlm"
)

// connAuth is the authentication state of one TCP connection. As with HTTP.sys, an
// NTLM handshake authenticates the connection, so later requests on it may come
// without an Authorization header; Basic must be sent with every request.
type connAuth struct {
	mu            sync.Mutex
	pending       *ntlm.Handshake
	authenticated string // user name once NTLM succeeded
}

type connAuthKey struct{}

// connState finds the connection's auth state: from the context our own listeners set,
// or, when ServeHTTP is mounted elsewhere, by remote address.
func (s *Server) connState(r *http.Request) *connAuth {
	if st, ok := r.Context().Value(connAuthKey{}).(*connAuth); ok {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.authByKey[r.RemoteAddr]
	if st == nil {
		st = &connAuth{}
		s.authByKey[r.RemoteAddr] = st
	}
	return st
}

// authenticate returns the caller's user name, or writes the 401 leg and returns ok=false.
//
// NTLM and Kerberos are accepted over plain HTTP here. A real Windows host only allows
// that with AllowUnencrypted=true; otherwise it requires the SPNEGO-encrypted message
// format or HTTPS. The lab behaves as a host configured with AllowUnencrypted=true.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (user string, ok bool) {
	st := s.connState(r)
	header := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(header, " ")

	switch {
	case header == "":
		st.mu.Lock()
		user = st.authenticated
		st.mu.Unlock()
		if user != "" {
			return user, true
		}
	case strings.EqualFold(scheme, "Basic") && !s.cfg.DisableBasic:
		u, p, parsed := r.BasicAuth()
		if parsed && s.credentialsMatch(u, p) {
			return u, true
		}
	case strings.EqualFold(scheme, "Negotiate") && s.cfg.Kerberos != nil && isKerberosToken(decoded(token)):
		return s.kerberosLeg(w, st, decoded(token))
	case (strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) && !s.cfg.DisableNTLM:
		return s.ntlmLeg(w, st, scheme, strings.TrimSpace(token))
	}
	s.unauthorized(w)
	return "", false
}

func (s *Server) ntlmLeg(w http.ResponseWriter, st *connAuth, scheme, token string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		s.unauthorized(w)
		return "", false
	}
	typ, err := ntlm.MessageType(raw)
	if err != nil {
		s.unauthorized(w)
		return "", false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch typ {
	case ntlm.TypeNegotiate:
		hs, challenge, err := ntlm.Challenge(s.target, raw)
		if err != nil {
			break
		}
		st.pending, st.authenticated = hs, ""
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(challenge))
		writeEmpty(w, http.StatusUnauthorized)
		return "", false
	case ntlm.TypeAuthenticate:
		hs := st.pending
		st.pending = nil // a challenge answers one attempt only
		if hs == nil {
			break
		}
		id, err := hs.Verify(raw, s.cfg.Username, s.cfg.Password)
		if err != nil {
			break
		}
		st.authenticated = id.User
		return id.User, true
	}
	s.unauthorized(w)
	return "", false
}

func (s *Server) credentialsMatch(user, password string) bool {
	if !strings.EqualFold(ntlm.UserPart(user), ntlm.UserPart(s.cfg.Username)) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(password), []byte(s.cfg.Password)) == 1
}

// unauthorized is the first leg Windows sends: the schemes on offer and no body.
func (s *Server) unauthorized(w http.ResponseWriter) {
	h := w.Header()
	if !s.cfg.DisableNTLM || s.cfg.Kerberos != nil {
		h.Add("WWW-Authenticate", "Negotiate")
	}
	if !s.cfg.DisableBasic {
		h.Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	writeEmpty(w, http.StatusUnauthorized)
}

// decoded is a base64 token's bytes, nil when it is not base64.
func decoded(token string) []byte {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil {
		return nil
	}
	return b
}

func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Server", serverHeader)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
