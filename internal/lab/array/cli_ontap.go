package array

import (
	"fmt"
	"strconv"
	"strings"
)

// The wording of the ontap7 CLI. The EMS lines follow the filer's
// messages as NetApp's Data ONTAP 7-Mode block access guide shows them;
// the error texts are not verified against a real filer and are kept here,
// in one place, so they are easy to correct.
const (
	ontapUnknown     = "%s not found.  Type '?' for a list of commands"
	ontapNoLUN       = "%s: %s : No such LUN exists"
	ontapNoIGroup    = "%s: initiator group %s does not exist"
	ontapAlreadyMap  = "lun map: LUN %s is already mapped to initiator group %s"
	ontapIDInUse     = "lun map: LUN ID %d is already in use in initiator group %s"
	ontapBadID       = "lun map: invalid LUN ID %s: LUN IDs are 0 to 4095"
	ontapNotMapped   = "lun unmap: LUN %s is not mapped to initiator group %s"
	ontapMapEMS      = "%s [%s: lun.map:info]: LUN %s was mapped to initiator group %s=%d"
	ontapUnmapEMS    = "%s [%s: lun.unmap:info]: LUN %s was unmapped from initiator group %s"
	ontapEMSTime     = "Mon Jan _2 15:04:05 MST"
	ontapMapUsage    = "usage: lun map <lun_path> <initiator_group> [ <lun_id> ]"
	ontapUnmapUsage  = "usage: lun unmap <lun_path> <initiator_group>"
	ontapSerialUsage = "usage: lun serial <lun_path>"
	ontapLUNUsage    = "usage: lun { map | unmap | serial | show [ -m | -v ] } ..."
)

const ontapHelp = `?              help           igroup         logout         lun
Commands for LUN mapping:
    lun show [ -m | -v ] [ <lun_path> ]
    lun serial <lun_path>
    lun map <lun_path> <initiator_group> [ <lun_id> ]
    lun unmap <lun_path> <initiator_group>
    igroup show [ <initiator_group> ]
    logout telnet`

// execONTAP runs one command line; it returns the answer and whether the
// session ends.
func (a *Array) execONTAP(cmd string) (string, bool) {
	f := strings.Fields(cmd)
	switch f[0] {
	case "?", "help":
		return ontapHelp + "\n", false
	case "logout", "exit", "quit":
		return "", true
	case "igroup":
		if len(f) >= 2 && f[1] == "show" {
			return a.ontapIGroupShow(f[2:]), false
		}
		return "usage: igroup show [ <initiator_group> ]\n", false
	case "lun":
		if len(f) < 2 {
			return ontapLUNUsage + "\n", false
		}
		return a.ontapLUN(f[1], f[2:]) + "\n", false
	}
	return fmt.Sprintf(ontapUnknown, f[0]) + "\n", false
}

// ontapRefusal is how cmd (lun map or lun unmap) refuses to act on lun and
// igroup (id: the LUN ID asked for by a map).
func ontapRefusal(cmd, lun, igroup string, id int, err error) string {
	switch err {
	case ErrNoLUN:
		return fmt.Sprintf(ontapNoLUN, cmd, lun)
	case ErrNoIGroup:
		return fmt.Sprintf(ontapNoIGroup, cmd, igroup)
	case ErrAlreadyMap:
		return fmt.Sprintf(ontapAlreadyMap, lun, igroup)
	case ErrNotMapped:
		return fmt.Sprintf(ontapNotMapped, lun, igroup)
	case ErrIDInUse:
		return fmt.Sprintf(ontapIDInUse, id, igroup)
	}
	return cmd + ": " + err.Error()
}

