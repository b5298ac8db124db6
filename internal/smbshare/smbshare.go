// Package smbshare holds the rules Windows applies to SMB shares that both
// sides need: which share names, folder paths and account spellings are
// valid, when a path is under a scope root, and when two shares are the same.
// The provider uses it to fail at plan time; the lab uses it to refuse what
// Windows refuses.
package smbshare

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// MaxNameLength is Windows' limit on a share name, in UTF-16 code units
// (MS-FSCC 2.1.6: "no more than 80 characters"; Windows counts WCHARs).
const MaxNameLength = 80

// ForbiddenNameChars are the characters MS-FSCC 2.1.6 makes illegal in a
// share name; control characters 0x00-0x1F are illegal too.
const ForbiddenNameChars = `"\/[]:|<>+=;,*?`

// Fold is the comparison form of share names, paths and account names,
// which Windows compares case-insensitively.
func Fold(s string) string { return strings.ToUpper(s) }

// ValidateName checks a share name as Windows does, and refuses the names
// of administrative shares, which this provider never manages.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("share name is empty")
	}
	if n := len(utf16.Encode([]rune(name))); n > MaxNameLength {
		return fmt.Errorf("share name %q is %d characters long; Windows allows at most %d", name, n, MaxNameLength)
	}
	for _, r := range name {
		if r < 0x20 {
			return fmt.Errorf("share name %q contains the control character %U, which Windows forbids in share names", name, r)
		}
		if strings.ContainsRune(ForbiddenNameChars, r) {
			return fmt.Errorf("share name %q contains %q; Windows forbids these characters in share names: %s", name, r, spaced(ForbiddenNameChars))
		}
	}
	if IsAdministrativeName(name) {
		return fmt.Errorf("share name %q is an administrative share name (IPC$, ADMIN$, PRINT$ or a drive letter followed by $), which Windows manages itself", name)
	}
	return nil
}

var driveShare = regexp.MustCompile(`^[A-Za-z]\$$`)

// IsAdministrativeName reports the names Windows reserves for its own
// shares: IPC$, ADMIN$, PRINT$ and <letter>$.
func IsAdministrativeName(name string) bool {
	switch Fold(name) {
	case "IPC$", "ADMIN$", "PRINT$":
		return true
	}
	return driveShare.MatchString(name)
}

func spaced(chars string) string {
	parts := make([]string, 0, len(chars))
	for _, r := range chars {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, " ")
}

// forbiddenPathChars are illegal in NTFS file and folder names (besides
// control characters and the backslash separator).
const forbiddenPathChars = `<>:"/|?*`

