package san

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ONTAP is the clustered ONTAP 9 clustershell, scoped to one SVM
// (vserver). Commands and output follow the ONTAP 9 command reference
// (docs.netapp.com/us-en/ontap-cli: lun mapping create, lun mapping delete,
// lun mapping show, lun show, lun igroup show, rows): commands that change
// something print nothing on success and "Error: ..." on failure; show
// commands with -fields print a table (field names, a line of dashes per
// column, one row per record, and "N entries were displayed." after more
// than one), or "There are no entries matching your query.".
type ONTAP struct {
	Vserver string
}

var (
	// cluster1::> , cluster1::*> (advanced privilege), cluster1::lun> (a
	// command directory).
	clusterPrompt = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*::[A-Za-z0-9 ._-]*\*?> ?$`)
	clusterError  = regexp.MustCompile(`(?m)^Error: .*$`)
	noEntries     = "There are no entries matching your query."
	vserverName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._-]{0,46}$`)
)

// CheckVserver reports an SVM name the clustershell would not take as one
// word: 1-47 letters, digits, '_', '.' or '-', starting with a letter or '_'.
func CheckVserver(v string) error {
	if !vserverName.MatchString(v) {
		return fmt.Errorf("vserver %q must be 1-47 letters, digits, '_', '.' or '-', starting with a letter or '_' (the SVM that holds the LUNs)", v)
	}
	return nil
}

func (ONTAP) Name() string { return "ontap" }

// Sessions: the clustershell serves many SSH sessions at once, bounded per
// node and per client address by `security protocol ssh modify
// -per-source-limit -max-instances` (ONTAP 9 command reference); four
// stay well within any setting an administrator would choose.
func (ONTAP) Sessions() int          { return 4 }
func (ONTAP) Prompt() *regexp.Regexp { return clusterPrompt }

// NeedsID: lun mapping create prints nothing, so the client picks the LUN
// ID and passes it, and the mapping is known without a second command.
func (ONTAP) NeedsID() bool                   { return true }
func (ONTAP) CheckLUN(lun string) error       { return ONTAP7{}.CheckLUN(lun) }
func (ONTAP) CheckIGroup(igroup string) error { return ONTAP7{}.CheckIGroup(igroup) }
func (o ONTAP) scope(lun, igroup string) string {
	return "-vserver " + o.Vserver + " -path " + lun + " -igroup " + igroup
}

// SessionSetup turns the pager off: with a row limit the clustershell
// stops long output at "Press <space> to page down..." (the rows command:
// 0 disables pausing).
func (ONTAP) SessionSetup() []string { return []string{"rows 0"} }

func (o ONTAP) MapCommand(lun, igroup string, id int) string {
	cmd := "lun mapping create " + o.scope(lun, igroup)
	if id >= 0 {
		cmd += " -lun-id " + strconv.Itoa(id)
	}
	return cmd
}

// silent is the answer of a command that changes something: nothing, or
// the array's error.
func silent(cmd, out string) error {
	if strings.TrimSpace(out) != "" {
		return &ArrayError{Command: cmd, Output: out}
	}
	return nil
}

func (ONTAP) ParseMap(cmd, out string) (int, error) { return -1, silent(cmd, out) }

func (o ONTAP) UnmapCommand(lun, igroup string) string {
	return "lun mapping delete " + o.scope(lun, igroup)
}

func (ONTAP) ParseUnmap(cmd, out string) error { return silent(cmd, out) }

func (o ONTAP) ListCommand() string {
	return "lun mapping show -vserver " + o.Vserver + " -fields lun-id"
}

func (ONTAP) ParseList(cmd, out string) ([]Mapping, error) {
	rows, err := ParseFieldsTable(cmd, out, "path", "igroup", "lun-id")
	if err != nil {
		return nil, err
	}
	maps := make([]Mapping, 0, len(rows))
	for _, r := range rows {
		id, err := strconv.Atoi(r[2])
		if err != nil || id < 0 {
			return nil, &ArrayError{Command: cmd, Output: out}
		}
		maps = append(maps, Mapping{LUN: r[0], IGroup: r[1], ID: id})
	}
	return maps, nil
}

func (o ONTAP) SerialCommand(lun string) string {
	return "lun show -vserver " + o.Vserver + " -path " + lun + " -fields serial"
}

func (ONTAP) ParseSerial(cmd, out string) (string, error) {
	rows, err := ParseFieldsTable(cmd, out, "serial")
	if err != nil {
		return "", err
	}
	if len(rows) != 1 {
		// No such LUN: the query matched nothing.
		return "", &ArrayError{Command: cmd, Output: out}
	}
	return rows[0][0], nil
}

func (o ONTAP) IGroupsCommand() string {
	return "lun igroup show -vserver " + o.Vserver + " -fields initiator"
}

// ParseIGroups reads the initiator column: a comma-separated list, "-"
// when the group is empty.
func (ONTAP) ParseIGroups(cmd, out string) ([]IGroup, error) {
	rows, err := ParseFieldsTable(cmd, out, "igroup", "initiator")
	if err != nil {
		return nil, err
	}
	groups := make([]IGroup, 0, len(rows))
	for _, r := range rows {
		g := IGroup{Name: r[0]}
		if r[1] != "-" {
			g.Initiators = strings.Split(r[1], ",")
		}
		groups = append(groups, g)
	}
	return groups, nil
}

var entriesDisplayed = regexp.MustCompile(`^\d+ entries were displayed\.$`)

// ParseFieldsTable reads the table a clustershell show command prints with
// -fields and returns the named columns of each row. Values never hold
// blanks (names and paths the dialect accepts have none), so columns are
// split on blanks. An "Error:" line, a missing column or a row of the wrong
// width is the array's answer, returned verbatim.
func ParseFieldsTable(cmd, out string, columns ...string) ([][]string, error) {
	if clusterError.MatchString(out) {
		return nil, &ArrayError{Command: cmd, Output: out}
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if t := strings.TrimSpace(l); t != "" && !entriesDisplayed.MatchString(t) {
			lines = append(lines, t)
		}
	}
	if len(lines) == 1 && lines[0] == noEntries {
		return nil, nil
	}
	if len(lines) < 2 || strings.Trim(strings.ReplaceAll(lines[1], " ", ""), "-") != "" {
		return nil, &ArrayError{Command: cmd, Output: out}
	}
	header := strings.Fields(lines[0])
	if len(strings.Fields(lines[1])) != len(header) {
		return nil, &ArrayError{Command: cmd, Output: out}
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = -1
		for j, h := range header {
			if h == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, &ArrayError{Command: cmd, Output: out}
		}
	}
	var rows [][]string
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		if len(f) != len(header) {
			return nil, &ArrayError{Command: cmd, Output: out}
		}
		row := make([]string, len(columns))
		for i, j := range idx {
			row[i] = f[j]
		}
		rows = append(rows, row)
	}
	return rows, nil
}
