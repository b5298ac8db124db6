package lab

import (
	"maps"
	"slices"
	"strings"
)

// Invariant names a state of the estate that must never happen.
type Invariant string

// The invariants, as Violation.Invariant and the admin API name them.
const (
	OneHostPerLUN     Invariant = "one host per LUN"       // a LUN mapped to two initiator groups
	OneHostPerDisk    Invariant = "one host per disk"      // a disk online on two hosts: NTFS corruption
	MountWithoutDisk  Invariant = "mount without its disk" // a letter still served after a surprise removal
	DirtyVolumeServed Invariant = "dirty volume served"    // a dirty volume mounted before its repair
	AliasResolves     Invariant = "dns.alias"              // the alias is missing or leads to no address
	AliasServesShares Invariant = "alias serves the shares"
	SPNOnOneAccount   Invariant = "one account per SPN"            // an SPN on two computer accounts breaks Kerberos for it
	AliasSPNsOnTarget Invariant = "alias SPNs on the alias target" // clients' tickets for the alias are for another server
	DFSTargetsServe   Invariant = "dfs targets serve their shares" // an online folder target whose server does not serve its share
)

// Violation is a state of the estate that must never happen, such as a LUN
// mapped to two hosts or the alias pointing at a server without the shares.
type Violation struct {
	Invariant Invariant `json:"invariant"`
	Detail    string    `json:"detail"`
}

// heldTwice is one violation of inv per name held by two or more holders
// (a LUN by initiator groups, an SPN by accounts), in name order, each
// detailed by detail(name, "a and b").
func heldTwice(inv Invariant, holders map[string][]string, detail func(name, holders string) string) []Violation {
	var out []Violation
	for _, name := range slices.Sorted(maps.Keys(holders)) {
		out = append(out, Violation{Invariant: inv, Detail: detail(name, strings.Join(holders[name], " and "))})
	}
	return out
}

// invariants is every check of the estate, by layer (each reports the
// invariants named in its comment). Invariants runs them in this order.
var invariants = []func(l *Lab) []Violation{
	aliasServesShares, // AliasServesShares (share.go)
	aliasCheck,        // AliasResolves (dns.go)
	lunMappedOnce,     // OneHostPerLUN (san.go)
	disksSound,        // MountWithoutDisk, DirtyVolumeServed, OneHostPerDisk (volume.go)
	spnsSound,         // SPNOnOneAccount, AliasSPNsOnTarget (spn.go)
	dfsTargetsServe,   // DFSTargetsServe (dfs.go)
	addressHeldOnce,   // ServiceAddressOnce (address.go)
}

// Invariants runs every check; an empty list means the estate is sound.
// It never returns nil, so the admin API always answers [].
func (l *Lab) Invariants() []Violation {
	out := []Violation{}
	for _, inv := range invariants {
		out = append(out, inv(l)...)
	}
	return out
}
