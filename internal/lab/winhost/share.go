package winhost

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/smbshare"
)

// Shares are stored as Windows stores them, so that the registry operations
// (and a manual copy of the two values to another host) see and
// carry them:
//
//	HKLM\...\LanmanServer\Shares\<name>           REG_MULTI_SZ, one line per property,
//	                                                sorted by property name:
//	  CATimeout=0
//	  CSCFlags=<caching>        0x00 manual, 0x10 documents, 0x20 programs, 0x30 none (decimal)
//	  MaxUses=<limit>           4294967295 = unlimited
//	  Path=X:\Finance
//	  Permissions=0
//	  Remark=<description>      only when not empty
//	  ShareFlags=<flags>        only when not 0: 0x800 access-based enumeration,
//	                            0x2000 BranchCache hashes, 0x8000 encrypt data (decimal)
//	  ShareName=<name>
//	  Type=0                    STYPE_DISKTREE
//	HKLM\...\LanmanServer\Shares\Security\<name>  REG_BINARY self-relative security descriptor
//
// The Server service here re-reads the registry on every access, as if it
// were restarted after each change; the administrative shares C$, ADMIN$ and
// IPC$ are not in the registry on Windows either: the service creates them.
// One thing it does only when it starts: it recreates each registry share,
// and skips one whose folder is missing (event 2511, source Server: "The
// server service was unable to recreate the share ... because the
// directory ... no longer exists", Microsoft KB 302829). The share stays in
// the registry but is neither listed nor served until it is created again
// (New-SmbShare) or the service restarts with the folder there: a share on
// a SAN volume whose disk is offline at boot stays away once it is online.

const (
	cscManual    = 0x00
	cscDocuments = 0x10
	cscPrograms  = 0x20
	cscNone      = 0x30
	cscMask      = 0x30

	flagABE         = 0x0800 // SHI1005_FLAGS_ACCESS_BASED_DIRECTORY_ENUM
	flagBranchCache = 0x2000 // SHI1005_FLAGS_ENABLE_HASH
	flagEncrypt     = 0x8000 // SHI1005_FLAGS_ENCRYPT_DATA

	unlimitedUses = 4294967295
)

var shareKeys = struct{ shares, security keyPath }{mustPath(KeyLanmanServerShares), mustPath(KeyShareSecurity)}

