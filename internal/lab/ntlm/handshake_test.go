package ntlm

import (
	"errors"
	"strings"
	"testing"

	ntlmssp "github.com/Azure/go-ntlmssp"
)

var lab = Target{NetBIOSDomain: "CORP", NetBIOSComputer: "FS01", DNSDomain: "corp.example", DNSComputer: "fs01.corp.example"}

// handshake runs the three legs with the real client library.
func handshake(t *testing.T, clientUser, clientPassword, serverUser, serverPassword string) (Identity, error) {
	t.Helper()
	negotiate, err := ntlmssp.NewNegotiateMessage("", "WORKSTATION")
	if err != nil {
		t.Fatal(err)
	}
	if typ, err := MessageType(negotiate); err != nil || typ != TypeNegotiate {
		t.Fatalf("MessageType(negotiate) = %d, %v", typ, err)
	}
	h, challenge, err := Challenge(lab, negotiate)
	if err != nil {
		t.Fatal(err)
	}
	authenticate, err := ntlmssp.NewAuthenticateMessage(challenge, clientUser, clientPassword,
		&ntlmssp.AuthenticateMessageOptions{WorkstationName: "WORKSTATION"})
	if err != nil {
		t.Fatalf("client rejected the challenge: %v", err)
	}
	if typ, _ := MessageType(authenticate); typ != TypeAuthenticate {
		t.Fatalf("MessageType(authenticate) = %d", typ)
	}
	return h.Verify(authenticate, serverUser, serverPassword)
}

func TestVerifyAcceptsEveryUserNameForm(t *testing.T) {
	for _, tc := range []struct{ client, server string }{
		{"Administrator", "Administrator"},
		{"administrator", "Administrator"},
		{`CORP\Administrator`, "Administrator"},
		{"Administrator@corp.example", "administrator"},
		{"Administrator", `CORP\administrator`},
	} {
		id, err := handshake(t, tc.client, "Pa$$w0rd!", tc.server, "Pa$$w0rd!")
		if err != nil {
			t.Errorf("client %q server %q: %v", tc.client, tc.server, err)
			continue
		}
		if !strings.EqualFold(UserPart(id.User), "administrator") || id.Workstation != "WORKSTATION" {
			t.Errorf("identity %+v", id)
		}
	}
}

func TestVerifyRejectsWrongPasswordAndUser(t *testing.T) {
	if _, err := handshake(t, "Administrator", "wrong", "Administrator", "Pa$$w0rd!"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := handshake(t, "Guest", "Pa$$w0rd!", "Administrator", "Pa$$w0rd!"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong user: %v", err)
	}
}

func TestVerifyIsBoundToItsChallenge(t *testing.T) {
	negotiate, _ := ntlmssp.NewNegotiateMessage("", "")
	_, challenge1, _ := Challenge(lab, negotiate)
	h2, _, _ := Challenge(lab, negotiate)
	authenticate, err := ntlmssp.NewAuthenticateMessage(challenge1, "Administrator", "pw", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Verify(authenticate, "Administrator", "pw"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("response to another challenge accepted: %v", err)
	}
}

func TestMalformedMessagesAreRejected(t *testing.T) {
	if _, err := MessageType([]byte("garbage")); err == nil {
		t.Error("garbage accepted")
	}
	if _, _, err := Challenge(lab, append([]byte("NTLMSSP\x00"), 3, 0, 0, 0)); err == nil {
		t.Error("type 3 accepted as negotiate")
	}
	h := &Handshake{}
	bad := append([]byte("NTLMSSP\x00"), 3, 0, 0, 0)
	bad = append(bad, make([]byte, 60)...)
	bad[20] = 0xff // NT response length pointing outside the message
	if _, err := h.Verify(bad, "a", "b"); err == nil {
		t.Error("truncated authenticate message accepted")
	}
}

func TestUserPart(t *testing.T) {
	for in, want := range map[string]string{"u": "u", `D\u`: "u", "u@d.example": "u", `D\u@x`: "u"} {
		if got := UserPart(in); got != want {
			t.Errorf("UserPart(%q) = %q", in, got)
		}
	}
}