func (a *Array) ontapLUN(sub string, args []string) string {
	switch sub {
	case "map":
		if len(args) < 2 || len(args) > 3 {
			return ontapMapUsage
		}
		id := -1
		if len(args) == 3 {
			n, err := strconv.Atoi(args[2])
			if err != nil || n < 0 || n > MaxLUNID {
				return fmt.Sprintf(ontapBadID, args[2])
			}
			id = n
		}
		m, err := a.Map(args[0], args[1], id)
		if err != nil {
			return ontapRefusal("lun map", args[0], args[1], id, err)
		}
		return fmt.Sprintf(ontapMapEMS, a.cfg.Now().Format(ontapEMSTime), a.cfg.Hostname, m.LUN, m.IGroup, m.ID)
	case "unmap":
		if len(args) != 2 {
			return ontapUnmapUsage
		}
		m, err := a.Unmap(args[0], args[1])
		if err != nil {
			return ontapRefusal("lun unmap", args[0], args[1], -1, err)
		}
		return fmt.Sprintf(ontapUnmapEMS, a.cfg.Now().Format(ontapEMSTime), a.cfg.Hostname, m.LUN, m.IGroup)
	case "serial":
		if len(args) != 1 {
			return ontapSerialUsage
		}
		l, ok := a.LUN(args[0])
		if !ok {
			return fmt.Sprintf(ontapNoLUN, "lun serial", args[0])
		}
		return "Serial#: " + l.Serial
	case "show":
		return a.ontapLUNShow(args)
	}
	return ontapLUNUsage
}

func (a *Array) ontapLUNShow(args []string) string {
	mode := ""
	if len(args) > 0 && (args[0] == "-m" || args[0] == "-v") {
		mode, args = args[0], args[1:]
	}
	luns := a.LUNs()
	if len(args) > 0 {
		l, ok := a.LUN(args[0])
		if !ok {
			return fmt.Sprintf(ontapNoLUN, "lun show", args[0])
		}
		luns = []LUN{l}
	}
	maps := a.Mappings()
	var b strings.Builder
	if mode == "-m" {
		b.WriteString("LUN path                            Mapped to          LUN ID  Protocol\n")
		b.WriteString(strings.Repeat("-", 71) + "\n")
		for _, l := range luns {
			first := true
			for _, m := range maps {
				if m.LUN != l.Path {
					continue
				}
				path := l.Path
				if !first {
					path = "" // further igroups of the same LUN continue the row
				}
				first = false
				fmt.Fprintf(&b, "%-35s %-18s %6d %9s\n", path, m.IGroup, m.ID, "iSCSI")
			}
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	for _, l := range luns {
		var lmaps []string
		for _, m := range maps {
			if m.LUN == l.Path {
				lmaps = append(lmaps, fmt.Sprintf("%s=%d", m.IGroup, m.ID))
			}
		}
		state := "mapped"
		if len(lmaps) == 0 {
			state = "unmapped"
		}
		fmt.Fprintf(&b, "        %-30s %6s (%d)    (r/w, online, %s)\n", l.Path, humanSize(l.Size), l.Size, state)
		if mode == "-v" {
			fmt.Fprintf(&b, "                Serial#: %s\n", l.Serial)
			b.WriteString("                Share: none\n                Space Reservation: enabled\n                Multiprotocol Type: windows\n")
			if len(lmaps) > 0 {
				fmt.Fprintf(&b, "                Maps: %s\n", strings.Join(lmaps, " "))
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (a *Array) ontapIGroupShow(args []string) string {
	groups := a.IGroups()
	if len(args) > 0 {
		var found []IGroup
		for _, g := range groups {
			if g.Name == args[0] {
				found = append(found, g)
			}
		}
		if len(found) == 0 {
			return fmt.Sprintf(ontapNoIGroup, "igroup show", args[0]) + "\n"
		}
		groups = found
	}
	var b strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&b, "    %s (iSCSI) (ostype: windows):\n", g.Name)
		for _, i := range g.Initiators {
			fmt.Fprintf(&b, "        %s (logged in on: e0a)\n", i)
		}
	}
	return b.String()
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<40 && n%(1<<40) == 0:
		return fmt.Sprintf("%dt", n>>40)
	case n >= 1<<30:
		return fmt.Sprintf("%dg", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%dm", n>>20)
	}
	return fmt.Sprintf("%dk", n>>10)
}
