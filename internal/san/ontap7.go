package san

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ONTAP7 is the NetApp Data ONTAP 7-mode dialect (`lun map`, `lun unmap`,
// `lun show -m`, `lun serial`).
// Every phrase it relies on is in the patterns below, in one place, so a
// filer that words things differently is a one-line fix.
type ONTAP7 struct{}

var (
	ontapPrompt   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*\*?> ?$`)
	ontapMapped   = regexp.MustCompile(`LUN (\S+) was mapped to initiator group (\S+)=(\d+)`)
	ontapUnmapped = regexp.MustCompile(`LUN (\S+) was unmapped from initiator group (\S+)`)
	ontapSerial   = regexp.MustCompile(`(?m)^\s*Serial#:\s*(\S+)\s*$`)
	ontapLUNPath  = regexp.MustCompile(`^/vol/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){1,2}$`)
	ontapIGroup   = regexp.MustCompile(`^[A-Za-z0-9_.:][A-Za-z0-9_.:-]{0,95}$`)
	ontapGroup    = regexp.MustCompile(`^\s+(\S+) \((\w+)\) \(ostype: ([^)]*)\):\s*$`)
	ontapDashes   = regexp.MustCompile(`^-{10,}\s*$`)
)

func (ONTAP7) Name() string { return "ontap7" }

// Sessions: one; whether a 7-mode filer takes a second CLI session from
// the same client is not known here.
func (ONTAP7) Sessions() int          { return 1 }
func (ONTAP7) Prompt() *regexp.Regexp { return ontapPrompt }
func (ONTAP7) NeedsID() bool          { return false }

func (ONTAP7) CheckLUN(lun string) error {
	if !ontapLUNPath.MatchString(lun) {
		return fmt.Errorf("LUN path %q must look like /vol/<volume>/<lun> (or /vol/<volume>/<qtree>/<lun>), "+
			"with letters, digits, '_', '.' and '-' in each part", lun)
	}
	return nil
}

func (ONTAP7) CheckIGroup(igroup string) error {
	if !ontapIGroup.MatchString(igroup) {
		return fmt.Errorf("initiator group %q must be 1-96 letters, digits, '_', '.', ':' or '-' (not first)", igroup)
	}
	return nil
}

func (ONTAP7) MapCommand(lun, igroup string, id int) string {
	if id < 0 {
		return "lun map " + lun + " " + igroup
	}
	return fmt.Sprintf("lun map %s %s %d", lun, igroup, id)
}

func (ONTAP7) ParseMap(cmd, out string) (int, error) {
	m := ontapMapped.FindStringSubmatch(out)
	if m == nil {
		return -1, &ArrayError{Command: cmd, Output: out}
	}
	id, err := strconv.Atoi(m[3])
	if err != nil {
		return -1, &ArrayError{Command: cmd, Output: out}
	}
	return id, nil
}

func (ONTAP7) UnmapCommand(lun, igroup string) string { return "lun unmap " + lun + " " + igroup }

func (ONTAP7) ParseUnmap(cmd, out string) error {
	if !ontapUnmapped.MatchString(out) {
		return &ArrayError{Command: cmd, Output: out}
	}
	return nil
}

func (ONTAP7) ListCommand() string { return "lun show -m" }

func (ONTAP7) ParseList(cmd, out string) ([]Mapping, error) { return ParseLunShowM(cmd, out) }

// ParseLunShowM reads `lun show -m`: a header, a line of dashes, then one
// row per mapping; further igroups of the same LUN leave the path column
// blank. Anything else is the array's error, returned verbatim.
func ParseLunShowM(cmd, out string) ([]Mapping, error) {
	var maps []Mapping
	last := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" || ontapDashes.MatchString(line) || strings.HasPrefix(line, "LUN path") {
			continue
		}
		f := strings.Fields(line)
		var m Mapping
		switch {
		case len(f) == 4 && strings.HasPrefix(f[0], "/"):
			m.LUN, f = f[0], f[1:]
		case len(f) == 3 && last != "" && (line[0] == ' ' || line[0] == '\t'):
			m.LUN = last
		default:
			return nil, &ArrayError{Command: cmd, Output: out}
		}
		id, err := strconv.Atoi(f[1])
		if err != nil || id < 0 {
			return nil, &ArrayError{Command: cmd, Output: out}
		}
		m.IGroup, m.ID = f[0], id
		last = m.LUN
		maps = append(maps, m)
	}
	return maps, nil
}

func (ONTAP7) SerialCommand(lun string) string { return "lun serial " + lun }

// ParseSerial reads `Serial#: <serial>`, which both `lun serial` and
// `lun show -v` print.
func (ONTAP7) ParseSerial(cmd, out string) (string, error) {
	m := ontapSerial.FindStringSubmatch(out)
	if m == nil {
		return "", &ArrayError{Command: cmd, Output: out}
	}
	return m[1], nil
}

func (ONTAP7) IGroupsCommand() string { return "igroup show" }

// ParseIGroups reads `igroup show`: a line per group, then its initiators,
// indented further, each with an optional "(logged in on: ...)".
func (ONTAP7) ParseIGroups(cmd, out string) ([]IGroup, error) {
	var groups []IGroup
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := ontapGroup.FindStringSubmatch(line); m != nil {
			groups = append(groups, IGroup{Name: m[1]})
			continue
		}
		f := strings.Fields(line)
		if len(groups) == 0 || (line[0] != ' ' && line[0] != '\t') {
			return nil, &ArrayError{Command: cmd, Output: out}
		}
		g := &groups[len(groups)-1]
		g.Initiators = append(g.Initiators, f[0])
	}
	return groups, nil
}

func (ONTAP7) SessionSetup() []string { return nil }
