package secdesc

import (
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
)

// DomainName is the lab's Active Directory domain (NetBIOS name) and
// DomainSID its fixed domain SID.
const (
	DomainName = "CORP"
	DomainSID  = "S-1-5-21-1004336348-1177238915-682003330"
)

// wellKnown are the accounts every Windows host resolves, spelled as
// Get-SmbShareAccess reports them.
var wellKnown = []struct{ name, sid string }{
	{"Everyone", "S-1-1-0"},
	{"CREATOR OWNER", "S-1-3-0"},
	{"CREATOR GROUP", "S-1-3-1"},
	{`NT AUTHORITY\NETWORK`, "S-1-5-2"},
	{`NT AUTHORITY\INTERACTIVE`, "S-1-5-4"},
	{`NT AUTHORITY\ANONYMOUS LOGON`, "S-1-5-7"},
	{`NT AUTHORITY\Authenticated Users`, "S-1-5-11"},
	{`NT AUTHORITY\SYSTEM`, "S-1-5-18"},
	{`NT AUTHORITY\LOCAL SERVICE`, "S-1-5-19"},
	{`NT AUTHORITY\NETWORK SERVICE`, "S-1-5-20"},
	{`BUILTIN\Administrators`, "S-1-5-32-544"},
	{`BUILTIN\Users`, "S-1-5-32-545"},
	{`BUILTIN\Guests`, "S-1-5-32-546"},
	{`BUILTIN\Power Users`, "S-1-5-32-547"},
	{`BUILTIN\Account Operators`, "S-1-5-32-548"},
	{`BUILTIN\Server Operators`, "S-1-5-32-549"},
	{`BUILTIN\Print Operators`, "S-1-5-32-550"},
	{`BUILTIN\Backup Operators`, "S-1-5-32-551"},
	{`BUILTIN\Remote Desktop Users`, "S-1-5-32-555"},
	{`CORP\Administrator`, DomainSID + "-500"},
	{`CORP\Guest`, DomainSID + "-501"},
	{`CORP\Domain Admins`, DomainSID + "-512"},
	{`CORP\Domain Users`, DomainSID + "-513"},
	{`CORP\Domain Guests`, DomainSID + "-514"},
	{`CORP\Domain Computers`, DomainSID + "-515"},
}

// directory maps folded names to SIDs and SIDs back to names. CORP accounts
// other than the well-known ones exist as soon as they are named: their RID
// derives from the name, so every host of a lab (and every lab) agrees.
var directory = newDirectory()

type accountDirectory struct {
	sync.Mutex
	byName map[string]SID
	bySID  map[string]string
}

func newDirectory() *accountDirectory {
	d := &accountDirectory{byName: map[string]SID{}, bySID: map[string]string{}}
	for _, w := range wellKnown {
		d.remember(w.name, MustSID(w.sid))
	}
	return d
}

func (d *accountDirectory) remember(name string, sid SID) {
	d.byName[strings.ToUpper(name)] = sid
	if _, ok := d.bySID[sid.String()]; !ok {
		d.bySID[sid.String()] = name
	}
}

// UnknownAccountError is an account name that does not resolve.
type UnknownAccountError struct{ Name string }

func (e *UnknownAccountError) Error() string {
	return fmt.Sprintf("no mapping between account name %q and a security ID was done (the lab knows Everyone, BUILTIN\\..., NT AUTHORITY\\..., %s\\<any name> and SID strings)", e.Name, DomainName)
}

// Resolve maps an account name to its SID as a domain member of CORP
// would: well-known names, CORP\<name> (RID 1000 and up, derived from the
// name) and SID strings. Anything else is an *UnknownAccountError.
func Resolve(name string) (SID, error) {
	if strings.HasPrefix(strings.ToUpper(name), "S-1-") {
		if sid, err := ParseSID(name); err == nil {
			return sid, nil
		}
	}
	directory.Lock()
	defer directory.Unlock()
	if sid, ok := directory.byName[strings.ToUpper(name)]; ok {
		return sid, nil
	}
	domain, user, ok := strings.Cut(name, `\`)
	if !ok || !strings.EqualFold(domain, DomainName) || user == "" {
		return SID{}, &UnknownAccountError{Name: name}
	}
	sid := MustSID(fmt.Sprintf("%s-%d", DomainSID, rid(user)))
	directory.remember(DomainName+`\`+user, sid)
	return sid, nil
}

// rid derives a stable relative ID from an account name, case-insensitively.
func rid(user string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToUpper(user)))
	return 1100 + h.Sum32()%1_000_000_000
}

// Name maps a SID back to the account name; a SID nobody resolved in this
// process is reported as its string form, as Windows shows orphaned SIDs.
func Name(sid SID) string {
	directory.Lock()
	defer directory.Unlock()
	if n, ok := directory.bySID[sid.String()]; ok {
		return n
	}
	return sid.String()
}
