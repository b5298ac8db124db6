package san

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// GenericConfig describes a line-oriented array CLI without Go code:
// command templates with the placeholders {lun}, {igroup} and {lun_id},
// and regular expressions (RE2) for the answers.
type GenericConfig struct {
	Prompt        string // default `^[#>$] ?$`-style prompts: "# ", "> ", "$ "
	MapCommand    string // e.g. "map volume {lun} host {igroup} lun {lun_id}"
	UnmapCommand  string // e.g. "unmap volume {lun} host {igroup}"
	ListCommand   string // e.g. "show volume-maps"
	ListPattern   string // one mapping per matching line; named groups lun, igroup, optional lun_id
	SerialCommand string // e.g. "show volumes {lun}"
	SerialPattern string // named group serial
	// SuccessPattern, when set, must match the answer of map and unmap.
	SuccessPattern string
	// ErrorPattern marks an answer as the array's error; default: a line
	// starting with "error" (any case).
	ErrorPattern string
}

// DefaultGenericPrompt matches "# ", "> " and "$ " prompts, with or
// without a host name before them.
const DefaultGenericPrompt = `^[A-Za-z0-9._-]*[#>$] ?$`

// DefaultGenericError is the default ErrorPattern.
const DefaultGenericError = `(?im)^\s*error\b.*$`

type generic struct {
	c                                  GenericConfig
	prompt, list, serial, success, bad *regexp.Regexp
}

// NewGeneric checks a GenericConfig and returns its dialect. Errors name
// the field at fault.
func NewGeneric(c GenericConfig) (Dialect, error) {
	g := &generic{c: c}
	var errs []error
	compile := func(field, expr, def string, groups ...string) *regexp.Regexp {
		if expr == "" {
			expr = def
		}
		if expr == "" {
			return nil
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", field, err))
			return nil
		}
		for _, name := range groups {
			if re.SubexpIndex(name) < 0 {
				errs = append(errs, fmt.Errorf("%s must have a named group (?P<%s>...)", field, name))
			}
		}
		return re
	}
	g.prompt = compile("prompt", c.Prompt, DefaultGenericPrompt)
	g.list = compile("list_pattern", c.ListPattern, "", "lun", "igroup")
	g.serial = compile("serial_pattern", c.SerialPattern, "", "serial")
	g.success = compile("success_pattern", c.SuccessPattern, "")
	g.bad = compile("error_pattern", c.ErrorPattern, DefaultGenericError)
	for field, tmpl := range map[string]string{"map_command": c.MapCommand, "unmap_command": c.UnmapCommand, "list_command": c.ListCommand} {
		if strings.TrimSpace(tmpl) == "" {
			errs = append(errs, fmt.Errorf("%s is required with the generic dialect", field))
		}
	}
	if c.ListPattern == "" {
		errs = append(errs, errors.New("list_pattern is required with the generic dialect"))
	}
	if !strings.Contains(c.MapCommand, "{lun}") || !strings.Contains(c.MapCommand, "{igroup}") {
		errs = append(errs, errors.New("map_command must contain {lun} and {igroup}"))
	}
	if !strings.Contains(c.UnmapCommand, "{lun}") || !strings.Contains(c.UnmapCommand, "{igroup}") {
		errs = append(errs, errors.New("unmap_command must contain {lun} and {igroup}"))
	}
	if (c.SerialCommand == "") != (c.SerialPattern == "") {
		errs = append(errs, errors.New("serial_command and serial_pattern go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *generic) Name() string { return "generic" }

// Sessions: one; an array described only by its commands gives no limit.
func (g *generic) Sessions() int          { return 1 }
func (g *generic) Prompt() *regexp.Regexp { return g.prompt }
func (g *generic) NeedsID() bool          { return strings.Contains(g.c.MapCommand, "{lun_id}") }
func (g *generic) CheckLUN(lun string) error {
	if strings.Contains(lun, ":") {
		// ':' separates the LUN from the igroup in import IDs.
		return fmt.Errorf("LUN %q must not contain ':'", lun)
	}
	return CheckToken("LUN", lun)
}
func (g *generic) CheckIGroup(igroup string) error { return CheckToken("initiator group", igroup) }

func fill(tmpl, lun, igroup string, id int) string {
	ids := ""
	if id >= 0 {
		ids = strconv.Itoa(id)
	}
	return strings.Join(strings.Fields(strings.NewReplacer("{lun}", lun, "{igroup}", igroup, "{lun_id}", ids).Replace(tmpl)), " ")
}

func (g *generic) MapCommand(lun, igroup string, id int) string {
	return fill(g.c.MapCommand, lun, igroup, id)
}

// check turns an answer into an error when it matches error_pattern or
// misses success_pattern.
func (g *generic) check(cmd, out string, needSuccess bool) error {
	if g.bad != nil && g.bad.MatchString(out) {
		return &ArrayError{Command: cmd, Output: out}
	}
	if needSuccess && g.success != nil && !g.success.MatchString(out) {
		return &ArrayError{Command: cmd, Output: out}
	}
	return nil
}

func (g *generic) ParseMap(cmd, out string) (int, error) { return -1, g.check(cmd, out, true) }

func (g *generic) UnmapCommand(lun, igroup string) string {
	return fill(g.c.UnmapCommand, lun, igroup, -1)
}

func (g *generic) ParseUnmap(cmd, out string) error { return g.check(cmd, out, true) }

func (g *generic) ListCommand() string { return g.c.ListCommand }

func (g *generic) ParseList(cmd, out string) ([]Mapping, error) {
	if err := g.check(cmd, out, false); err != nil {
		return nil, err
	}
	var maps []Mapping
	li, gi, ii := g.list.SubexpIndex("lun"), g.list.SubexpIndex("igroup"), g.list.SubexpIndex("lun_id")
	for _, line := range strings.Split(out, "\n") {
		m := g.list.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		mp := Mapping{LUN: m[li], IGroup: m[gi], ID: -1}
		if ii >= 0 {
			if id, err := strconv.Atoi(m[ii]); err == nil {
				mp.ID = id
			}
		}
		maps = append(maps, mp)
	}
	return maps, nil
}

func (g *generic) SerialCommand(lun string) string {
	if g.c.SerialCommand == "" {
		return ""
	}
	return fill(g.c.SerialCommand, lun, "", -1)
}

func (g *generic) ParseSerial(cmd, out string) (string, error) {
	if err := g.check(cmd, out, false); err != nil {
		return "", err
	}
	m := g.serial.FindStringSubmatch(out)
	if m == nil {
		return "", &ArrayError{Command: cmd, Output: out}
	}
	return m[g.serial.SubexpIndex("serial")], nil
}

func (g *generic) IGroupsCommand() string { return "" }

func (g *generic) ParseIGroups(string, string) ([]IGroup, error) { return nil, nil }

func (g *generic) SessionSetup() []string { return nil }
