// Package ntlm is the server side of NTLM authentication as the lab's WinRM listener
// needs it: answer a client's negotiate message with a challenge, then verify the
// client's NTLMv2 response against the configured password. Session keys, signing and
// sealing are not implemented: the lab accepts NTLM over plain HTTP as a Windows host
// with AllowUnencrypted=true does, and over HTTPS.
package ntlm

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	//lint:ignore SA1019 NTLMv2 is defined on MD4; the lab must speak it, not trust it.
	"golang.org/x/crypto/md4" //nolint:staticcheck // see the lint:ignore above: NTLMv2 is defined on MD4
)

// ErrBadCredentials is returned for an unknown user or a wrong password; it never says which.
var ErrBadCredentials = errors.New("ntlm: logon failure: unknown user name or bad password")

// Target names the server in the challenge, as a domain member would.
type Target struct {
	NetBIOSDomain   string // e.g. CORP
	NetBIOSComputer string // e.g. FS01
	DNSDomain       string // e.g. corp.example
	DNSComputer     string // e.g. fs01.corp.example
}

// Identity is who completed a handshake.
type Identity struct {
	User, Domain, Workstation string
}

// Handshake is one server-side exchange, kept between the challenge and the
// authenticate message (on one TCP connection, for HTTP).
type Handshake struct {
	serverChallenge [8]byte
}

// Challenge answers a negotiate message with a fresh challenge message.
func Challenge(target Target, negotiate []byte) (*Handshake, []byte, error) {
	t, err := MessageType(negotiate)
	if err != nil {
		return nil, nil, err
	}
	if t != TypeNegotiate || len(negotiate) < 16 {
		return nil, nil, errors.New("ntlm: expected a negotiate message")
	}
	requested := binary.LittleEndian.Uint32(negotiate[12:])
	if requested&flagUnicode == 0 {
		return nil, nil, errors.New("ntlm: the lab only speaks Unicode NTLM")
	}

	h := &Handshake{}
	if _, err := rand.Read(h.serverChallenge[:]); err != nil {
		return nil, nil, err
	}

	// Signing, sealing and key exchange are never offered: there is no session security.
	flags := uint32(flagUnicode | flagRequestTarget | flagNTLM | flagAlwaysSign |
		flagTargetDomain | flagTargetInfo | flagVersion)
	flags |= requested & (flagExtendedSession | flag128 | flag56)

	targetName := utf16le(target.NetBIOSDomain)
	info := targetInfo(target, time.Now())

	msg := make([]byte, challengeHeaderLen, challengeHeaderLen+len(targetName)+len(info))
	copy(msg, signature)
	binary.LittleEndian.PutUint32(msg[8:], TypeChallenge)
	putField(msg, 12, len(targetName), challengeHeaderLen)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:32], h.serverChallenge[:])
	putField(msg, 40, len(info), challengeHeaderLen+len(targetName))
	// Version: Windows Server 2019 (10.0.17763), NTLM revision 15.
	copy(msg[48:56], []byte{10, 0, 0x03, 0x45, 0, 0, 0, 15})
	msg = append(msg, targetName...)
	msg = append(msg, info...)
	return h, msg, nil
}

func targetInfo(t Target, now time.Time) []byte {
	var ts [8]byte
	// FILETIME: 100 ns intervals since 1601-01-01.
	binary.LittleEndian.PutUint64(ts[:], uint64(now.UnixNano()/100)+116444736000000000)
	var out []byte
	out = append(out, avPair(avNbDomainName, utf16le(t.NetBIOSDomain))...)
	out = append(out, avPair(avNbComputerName, utf16le(t.NetBIOSComputer))...)
	out = append(out, avPair(avDNSDomainName, utf16le(t.DNSDomain))...)
	out = append(out, avPair(avDNSComputerName, utf16le(t.DNSComputer))...)
	out = append(out, avPair(avTimestamp, ts[:])...)
	out = append(out, avPair(avEOL, nil)...)
	return out
}

// Verify checks an authenticate message against the challenge of this handshake and the
// one account the lab knows. The user may be written "user", "DOMAIN\user" or
// "user@domain" on either side; the user part is compared case-insensitively, as the
// SAM does. Only NTLMv2 responses are accepted.
func (h *Handshake) Verify(authenticate []byte, username, password string) (Identity, error) {
	m, err := parseAuthenticate(authenticate)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{User: m.user, Domain: m.domain, Workstation: m.workstation}
	if m.user == "" {
		return id, ErrBadCredentials // anonymous logon is not allowed on WinRM
	}
	if !strings.EqualFold(UserPart(m.user), UserPart(username)) {
		return id, ErrBadCredentials
	}
	// NTLMv2 response: 16-byte NTProofStr, then a blob that starts 0x01 0x01.
	if len(m.ntResponse) < 16+28 || m.ntResponse[16] != 1 || m.ntResponse[17] != 1 {
		return id, ErrBadCredentials
	}
	proof, blob := m.ntResponse[:16], m.ntResponse[16:]
	key := ntowfv2(password, m.user, m.domain)
	want := hmacMD5(key, h.serverChallenge[:], blob)
	if !hmac.Equal(proof, want) {
		return id, ErrBadCredentials
	}
	return id, nil
}

// UserPart strips a "DOMAIN\" prefix or an "@domain" suffix.
func UserPart(name string) string {
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	return name
}

// ntowfv2 is MS-NLMP's NTOWFv2: HMAC-MD5 keyed with the NT hash over the upper-cased
// user name followed by the domain exactly as the client sent them.
func ntowfv2(password, user, domain string) []byte {
	nt := md4.New()
	nt.Write(utf16le(password))
	return hmacMD5(nt.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	mac := hmac.New(md5.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	return mac.Sum(nil)
}
