// Package secdesc is the lab's model of Windows security: binary SIDs,
// self-relative security descriptors with a DACL, and the account names the
// lab resolves (well-known ones and the CORP domain). The share layer stores
// share permissions with it exactly as Windows stores them under
// LanmanServer\Shares\Security.
package secdesc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SID is a security identifier.
type SID struct {
	Authority uint64   // 48 bits
	Sub       []uint32 // sub-authorities
}

// ParseSID reads the string form S-1-<authority>-<sub>-...
func ParseSID(s string) (SID, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return SID{}, fmt.Errorf("%q is not a SID (S-1-...)", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return SID{}, fmt.Errorf("SID %q: bad authority", s)
	}
	sid := SID{Authority: auth}
	if len(parts)-3 > 15 {
		return SID{}, fmt.Errorf("SID %q has more than 15 sub-authorities", s)
	}
	for _, p := range parts[3:] {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return SID{}, fmt.Errorf("SID %q: bad sub-authority %q", s, p)
		}
		sid.Sub = append(sid.Sub, uint32(n))
	}
	return sid, nil
}

// MustSID is ParseSID for constants.
func MustSID(s string) SID {
	sid, err := ParseSID(s)
	if err != nil {
		panic(err)
	}
	return sid
}

func (s SID) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "S-1-%d", s.Authority)
	for _, n := range s.Sub {
		fmt.Fprintf(&b, "-%d", n)
	}
	return b.String()
}

// Equal compares two SIDs.
func (s SID) Equal(o SID) bool { return s.String() == o.String() }

// Len is the size of the binary form: 8 bytes plus 4 per sub-authority.
func (s SID) Len() int { return 8 + 4*len(s.Sub) }

// AppendBinary appends the binary form: revision 1, sub-authority count,
// the authority as 6 big-endian bytes, then each sub-authority little-endian.
func (s SID) AppendBinary(b []byte) []byte {
	b = append(b, 1, byte(len(s.Sub)))
	for i := 5; i >= 0; i-- {
		b = append(b, byte(s.Authority>>(8*i)))
	}
	for _, n := range s.Sub {
		b = binary.LittleEndian.AppendUint32(b, n)
	}
	return b
}

// decodeSID reads a binary SID at the start of b and returns its length.
func decodeSID(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, errors.New("SID truncated")
	}
	if b[0] != 1 {
		return SID{}, 0, fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > 15 {
		return SID{}, 0, fmt.Errorf("SID with %d sub-authorities (at most 15)", n)
	}
	size := 8 + 4*n
	if len(b) < size {
		return SID{}, 0, errors.New("SID truncated")
	}
	var sid SID
	for i := 0; i < 6; i++ {
		sid.Authority = sid.Authority<<8 | uint64(b[2+i])
	}
	for i := 0; i < n; i++ {
		sid.Sub = append(sid.Sub, binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return sid, size, nil
}
