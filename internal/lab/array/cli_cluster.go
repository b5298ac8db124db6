package array

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The clustered ONTAP 9 clustershell (dialect "ontap"), for the commands
// the provider uses, after the ONTAP 9 command reference
// (docs.netapp.com/us-en/ontap-cli: lun mapping create, lun mapping delete,
// lun mapping show, lun show, lun igroup show, rows, set). Commands that
// change something print nothing when they succeed. Show commands with
// -fields print the key fields and the named ones as a table: field names,
// dashes under each column, one row per record, and "N entries were
// displayed." after more than one row; a query that matches nothing prints
// "There are no entries matching your query.".
//
// Verified against public output of real clusters: clusterNone,
// clusterAlreadyMap, the table layout, the pager prompt. The other
// refusals are not verified wordings; they are kept here, in one place, so
// they are easy to correct.
const (
	clusterNone       = "There are no entries matching your query."
	clusterNoMatch    = "Error: There are no entries matching your query."
	clusterAlreadyMap = "Error: command failed: LUN already mapped to this group"
	clusterUnknown    = `Error: "%s" is not a recognized command`
	clusterNoVserver  = `Error: Vserver "%s" does not exist.`
	clusterNoLUN      = `Error: command failed: LUN "%s" does not exist.`
	clusterNoIGroup   = `Error: command failed: Initiator group "%s" does not exist.`
	clusterIDInUse    = "Error: command failed: LUN ID %d is already in use in this group."
	clusterBadValue   = `Error: "%s" is an invalid value for field "-%s <integer>"`
	clusterMissing    = `Error: Missing required parameter "-%s".`
	clusterBadArg     = `Error: invalid argument "%s"`
)

// execCluster runs one clustershell command line.
func (s *session) execCluster(cmd string) (string, bool) {
	a := s.a
	f := strings.Fields(cmd)
	args, bad := clusterArgs(f)
	switch {
	case f[0] == "exit" && len(f) == 1:
		return "", true
	case f[0] == "rows" && len(f) == 1:
		return fmt.Sprintf("  %d\n", s.rows), false
	case f[0] == "rows" && len(f) == 2:
		return s.setRows(f[1], "rows"), false
	case f[0] == "set":
		if bad != "" {
			return fmt.Sprintf(clusterBadArg, bad) + "\n", false
		}
		for k, v := range args {
			if k != "rows" {
				return fmt.Sprintf(clusterBadArg, "-"+k) + "\n", false
			}
			if out := s.setRows(v, "rows"); out != "" {
				return out, false
			}
		}
		return "", false
	case len(f) >= 3 && f[0] == "lun" && f[1] == "mapping":
		if bad != "" {
			return fmt.Sprintf(clusterBadArg, bad) + "\n", false
		}
		switch f[2] {
		case "create":
			return a.clusterMap(args), false
		case "delete":
			return a.clusterUnmap(args), false
		case "show":
			return a.clusterMappings(args), false
		}
	case len(f) >= 2 && f[0] == "lun" && f[1] == "show":
		if bad != "" {
			return fmt.Sprintf(clusterBadArg, bad) + "\n", false
		}
		return a.clusterLUNs(args), false
	case len(f) >= 3 && f[0] == "lun" && f[1] == "igroup" && f[2] == "show":
		if bad != "" {
			return fmt.Sprintf(clusterBadArg, bad) + "\n", false
		}
		return a.clusterIGroups(args), false
	}
	return fmt.Sprintf(clusterUnknown, strings.Join(f, " ")) + "\n", false
}

// clusterArgs reads "-name value" pairs after the command words; bad is
// the first word that is neither.
func clusterArgs(f []string) (map[string]string, string) {
	args := map[string]string{}
	i := 0
	for i < len(f) && !strings.HasPrefix(f[i], "-") {
		i++
	}
	for ; i < len(f); i += 2 {
		if !strings.HasPrefix(f[i], "-") || i+1 >= len(f) {
			return args, f[i]
		}
		args[strings.TrimPrefix(f[i], "-")] = f[i+1]
	}
	return args, ""
}

func (s *session) setRows(v, field string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Sprintf(clusterBadValue, v, field) + "\n"
	}
	s.rows = n
	return ""
}

// need returns the first required parameter that is missing, as an error.
func need(args map[string]string, names ...string) string {
	for _, n := range names {
		if args[n] == "" {
			return fmt.Sprintf(clusterMissing, n) + "\n"
		}
	}
	return ""
}

func (a *Array) clusterMap(args map[string]string) string {
	if e := need(args, "vserver", "path", "igroup"); e != "" {
		return e
	}
	if args["vserver"] != a.cfg.Vserver {
		return fmt.Sprintf(clusterNoVserver, args["vserver"]) + "\n"
	}
	id := -1
	if v, ok := args["lun-id"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxLUNID {
			return fmt.Sprintf(clusterBadValue, v, "lun-id") + "\n"
		}
		id = n
	}
	_, err := a.Map(args["path"], args["igroup"], id)
	switch err {
	case nil:
		return ""
	case ErrNoLUN:
		return fmt.Sprintf(clusterNoLUN, args["path"]) + "\n"
	case ErrNoIGroup:
		return fmt.Sprintf(clusterNoIGroup, args["igroup"]) + "\n"
	case ErrAlreadyMap:
		return clusterAlreadyMap + "\n"
	case ErrIDInUse:
		return fmt.Sprintf(clusterIDInUse, id) + "\n"
	}
	return "Error: command failed: " + err.Error() + "\n"
}

