package ntlm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// Message types of the three NTLM legs (MS-NLMP 2.2.1).
const (
	TypeNegotiate    = 1
	TypeChallenge    = 2
	TypeAuthenticate = 3
)

var signature = []byte("NTLMSSP\x00")

// Negotiate flags the lab uses (MS-NLMP 2.2.2.5).
const (
	flagUnicode         = 1 << 0
	flagOEM             = 1 << 1
	flagRequestTarget   = 1 << 2
	flagNTLM            = 1 << 9
	flagAlwaysSign      = 1 << 15
	flagTargetDomain    = 1 << 16
	flagExtendedSession = 1 << 19
	flagTargetInfo      = 1 << 23
	flagVersion         = 1 << 25
	flag128             = 1 << 29
	flag56              = 1 << 31
)

// AV pair ids carried in the challenge's TargetInfo (MS-NLMP 2.2.2.1).
const (
	avEOL              = 0
	avNbComputerName   = 1
	avNbDomainName     = 2
	avDNSComputerName  = 3
	avDNSDomainName    = 4
	avTimestamp        = 7
	challengeHeaderLen = 56 // up to and including Version
)

// MessageType reports which NTLM leg b is, after checking the signature.
func MessageType(b []byte) (int, error) {
	if len(b) < 12 || !bytes.Equal(b[:8], signature) {
		return 0, errors.New("ntlm: not an NTLMSSP message")
	}
	t := binary.LittleEndian.Uint32(b[8:12])
	if t < TypeNegotiate || t > TypeAuthenticate {
		return 0, fmt.Errorf("ntlm: unknown message type %d", t)
	}
	return int(t), nil
}

// field reads the (length, maxlength, offset) triple at off and returns the bytes it points at.
func field(b []byte, off int) ([]byte, error) {
	if len(b) < off+8 {
		return nil, errors.New("ntlm: message truncated")
	}
	n := int(binary.LittleEndian.Uint16(b[off:]))
	start := int(binary.LittleEndian.Uint32(b[off+4:]))
	if n == 0 {
		return nil, nil
	}
	if start < 0 || start+n > len(b) || start+n < start {
		return nil, errors.New("ntlm: field points outside the message")
	}
	return b[start : start+n], nil
}

func putField(b []byte, off, length, payloadOffset int) {
	binary.LittleEndian.PutUint16(b[off:], uint16(length))
	binary.LittleEndian.PutUint16(b[off+2:], uint16(length))
	binary.LittleEndian.PutUint32(b[off+4:], uint32(payloadOffset))
}

func utf16le(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(out[2*i:], u)
	}
	return out
}

func decodeString(b []byte, unicode bool) (string, error) {
	if !unicode {
		return string(b), nil
	}
	if len(b)%2 != 0 {
		return "", errors.New("ntlm: odd-length UTF-16 string")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(units)), nil
}

func avPair(id uint16, value []byte) []byte {
	out := make([]byte, 4+len(value))
	binary.LittleEndian.PutUint16(out, id)
	binary.LittleEndian.PutUint16(out[2:], uint16(len(value)))
	copy(out[4:], value)
	return out
}

// authenticateMessage is the part of a type-3 message the server needs.
type authenticateMessage struct {
	flags       uint32
	lmResponse  []byte
	ntResponse  []byte
	domain      string
	user        string
	workstation string
}

func parseAuthenticate(b []byte) (*authenticateMessage, error) {
	t, err := MessageType(b)
	if err != nil {
		return nil, err
	}
	if t != TypeAuthenticate || len(b) < 64 {
		return nil, errors.New("ntlm: not an authenticate message")
	}
	m := &authenticateMessage{flags: binary.LittleEndian.Uint32(b[60:])}
	if m.lmResponse, err = field(b, 12); err != nil {
		return nil, err
	}
	if m.ntResponse, err = field(b, 20); err != nil {
		return nil, err
	}
	unicode := m.flags&flagUnicode != 0
	for _, f := range []struct {
		off int
		dst *string
	}{{28, &m.domain}, {36, &m.user}, {44, &m.workstation}} {
		raw, err := field(b, f.off)
		if err != nil {
			return nil, err
		}
		if *f.dst, err = decodeString(raw, unicode); err != nil {
			return nil, err
		}
	}
	return m, nil
}
