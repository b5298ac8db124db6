package secdesc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ACE types this model writes and reads.
const (
	AccessAllowed byte = 0 // ACCESS_ALLOWED_ACE_TYPE
	AccessDenied  byte = 1 // ACCESS_DENIED_ACE_TYPE
)

// Share access masks, as the Server service writes them for the three
// rights of Grant-SmbShareAccess (deny entries use MaskFull).
const (
	MaskFull   uint32 = 0x001F01FF // FILE_ALL_ACCESS
	MaskChange uint32 = 0x001301BF // read, write, execute, delete
	MaskRead   uint32 = 0x001200A9 // read and execute
)

// ACE is one access control entry.
type ACE struct {
	Type  byte
	Flags byte
	Mask  uint32
	SID   SID
}

// SD is a security descriptor with an optional owner and group and a DACL
// (no SACL: share descriptors carry none).
type SD struct {
	Owner *SID
	Group *SID
	DACL  []ACE
}

const (
	sdRevision    = 1
	aclRevision   = 2
	seDACLPresent = 0x0004
	seSelfRelat   = 0x8000
	sdHeaderLen   = 20
	aclHeaderLen  = 8
	aceHeaderLen  = 8
)

// Encode writes the self-relative form Windows keeps in the registry:
//
//	revision(1) sbz1(1) control(2) owner-off(4) group-off(4) sacl-off(4) dacl-off(4)
//	DACL: revision 2, sbz1, size(2), ace count(2), sbz2(2), then ACEs
//	ACE:  type(1) flags(1) size(2) mask(4) SID
//	then the owner and group SIDs.
//
// Offsets are from the start of the descriptor; 0 means absent. All
// integers are little-endian.
func (sd SD) Encode() []byte {
	aclLen := aclHeaderLen
	for _, a := range sd.DACL {
		aclLen += aceHeaderLen + a.SID.Len()
	}
	b := make([]byte, sdHeaderLen, sdHeaderLen+aclLen+2*(8+4*5))
	b[0] = sdRevision
	binary.LittleEndian.PutUint16(b[2:], seSelfRelat|seDACLPresent)
	binary.LittleEndian.PutUint32(b[16:], uint32(len(b)))
	b = append(b, aclRevision, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(aclLen))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(sd.DACL)))
	b = append(b, 0, 0)
	for _, a := range sd.DACL {
		b = append(b, a.Type, a.Flags)
		b = binary.LittleEndian.AppendUint16(b, uint16(aceHeaderLen+a.SID.Len()))
		b = binary.LittleEndian.AppendUint32(b, a.Mask)
		b = a.SID.AppendBinary(b)
	}
	if sd.Owner != nil {
		binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
		b = sd.Owner.AppendBinary(b)
	}
	if sd.Group != nil {
		binary.LittleEndian.PutUint32(b[8:], uint32(len(b)))
		b = sd.Group.AppendBinary(b)
	}
	return b
}

// Decode reads a self-relative security descriptor, following its offsets
// (Windows does not promise an order of the parts).
func Decode(b []byte) (SD, error) {
	var sd SD
	if len(b) < sdHeaderLen {
		return sd, errors.New("security descriptor shorter than its 20-byte header")
	}
	if b[0] != sdRevision {
		return sd, fmt.Errorf("security descriptor revision %d, want 1", b[0])
	}
	control := binary.LittleEndian.Uint16(b[2:])
	if control&seSelfRelat == 0 {
		return sd, errors.New("security descriptor is not self-relative")
	}
	sidAt := func(field int) (*SID, error) {
		off := int(binary.LittleEndian.Uint32(b[field:]))
		if off == 0 {
			return nil, nil
		}
		if off >= len(b) {
			return nil, fmt.Errorf("SID offset %d beyond the descriptor's %d bytes", off, len(b))
		}
		s, _, err := decodeSID(b[off:])
		return &s, err
	}
	var err error
	if sd.Owner, err = sidAt(4); err != nil {
		return sd, fmt.Errorf("owner: %w", err)
	}
	if sd.Group, err = sidAt(8); err != nil {
		return sd, fmt.Errorf("group: %w", err)
	}
	daclOff := int(binary.LittleEndian.Uint32(b[16:]))
	if control&seDACLPresent == 0 || daclOff == 0 {
		return sd, nil // no DACL: Windows would grant everything; shares never have this
	}
	if daclOff+aclHeaderLen > len(b) {
		return sd, errors.New("DACL beyond the end of the descriptor")
	}
	acl := b[daclOff:]
	if acl[0] != aclRevision && acl[0] != 4 {
		return sd, fmt.Errorf("ACL revision %d", acl[0])
	}
	size := int(binary.LittleEndian.Uint16(acl[2:]))
	count := int(binary.LittleEndian.Uint16(acl[4:]))
	if size > len(acl) || size < aclHeaderLen {
		return sd, fmt.Errorf("ACL size %d does not fit", size)
	}
	acl = acl[:size]
	pos := aclHeaderLen
	sd.DACL = []ACE{}
	for i := 0; i < count; i++ {
		if pos+aceHeaderLen > len(acl) {
			return sd, fmt.Errorf("ACE %d truncated", i)
		}
		aceSize := int(binary.LittleEndian.Uint16(acl[pos+2:]))
		if aceSize < aceHeaderLen+8 || pos+aceSize > len(acl) {
			return sd, fmt.Errorf("ACE %d size %d does not fit", i, aceSize)
		}
		a := ACE{Type: acl[pos], Flags: acl[pos+1], Mask: binary.LittleEndian.Uint32(acl[pos+4:])}
		if a.Type != AccessAllowed && a.Type != AccessDenied {
			return sd, fmt.Errorf("ACE %d has type %d; share descriptors hold allow (0) and deny (1) entries only", i, a.Type)
		}
		sid, n, err := decodeSID(acl[pos+aceHeaderLen : pos+aceSize])
		if err != nil {
			return sd, fmt.Errorf("ACE %d: %w", i, err)
		}
		if aceHeaderLen+n != aceSize {
			return sd, fmt.Errorf("ACE %d: size %d does not match its SID", i, aceSize)
		}
		a.SID = sid
		sd.DACL = append(sd.DACL, a)
		pos += aceSize
	}
	return sd, nil
}
