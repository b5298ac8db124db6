package winrm_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/winfs/terraform-provider-winfs/internal/lab/kdc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// TestKerberosReplayRefused: an Authorization header replayed (the same
// authenticator sent twice) is refused with KRB_AP_ERR_REPEAT, as RFC 4120
// 3.2.3 requires of a server; a fresh one is accepted.
func TestKerberosReplayRefused(t *testing.T) {
	t.Parallel()
	k := kdc.StartForTest(t, "CORP.EXAMPLE.COM")
	if err := k.AddUser("Administrator", "Pa55-word"); err != nil {
		t.Fatal(err)
	}
	kt := k.ServiceKeytabForTest(t, "HTTP/server1.corp.example.com")
	srv := winrm.New(winrm.Config{Username: "Administrator", Password: "Pa55-word", DisableNTLM: true, DisableBasic: true,
		Kerberos: &winrm.Kerberos{Keytab: kt}})
	t.Cleanup(func() { _ = srv.Close() })
	addr, err := srv.ListenAndServe("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	cl := k.PasswordClientForTest(t, "Administrator", "Pa55-word")
	header := func() string {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/wsman", nil)
		if err := spnego.SetSPNEGOHeader(cl, req, "HTTP/server1.corp.example.com"); err != nil {
			t.Fatal(err)
		}
		return req.Header.Get("Authorization")
	}
	post := func(auth string) (int, http.Header) {
		// A new connection each time: the header alone must authenticate.
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/wsman", strings.NewReader("<x/>"))
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		req.Header.Set("Authorization", auth)
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	h := header()
	if status, hdr := post(h); status == http.StatusUnauthorized {
		t.Fatalf("a fresh ticket was refused: %v", hdr)
	}
	status, hdr := post(h)
	if status != http.StatusUnauthorized {
		t.Fatalf("a replay got HTTP %d", status)
	}
	if code := krbErrorCode(t, hdr); code != errorcode.KRB_AP_ERR_REPEAT {
		t.Fatalf("replay answered with KRB error %d", code)
	}
	if status, _ := post(header()); status == http.StatusUnauthorized {
		t.Fatal("a fresh authenticator after the replay was refused")
	}
}

// krbErrorCode reads the KRB-ERROR of a SPNEGO reject in a 401.
func krbErrorCode(t *testing.T, hdr http.Header) int32 {
	t.Helper()
	tok, ok := strings.CutPrefix(hdr.Get("WWW-Authenticate"), "Negotiate ")
	if !ok {
		t.Fatalf("no Negotiate token in %v", hdr)
	}
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	var st spnego.SPNEGOToken
	if err := st.Unmarshal(raw); err != nil || !st.Resp {
		t.Fatalf("not a NegTokenResp: %v", err)
	}
	var mt spnego.KRB5Token
	if err := mt.Unmarshal(st.NegTokenResp.ResponseToken); err != nil || !mt.IsKRBError() {
		t.Fatalf("no KRB-ERROR: %v", err)
	}
	return mt.KRBError.ErrorCode
}
