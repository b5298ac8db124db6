package lab

import "sync"

// Violation is a state of the estate that must never happen, such as a LUN
// mapped to two hosts or the alias pointing at a server without the shares.
type Violation struct {
	Invariant string `json:"invariant"`
	Detail    string `json:"detail"`
}

// Check inspects the whole estate and reports what is wrong. Each layer of
// the lab (array, disks, shares, DNS) registers the checks for its part.
type Check func(l *Lab) []Violation

var checks struct {
	sync.Mutex
	list []Check
}

// RegisterCheck adds an invariant to every lab.
func RegisterCheck(c Check) {
	checks.Lock()
	checks.list = append(checks.list, c)
	checks.Unlock()
}

// Invariants runs every registered check; an empty list means the estate
// is sound. It never returns nil, so the admin API always answers [].
func (l *Lab) Invariants() []Violation {
	checks.Lock()
	list := append([]Check{}, checks.list...)
	checks.Unlock()
	out := []Violation{}
	for _, c := range list {
		out = append(out, c(l)...)
	}
	return out
}