// ValidatePath checks a share folder path: a drive letter, a colon, a
// backslash, then folder names separated by single backslashes, without a
// trailing backslash (except the volume root `X:\`), `.` or `..`, or names
// ending in a dot or space (Windows would strip them, and the share would
// then point elsewhere than declared).
func ValidatePath(p string) error {
	if len(p) < 3 || !isLetter(p[0]) || p[1] != ':' || p[2] != '\\' {
		return fmt.Errorf("path %q must be a local folder path such as X:\\Finance (a drive letter, a colon and a backslash first)", p)
	}
	rest := p[3:]
	if rest == "" {
		return nil
	}
	for _, seg := range strings.Split(rest, `\`) {
		switch {
		case seg == "":
			return fmt.Errorf("path %q has an empty folder name (a doubled or trailing backslash)", p)
		case seg == "." || seg == "..":
			return fmt.Errorf("path %q contains %q; a folder path cannot hold . or .. segments", p, seg)
		case strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " "):
			return fmt.Errorf("path %q has the folder name %q ending in a dot or a space, which Windows strips", p, seg)
		}
		for _, r := range seg {
			if r < 0x20 || strings.ContainsRune(forbiddenPathChars, r) {
				return fmt.Errorf("path %q contains %q, which Windows forbids in folder names (%s and control characters)", p, r, spaced(forbiddenPathChars))
			}
		}
	}
	return nil
}

func isLetter(b byte) bool { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') }

// NormalizeRoot validates a scope root and returns its normal form: `X:`,
// `x:\` and `X:\` are the volume root `X:\`; a folder root loses a trailing
// backslash (`X:\Data\` is `X:\Data`). The drive letter is upper-cased.
func NormalizeRoot(root string) (string, error) {
	r := root
	if len(r) == 2 && isLetter(r[0]) && r[1] == ':' {
		r += `\`
	}
	if len(r) > 3 && strings.HasSuffix(r, `\`) {
		r = strings.TrimSuffix(r, `\`)
	}
	if err := ValidatePath(r); err != nil {
		return "", fmt.Errorf("scope root %q: %w", root, err)
	}
	return strings.ToUpper(r[:1]) + r[1:], nil
}

// Drive returns the drive letter of a share path, upper case ("X").
func Drive(p string) string {
	if len(p) < 2 || !isLetter(p[0]) || p[1] != ':' {
		return ""
	}
	return strings.ToUpper(p[:1])
}

// UnderRoot reports whether path is the root or inside it, comparing
// case-insensitively and at folder boundaries (X:\Data2 is not under X:\Data).
func UnderRoot(path, root string) bool {
	root, err := NormalizeRoot(root)
	if err != nil {
		return false
	}
	fp, fr := Fold(path), Fold(root)
	if strings.HasSuffix(fr, `\`) { // a volume root
		return strings.HasPrefix(fp, fr)
	}
	return fp == fr || strings.HasPrefix(fp, fr+`\`)
}

// InScope reports whether path is under one of the roots.
func InScope(path string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return UnderRoot(path, r) })
}

var (
	sidPattern      = regexp.MustCompile(`^[Ss]-1(-[0-9]+){2,15}$`)
	netbiosDomain   = regexp.MustCompile(`^[A-Za-z0-9!#$%&'()\-.^_{}~]{1,15}$`)
	wellKnownBare   = []string{"Everyone", "CREATOR OWNER", "CREATOR GROUP"}
	specialDomains  = []string{"BUILTIN", "NT AUTHORITY"}
	forbiddenInName = `"/\[]:;|=,+*?<>@`
)

// AccountFormats describes the accepted account spellings, for errors and docs.
const AccountFormats = "DOMAIN\\name (BUILTIN\\Administrators, NT AUTHORITY\\Authenticated Users, CORP\\Finance), " +
	"a SID (S-1-5-21-...), or one of Everyone, CREATOR OWNER, CREATOR GROUP"

// ValidateAccount checks the spelling of an account, not whether it
// exists: that only the server can tell. Get-SmbShareAccess reports accounts
// as DOMAIN\name (or a bare well-known name, or a SID when it does not
// resolve), so only those spellings compare equal to what the server
// reports; a bare "Administrators" or a UPN would show as a permanent diff.
func ValidateAccount(account string) error {
	if sidPattern.MatchString(account) {
		return nil
	}
	for _, w := range wellKnownBare {
		if strings.EqualFold(account, w) {
			return nil
		}
	}
	domain, name, ok := strings.Cut(account, `\`)
	if ok && (slices.ContainsFunc(specialDomains, func(d string) bool { return strings.EqualFold(d, domain) }) || netbiosDomain.MatchString(domain)) &&
		validAccountName(name) {
		return nil
	}
	return fmt.Errorf("unknown account format %q: use %s", account, AccountFormats)
}

func validAccountName(name string) bool {
	if name == "" || len(utf16.Encode([]rune(name))) > 256 || strings.Trim(name, ". ") == "" {
		return false
	}
	for _, r := range name {
		if r < 0x20 || strings.ContainsRune(forbiddenInName, r) {
			return false
		}
	}
	return true
}

// ValidateShare checks a whole share against the rules above and the
// access list's shape: valid rights and types, and at most one allow right
// per account (Grant-SmbShareAccess keeps one; a deny may sit beside it).
func ValidateShare(s agent.Share) error {
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	if err := ValidatePath(s.Path); err != nil {
		return err
	}
	if !slices.Contains(agent.CachingModes, s.CachingMode) {
		return fmt.Errorf("caching mode %q is not one of %s", s.CachingMode, strings.Join(agent.CachingModes, ", "))
	}
	seen := map[string]string{}
	for _, a := range s.Access {
		if err := ValidateAccount(a.Account); err != nil {
			return err
		}
		if a.Type != agent.AccessAllow && a.Type != agent.AccessDeny {
			return fmt.Errorf("access type %q for %s is not %s or %s", a.Type, a.Account, agent.AccessAllow, agent.AccessDeny)
		}
		if a.Right != agent.RightFull && a.Right != agent.RightChange && a.Right != agent.RightRead {
			return fmt.Errorf("access right %q for %s is not %s, %s or %s", a.Right, a.Account, agent.RightFull, agent.RightChange, agent.RightRead)
		}
		key := a.Type + " " + AccountKey(a.Account)
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("account %s is given %s and %s %s access; give it one", a.Account, prev, a.Right, a.Type)
		}
		seen[key] = a.Right
	}
	return nil
}

// AccountKey is what an account compares by: the SID of a well-known
// account (agent.WellKnownAccounts) however it is spelled (Everyone,
// S-1-1-0), any other name case-insensitively.
func AccountKey(account string) string {
	if sid, ok := agent.WellKnownSID(account); ok {
		return sid
	}
	return Fold(account)
}

// SameAccess compares two access lists as sets, accounts by AccountKey.
func SameAccess(a, b []agent.ShareAccess) bool {
	key := func(e agent.ShareAccess) string { return e.Type + "\x00" + e.Right + "\x00" + AccountKey(e.Account) }
	ka := make([]string, 0, len(a))
	for _, e := range a {
		ka = append(ka, key(e))
	}
	kb := make([]string, 0, len(b))
	for _, e := range b {
		kb = append(kb, key(e))
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(slices.Compact(ka), slices.Compact(kb))
}

// Same reports whether two shares are the same as Windows sees them: names,
// paths and accounts compare case-insensitively, descriptions exactly.
func Same(a, b agent.Share) bool {
	return strings.EqualFold(a.Name, b.Name) && strings.EqualFold(a.Path, b.Path) && a.Description == b.Description &&
		a.CachingMode == b.CachingMode && a.AccessBasedEnumeration == b.AccessBasedEnumeration &&
		a.ConcurrentUserLimit == b.ConcurrentUserLimit && a.EncryptData == b.EncryptData && SameAccess(a.Access, b.Access)
}

// Differences lists, for messages, which properties of have differ from want.
func Differences(want, have agent.Share) []string {
	var out []string
	if !strings.EqualFold(want.Path, have.Path) {
		out = append(out, fmt.Sprintf("path is %q, not %q", have.Path, want.Path))
	}
	if want.Description != have.Description {
		out = append(out, fmt.Sprintf("description is %q, not %q", have.Description, want.Description))
	}
	if want.CachingMode != have.CachingMode {
		out = append(out, fmt.Sprintf("caching mode is %s, not %s", have.CachingMode, want.CachingMode))
	}
	if want.AccessBasedEnumeration != have.AccessBasedEnumeration {
		out = append(out, fmt.Sprintf("access-based enumeration is %t, not %t", have.AccessBasedEnumeration, want.AccessBasedEnumeration))
	}
	if want.ConcurrentUserLimit != have.ConcurrentUserLimit {
		out = append(out, fmt.Sprintf("concurrent user limit is %d, not %d", have.ConcurrentUserLimit, want.ConcurrentUserLimit))
	}
	if want.EncryptData != have.EncryptData {
		out = append(out, fmt.Sprintf("encrypt data is %t, not %t", have.EncryptData, want.EncryptData))
	}
	if !SameAccess(want.Access, have.Access) {
		out = append(out, "access is "+DescribeAccess(have.Access)+", not "+DescribeAccess(want.Access))
	}
	return out
}

// DescribeAccess is the text form of an access list: "Allow Everyone Read, ...".
func DescribeAccess(list []agent.ShareAccess) string {
	if len(list) == 0 {
		return "(no entries)"
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		parts = append(parts, fmt.Sprintf("%s %s %s", e.Type, e.Account, e.Right))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
