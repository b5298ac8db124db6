// Package addir models the part of Active Directory the lab needs: the
// domain's computer accounts and their servicePrincipalName values. One
// directory is shared by every host of the lab, as every domain member sees
// the same domain.
package addir

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrNoAccount is a computer account that does not exist.
var ErrNoAccount = errors.New("no such computer account")

// DuplicateError is an SPN refused because another account holds it.
// Domain controllers since Windows Server 2012 R2 check SPN uniqueness on
// every add (error 8647, ERROR_DS_SPN_VALUE_NOT_UNIQUE_IN_FOREST: "The
// operation failed because SPN value provided for addition/modification is
// not unique forest-wide").
type DuplicateError struct {
	SPN, Holder string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("The operation failed because SPN value provided for addition/modification is not unique forest-wide (%s is on %s)", e.SPN, e.Holder)
}

// Directory is the domain's computer accounts.
type Directory struct {
	mu       sync.Mutex
	accounts map[string]map[string]string // folded account name -> folded SPN -> SPN as written
	names    map[string]string            // folded account name -> name as created
	onChange func(account, detail string)
}

// New returns an empty directory. onChange, when set, is told of every
// change (for the lab's timeline).
func New(onChange func(account, detail string)) *Directory {
	return &Directory{accounts: map[string]map[string]string{}, names: map[string]string{}, onChange: onChange}
}

// fold is how the directory compares account names and SPNs: without
// regard to case, and an account with or without its trailing $.
func fold(s string) string { return strings.ToUpper(strings.TrimSuffix(s, "$")) }

// AddComputer creates a computer account (joining a host to the domain).
func (d *Directory) AddComputer(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.accounts[fold(name)]; !ok {
		d.accounts[fold(name)] = map[string]string{}
		d.names[fold(name)] = strings.ToUpper(strings.TrimSuffix(name, "$"))
	}
}

// SPNs returns an account's SPNs sorted case-insensitively.
func (d *Directory) SPNs(account string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	spns, ok := d.accounts[fold(account)]
	if !ok {
		return nil, ErrNoAccount
	}
	return sorted(spns), nil
}

// Holders returns the accounts holding spn, sorted.
func (d *Directory) Holders(spn string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for acct, spns := range d.accounts {
		if _, ok := spns[fold(spn)]; ok {
			out = append(out, d.names[acct])
		}
	}
	sort.Strings(out)
	return out
}

// Duplicates returns every SPN held by more than one account, with the
// holders, for the lab's invariant.
func (d *Directory) Duplicates() map[string][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	holders := map[string][]string{}
	written := map[string]string{}
	for acct, spns := range d.accounts {
		for f, s := range spns {
			holders[f] = append(holders[f], d.names[acct])
			written[f] = s
		}
	}
	out := map[string][]string{}
	for f, h := range holders {
		if len(h) > 1 {
			sort.Strings(h)
			out[written[f]] = h
		}
	}
	return out
}

// Modify removes and then adds SPNs on one account, as one LDAP modify of
// servicePrincipalName does (Set-ADComputer -ServicePrincipalNames
// @{Add=...; Remove=...}). An add of an SPN another account holds fails as a
// Windows Server 2012 R2 or later domain controller fails it, and nothing
// changes. Adding an SPN the account holds, or removing one it lacks, is
// not an error.
func (d *Directory) Modify(account string, add, remove []string) error {
	d.mu.Lock()
	spns, ok := d.accounts[fold(account)]
	if !ok {
		d.mu.Unlock()
		return ErrNoAccount
	}
	for _, s := range add {
		for acct, other := range d.accounts {
			if _, held := other[fold(s)]; held && acct != fold(account) {
				d.mu.Unlock()
				return &DuplicateError{SPN: s, Holder: d.names[acct]}
			}
		}
	}
	var changes []string
	for _, s := range remove {
		if _, held := spns[fold(s)]; held {
			delete(spns, fold(s))
			changes = append(changes, "-"+s)
		}
	}
	for _, s := range add {
		if _, held := spns[fold(s)]; !held {
			spns[fold(s)] = s
			changes = append(changes, "+"+s)
		}
	}
	name := d.names[fold(account)]
	d.mu.Unlock()
	if len(changes) > 0 && d.onChange != nil {
		d.onChange(name, strings.Join(changes, " "))
	}
	return nil
}

func sorted(spns map[string]string) []string {
	out := make([]string, 0, len(spns))
	for _, s := range spns {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToUpper(out[i]) < strings.ToUpper(out[j]) })
	return out
}