// specialShares are the administrative shares every host has.
var specialShares = []agent.ShareInfo{
	{Share: agent.Share{Name: "ADMIN$", Path: `C:\Windows`, Description: "Remote Admin", CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{{Account: `BUILTIN\Administrators`, Right: agent.RightFull, Type: agent.AccessAllow}}}, Special: true, Available: true},
	{Share: agent.Share{Name: "C$", Path: `C:\`, Description: "Default share", CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{{Account: `BUILTIN\Administrators`, Right: agent.RightFull, Type: agent.AccessAllow}}}, Special: true, Available: true},
	{Share: agent.Share{Name: "IPC$", Description: "Remote IPC", CachingMode: agent.CachingManual,
		Access: []agent.ShareAccess{{Account: "Everyone", Right: agent.RightRead, Type: agent.AccessAllow}}}, Special: true, Available: true},
}

func specialShare(name string) (agent.ShareInfo, bool) {
	for _, s := range specialShares {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return agent.ShareInfo{}, false
}

// encodeShareLines is the REG_MULTI_SZ form of a share.
func encodeShareLines(s agent.Share) []string {
	csc, flags := 0, 0
	switch s.CachingMode {
	case agent.CachingDocuments:
		csc = cscDocuments
	case agent.CachingPrograms:
		csc = cscPrograms
	case agent.CachingNone:
		csc = cscNone
	case agent.CachingBranchCache:
		flags |= flagBranchCache
	}
	if s.AccessBasedEnumeration {
		flags |= flagABE
	}
	if s.EncryptData {
		flags |= flagEncrypt
	}
	maxUses := uint64(unlimitedUses)
	if s.ConcurrentUserLimit != 0 {
		maxUses = uint64(s.ConcurrentUserLimit)
	}
	lines := []string{"CATimeout=0", "CSCFlags=" + strconv.Itoa(csc), "MaxUses=" + strconv.FormatUint(maxUses, 10), "Path=" + s.Path, "Permissions=0"}
	if s.Description != "" {
		lines = append(lines, "Remark="+s.Description)
	}
	if flags != 0 {
		lines = append(lines, "ShareFlags="+strconv.Itoa(flags))
	}
	return append(lines, "ShareName="+s.Name, "Type=0")
}

// decodeShareLines reads a share's REG_MULTI_SZ value (written by the lab,
// by Windows, or copied by hand). valueName is used when ShareName= is absent.
func decodeShareLines(valueName string, lines []string) (agent.Share, error) {
	s := agent.Share{Name: valueName, CachingMode: agent.CachingManual}
	num := func(key, v string) (uint64, error) {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("share %q: %s=%q is not a number", valueName, key, v)
		}
		return n, nil
	}
	var csc, flags uint64
	for _, line := range lines {
		key, v, ok := strings.Cut(line, "=")
		if !ok {
			continue // Windows ignores lines it does not understand
		}
		var err error
		switch strings.ToUpper(key) {
		case "PATH":
			s.Path = v
		case "REMARK":
			s.Description = v
		case "SHARENAME":
			s.Name = v
		case "CSCFLAGS":
			csc, err = num(key, v)
		case "SHAREFLAGS":
			flags, err = num(key, v)
		case "MAXUSES":
			var n uint64
			if n, err = num(key, v); err == nil && n != unlimitedUses {
				s.ConcurrentUserLimit = uint32(n)
			}
		case "TYPE":
			var t uint64
			if t, err = num(key, v); err == nil && t != 0 {
				err = fmt.Errorf("share %q: type %d is not a disk share", valueName, t)
			}
		}
		if err != nil {
			return agent.Share{}, err
		}
	}
	if s.Path == "" {
		return agent.Share{}, fmt.Errorf("share %q has no Path= line", valueName)
	}
	switch {
	case flags&flagBranchCache != 0:
		s.CachingMode = agent.CachingBranchCache
	case csc&cscMask == cscDocuments:
		s.CachingMode = agent.CachingDocuments
	case csc&cscMask == cscPrograms:
		s.CachingMode = agent.CachingPrograms
	case csc&cscMask == cscNone:
		s.CachingMode = agent.CachingNone
	}
	s.AccessBasedEnumeration = flags&flagABE != 0
	s.EncryptData = flags&flagEncrypt != 0
	return s, nil
}

// encodeAccess turns an access list into a security descriptor: deny
// entries first (canonical order), then allow entries, as the Server service
// writes them. Owner BUILTIN\Administrators, group NT AUTHORITY\SYSTEM.
func encodeAccess(locale string, list []agent.ShareAccess) ([]byte, *agent.Error) {
	var deny, allow []secdesc.ACE
	for _, e := range list {
		sid, err := resolveAccount(locale, e.Account)
		if err != nil {
			return nil, agent.Errorf(agent.CodeUnknownAccount, "%v", err)
		}
		ace := secdesc.ACE{Type: secdesc.AccessAllowed, Mask: rightMask(e.Right), SID: sid}
		if e.Type == agent.AccessDeny {
			ace.Type, ace.Mask = secdesc.AccessDenied, secdesc.MaskFull
			deny = append(deny, ace)
		} else {
			allow = append(allow, ace)
		}
	}
	owner, group := secdesc.MustSID("S-1-5-32-544"), secdesc.MustSID("S-1-5-18")
	return secdesc.SD{Owner: &owner, Group: &group, DACL: append(deny, allow...)}.Encode(), nil
}

func rightMask(right string) uint32 {
	switch right {
	case agent.RightFull:
		return secdesc.MaskFull
	case agent.RightChange:
		return secdesc.MaskChange
	}
	return secdesc.MaskRead
}

// decodeAccess reads a share's security descriptor as Get-SmbShareAccess
// reports it. A mask that is not exactly one of the three rights is Custom
// (MSFT_SmbShareAccessControlEntry.AccessRight: "Custom is returned when a
// share ACE is encountered that does not specify a set of access rights
// that correspond to one of the SMB-style access rights").
func decodeAccess(locale string, raw []byte) ([]agent.ShareAccess, error) {
	sd, err := secdesc.Decode(raw)
	if err != nil {
		return nil, err
	}
	out := []agent.ShareAccess{}
	for _, a := range sd.DACL {
		e := agent.ShareAccess{Account: wireAccount(locale, a.SID), Type: agent.AccessAllow, Right: agent.RightCustom}
		switch a.Mask {
		case secdesc.MaskFull:
			e.Right = agent.RightFull
		case secdesc.MaskChange:
			e.Right = agent.RightChange
		case secdesc.MaskRead:
			e.Right = agent.RightRead
		}
		if a.Type == secdesc.AccessDenied {
			e.Type = agent.AccessDeny
		}
		out = append(out, e)
	}
	return out, nil
}

// sharesLocked reads every share defined in the registry. A value that is
// not a share (wrong type, unreadable) is skipped, as the Server service
// skips it at start. A share without a security descriptor is open to
// Everyone (a NULL DACL), as on Windows.
func (h *Host) sharesLocked() []agent.ShareInfo {
	k := h.reg.lookup(shareKeys.shares)
	if k == nil {
		return nil
	}
	sec := h.reg.lookup(shareKeys.security)
	var out []agent.ShareInfo
	for _, v := range k.values {
		if v.kind != agent.RegMultiSZ {
			continue
		}
		s, err := decodeShareLines(v.name, v.strs)
		if err != nil || h.lostShares[fold(s.Name)] {
			continue
		}
		s.Access = []agent.ShareAccess{{Account: "Everyone", Right: agent.RightFull, Type: agent.AccessAllow}}
		if sec != nil {
			if sv := sec.values[fold(v.name)]; sv != nil && sv.kind == agent.RegBinary {
				if acl, err := decodeAccess(h.locale, sv.raw); err == nil {
					s.Access = acl
				}
			}
		}
		out = append(out, agent.ShareInfo{Share: s, Available: h.volumeMounted(s.Path)})
	}
	slices.SortFunc(out, func(a, b agent.ShareInfo) int { return strings.Compare(smbshare.Fold(a.Name), smbshare.Fold(b.Name)) })
	return out
}

// shareLocked finds a registry share by name, case-insensitively.
func (h *Host) shareLocked(name string) (agent.ShareInfo, bool) {
	for _, s := range h.sharesLocked() {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return agent.ShareInfo{}, false
}

// volumeMounted says whether the volume holding path is mounted and
// online (C: is the system drive and always mounted). A drive letter the
// volume model knows is mounted when its disk is visible and online: a
// stale letter of a vanished disk is not. Otherwise HKLM\SYSTEM\MountedDevices
// having \DosDevices\<drive>: decides, so tests that simulate a mount in
// the registry alone keep working.
func (h *Host) volumeMounted(path string) bool {
	drive := smbshare.Drive(path)
	if drive == "" || h.down {
		return false
	}
	if drive == "C" {
		return true
	}
	if ap := h.st.paths[fold(drive+":")]; ap != nil {
		d, _, _ := h.volumeLocked(ap.guid)
		return d != nil && h.volumesPresentLocked(d)
	}
	k := h.reg.lookup(mustPath(KeyMountedDevices))
	return k != nil && k.values[fold(`\DosDevices\`+drive+":")] != nil
}

// Serves reports whether a client opening \\<this host>\<share> would get
// in: the host is up, the Server service runs, and the share is defined (or
// administrative) with its volume mounted. The lab's client probe uses it
// after resolving the alias.
func (h *Host) Serves(share string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || !h.serviceRunningLocked("LanmanServer") {
		return false
	}
	if _, ok := specialShare(share); ok {
		return true
	}
	s, ok := h.shareLocked(share)
	return ok && s.Available
}

// SharePath is the local path of a share defined on the host (registry or
// administrative), whether or not it is served now.
func (h *Host) SharePath(share string) (string, bool) {
	if s, ok := specialShare(share); ok {
		return s.Path, s.Path != ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.shareLocked(share)
	return s.Path, ok
}

// Shares lists every share of the host, administrative ones included, as
// share.list with an empty scope does (for tests and the invariant checker).
func (h *Host) Shares() []agent.ShareInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append(slices.Clone(specialShares), h.sharesLocked()...)
}

// recreateSharesLocked is the Server service starting: every registry share
// whose folder is missing is skipped (event 2511), the others are served.
func (h *Host) recreateSharesLocked() {
	clear(h.lostShares)
	var lost []string
	for _, s := range h.sharesLocked() {
		if !h.volumeMounted(s.Path) {
			h.lostShares[fold(s.Name)] = true
			lost = append(lost, fmt.Sprintf("%s (%s)", s.Name, s.Path))
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		h.record("share.lost", "event 2511: the server service was unable to recreate these shares because their directory no longer exists: "+strings.Join(lost, ", "))
	}
}

// putShareLocked writes a share's two registry values. The registry.set
// events are not recorded: the caller records one share.* event instead.
func (h *Host) putShareLocked(s agent.Share, sd []byte) {
	delete(h.lostShares, fold(s.Name))
	h.putValueLocked(shareKeys.shares, &regValue{name: s.Name, kind: agent.RegMultiSZ, strs: encodeShareLines(s)})
	h.putValueLocked(shareKeys.security, &regValue{name: s.Name, kind: agent.RegBinary, raw: sd})
}

func (h *Host) putValueLocked(p keyPath, v *regValue) {
	k := h.reg.create(p)
	if old := k.values[fold(v.name)]; old != nil {
		v.name = old.name
	}
	k.values[fold(v.name)] = v
}

func (h *Host) deleteShareLocked(name string) {
	delete(h.lostShares, fold(name))
	for _, p := range []keyPath{shareKeys.shares, shareKeys.security} {
		if k := h.reg.lookup(p); k != nil {
			delete(k.values, fold(name))
		}
	}
}