func (a *Array) clusterUnmap(args map[string]string) string {
	if e := need(args, "vserver", "path", "igroup"); e != "" {
		return e
	}
	if args["vserver"] != a.cfg.Vserver {
		return fmt.Sprintf(clusterNoVserver, args["vserver"]) + "\n"
	}
	// delete acts on the mapping the keys select; none selected is the
	// query's refusal.
	if _, err := a.Unmap(args["path"], args["igroup"]); err != nil {
		return clusterNoMatch + "\n"
	}
	return ""
}

// query applies a show command's filters. Every row's columns are named by
// columns, and the first filters of them may be filtered on (-fields aside);
// query returns the rows that pass every filter, or the refusal of a
// parameter the command does not have.
func query(args map[string]string, columns []string, filters int, rows [][]string) ([][]string, string) {
	for k := range args {
		if k != "fields" && !slices.Contains(columns[:filters], k) {
			return nil, fmt.Sprintf(clusterBadArg, "-"+k) + "\n"
		}
	}
	var out [][]string
rows:
	for _, r := range rows {
		for i, name := range columns[:filters] {
			if v, ok := args[name]; ok && r[i] != v {
				continue rows
			}
		}
		out = append(out, r)
	}
	return out, ""
}

func (a *Array) clusterMappings(args map[string]string) string {
	var all [][]string
	for _, m := range a.Mappings() {
		all = append(all, []string{a.cfg.Vserver, m.LUN, m.IGroup, strconv.Itoa(m.ID), "iscsi"})
	}
	rows, e := query(args, []string{"vserver", "path", "igroup", "lun-id", "protocol"}, 4, all)
	if e != "" {
		return e
	}
	if f, ok := args["fields"]; ok {
		return fieldsTable([]string{"vserver", "path", "igroup"}, f, []string{"lun-id", "protocol"}, rows)
	}
	if len(rows) == 0 {
		return clusterNone + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %-40s %-15s %6s  %s\n", "Vserver", "Path", "Igroup", "LUN ID", "Protocol")
	fmt.Fprintf(&b, "%s %s %s %s  %s\n", strings.Repeat("-", 10), strings.Repeat("-", 40), strings.Repeat("-", 15), strings.Repeat("-", 6), strings.Repeat("-", 8))
	for _, r := range rows {
		fmt.Fprintf(&b, "%-10s %-40s %-15s %6s  %s\n", r[0], r[1], r[2], r[3], r[4])
	}
	return b.String() + entries(len(rows))
}

func (a *Array) clusterLUNs(args map[string]string) string {
	var all [][]string
	for _, l := range a.LUNs() {
		all = append(all, []string{a.cfg.Vserver, l.Path, l.Serial, strconv.FormatInt(l.Size, 10)})
	}
	rows, e := query(args, []string{"vserver", "path", "serial", "size"}, 2, all)
	if e != "" {
		return e
	}
	return fieldsTable([]string{"vserver", "path"}, firstOf(args["fields"], "serial"), []string{"serial", "size"}, rows)
}

func (a *Array) clusterIGroups(args map[string]string) string {
	var all [][]string
	for _, g := range a.IGroups() {
		init := strings.Join(g.Initiators, ",")
		if init == "" {
			init = "-"
		}
		all = append(all, []string{a.cfg.Vserver, g.Name, "iscsi", "windows", init})
	}
	rows, e := query(args, []string{"vserver", "igroup", "protocol", "ostype", "initiator"}, 2, all)
	if e != "" {
		return e
	}
	return fieldsTable([]string{"vserver", "igroup"}, firstOf(args["fields"], "protocol,ostype,initiator"), []string{"protocol", "ostype", "initiator"}, rows)
}

func firstOf(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// fieldsTable prints rows (the keys, then every field in order) with the
// keys and the fields asked for, as -fields does.
func fieldsTable(keys []string, asked string, fields []string, rows [][]string) string {
	cols := make([]int, 0, len(keys)+len(fields))
	header := append([]string(nil), keys...)
	for i := range keys {
		cols = append(cols, i)
	}
	for _, name := range strings.Split(asked, ",") {
		found := false
		for j, f := range fields {
			if f == name {
				cols, header, found = append(cols, len(keys)+j), append(header, name), true
			}
		}
		if !found {
			return fmt.Sprintf(`Error: Invalid field name "%s"`, name) + "\n"
		}
	}
	if len(rows) == 0 {
		return clusterNone + "\n"
	}
	width := make([]int, len(cols))
	for i, h := range header {
		width[i] = len(h)
		for _, r := range rows {
			width[i] = max(width[i], len(r[cols[i]]))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s ", width[i], c)
			}
		}
		return b.String() + "\n"
	}
	var b strings.Builder
	b.WriteString(line(header))
	dashes := make([]string, len(cols))
	for i := range dashes {
		dashes[i] = strings.Repeat("-", width[i])
	}
	b.WriteString(line(dashes))
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = r[c]
		}
		b.WriteString(line(cells))
	}
	return b.String() + entries(len(rows))
}

// entries is the line after a table: a count after more than one row.
func entries(n int) string {
	if n > 1 {
		return fmt.Sprintf("\n%d entries were displayed.\n", n)
	}
	return "\n"
}
