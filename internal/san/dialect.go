package san

import (
	"fmt"
	"regexp"
	"strings"
)

// Mapping presents a LUN to an initiator group under a LUN ID.
type Mapping struct {
	LUN    string
	IGroup string
	ID     int // -1 when the CLI does not show it
}

// IGroup is an initiator group and its initiators.
type IGroup struct {
	Name       string
	Initiators []string
}

// ArrayError is a command the array answered with an error. Output is the
// array's answer, verbatim.
type ArrayError struct {
	Command string
	Output  string
}

func (e *ArrayError) Error() string {
	return fmt.Sprintf("The array answered `%s` with: %s", e.Command, strings.TrimSpace(e.Output))
}

// Dialect is one CLI family: how to say each operation and how to read the
// answers. Commands are built only from values the dialect's CheckLUN and
// CheckIGroup accept, so nothing needs quoting (safety rule "data, not code").
type Dialect interface {
	Name() string
	// Prompt matches the CLI prompt (the last, unfinished line of output).
	Prompt() *regexp.Regexp
	CheckLUN(lun string) error
	CheckIGroup(igroup string) error

	// MapCommand maps; id < 0 lets the array choose when it can
	// (NeedsID says it cannot, and the client picks the lowest free ID).
	MapCommand(lun, igroup string, id int) string
	NeedsID() bool
	// ParseMap returns the LUN ID the array reports, -1 if it does not.
	ParseMap(cmd, out string) (int, error)
	UnmapCommand(lun, igroup string) string
	ParseUnmap(cmd, out string) error
	ListCommand() string
	ParseList(cmd, out string) ([]Mapping, error)
	SerialCommand(lun string) string
	ParseSerial(cmd, out string) (string, error)
	// SessionSetup is what to type once after login (e.g. turning the
	// pager off); each must answer with nothing.
	SessionSetup() []string
	// IGroupsCommand is "" when the CLI cannot list initiator groups.
	IGroupsCommand() string
	ParseIGroups(cmd, out string) ([]IGroup, error)
	// Sessions is how many CLI sessions the client may keep open side by
	// side, so that commands of different LUNs overlap; 1 where the
	// array's limit is not known.
	Sessions() int
}

// A name that needs no quoting on any line-oriented CLI: no blanks, quotes,
// shell or CLI metacharacters, and no leading '-' that would read as an
// option.
var plainToken = regexp.MustCompile(`^[A-Za-z0-9_./:@][A-Za-z0-9_./:@-]*$`)

// CheckToken reports a value that cannot be passed to an array CLI as is.
func CheckToken(what, v string) error {
	if len(v) == 0 || len(v) > 255 || !plainToken.MatchString(v) {
		return fmt.Errorf("%s %q must be 1-255 characters of letters, digits, '_', '.', '/', ':', '@' or '-' (not first): "+
			"array CLIs have no quoting, so nothing else can be passed safely", what, v)
	}
	return nil
}

// DialectNamed returns the dialect a provider configuration names:
// "ontap7" (the default), "ontap", which needs the SVM, or "generic",
// which needs g.
func DialectNamed(name string, g *GenericConfig, vserver string) (Dialect, error) {
	switch name {
	case "", "ontap7":
		return ONTAP7{}, nil
	case "ontap":
		if err := CheckVserver(vserver); err != nil {
			return nil, err
		}
		return ONTAP{Vserver: vserver}, nil
	case "generic":
		if g == nil {
			return nil, fmt.Errorf("the generic dialect needs its commands and patterns (san.generic)")
		}
		return NewGeneric(*g)
	}
	return nil, fmt.Errorf("unknown SAN dialect %q; dialects: ontap, ontap7, generic", name)
}
