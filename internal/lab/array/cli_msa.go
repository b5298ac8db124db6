package array

import (
	"fmt"
	"strconv"
	"strings"
)

// The msa dialect: an HP MSA / Dot Hill style CLI (HP MSA CLI reference guide),
// simplified to one line per mapping so that a line-oriented client (the
// provider's generic dialect) can read it. Volumes are named by the LUN's
// short name; hosts are the igroups. Every command ends with a Success: or
// an Error: line.
const (
	msaTime       = "2006-01-02 15:04:05"
	msaSuccess    = "Success: Command completed successfully. (%s)"
	msaNoVolume   = "Error: The specified volume was not found. (%s) (%s)"
	msaNoHost     = "Error: The specified host was not found. (%s) (%s)"
	msaNotMapped  = "Error: The volume is not mapped to the host. (%s) (%s)"
	msaAlreadyMap = "Error: The volume is already mapped to the host. (%s) (%s)"
	msaLUNInUse   = "Error: The LUN is already in use by the host. (%d) (%s)"
	msaUnknown    = "Error: The command is not recognized. (%s) (%s)"
	msaUsage      = "Error: Invalid syntax. Usage: %s (%s)"
)

const msaHelp = `map volume <volume> host <host> lun <LUN> [access read-write]
unmap volume <volume> host <host>
show volume-maps [<volume>]
show volumes [<volume>]
show hosts
exit`

func (a *Array) execMSA(cmd string) (string, bool) {
	now := a.cfg.Now().Format(msaTime)
	f := strings.Fields(cmd)
	switch {
	case f[0] == "help":
		return msaHelp + "\n" + fmt.Sprintf(msaSuccess, now) + "\n", false
	case f[0] == "exit":
		return "", true
	case f[0] == "show" && len(f) >= 2 && f[1] == "volume-maps":
		return a.msaVolumeMaps(f[2:], now), false
	case f[0] == "show" && len(f) >= 2 && f[1] == "volumes":
		return a.msaVolumes(f[2:], now), false
	case f[0] == "show" && len(f) == 2 && f[1] == "hosts":
		var b strings.Builder
		b.WriteString("Host ID                                            Name\n")
		for _, g := range a.IGroups() {
			for _, i := range g.Initiators {
				fmt.Fprintf(&b, "%-50s %s\n", i, g.Name)
			}
		}
		return b.String() + fmt.Sprintf(msaSuccess, now) + "\n", false
	case f[0] == "map":
		return a.msaMap(f, now) + "\n", false
	case f[0] == "unmap":
		return a.msaUnmap(f, now) + "\n", false
	}
	return fmt.Sprintf(msaUnknown, f[0], now) + "\n", false
}

func (a *Array) msaMap(f []string, now string) string {
	const usage = "map volume <volume> host <host> lun <LUN>"
	if (len(f) != 7 && len(f) != 9) || f[1] != "volume" || f[3] != "host" || f[5] != "lun" {
		return fmt.Sprintf(msaUsage, usage, now)
	}
	id, err := strconv.Atoi(f[6])
	if err != nil || id < 0 || id > 1023 {
		return fmt.Sprintf(msaUsage, usage+" (LUN 0-1023)", now)
	}
	l, ok := a.lunByName(f[2])
	if !ok {
		return fmt.Sprintf(msaNoVolume, f[2], now)
	}
	_, err = a.Map(l.Path, f[4], id)
	return msaAnswer(f[2], f[4], id, err, now)
}

func (a *Array) msaUnmap(f []string, now string) string {
	if len(f) != 5 || f[1] != "volume" || f[3] != "host" {
		return fmt.Sprintf(msaUsage, "unmap volume <volume> host <host>", now)
	}
	l, ok := a.lunByName(f[2])
	if !ok {
		return fmt.Sprintf(msaNoVolume, f[2], now)
	}
	_, err := a.Unmap(l.Path, f[4])
	return msaAnswer(f[2], f[4], -1, err, now)
}

// msaAnswer is the answer to a map or unmap of volume to host (id: the LUN
// asked for by a map) that ended with err.
func msaAnswer(volume, host string, id int, err error, now string) string {
	switch err {
	case nil:
		return fmt.Sprintf(msaSuccess, now)
	case ErrNoIGroup:
		return fmt.Sprintf(msaNoHost, host, now)
	case ErrAlreadyMap:
		return fmt.Sprintf(msaAlreadyMap, volume, now)
	case ErrNotMapped:
		return fmt.Sprintf(msaNotMapped, volume, now)
	case ErrIDInUse:
		return fmt.Sprintf(msaLUNInUse, id, now)
	}
	return "Error: " + err.Error() + " (" + now + ")"
}

func (a *Array) msaVolumeMaps(args []string, now string) string {
	var b strings.Builder
	b.WriteString("Volume           Host             LUN   Access\n")
	b.WriteString(strings.Repeat("-", 48) + "\n")
	for _, m := range a.Mappings() {
		l, _ := a.LUN(m.LUN)
		if len(args) > 0 && l.Name() != args[0] {
			continue
		}
		fmt.Fprintf(&b, "%-16s %-16s %-5d read-write\n", l.Name(), m.IGroup, m.ID)
	}
	return b.String() + fmt.Sprintf(msaSuccess, now) + "\n"
}

func (a *Array) msaVolumes(args []string, now string) string {
	var b strings.Builder
	b.WriteString("Name             Size       Serial Number\n")
	b.WriteString(strings.Repeat("-", 48) + "\n")
	found := false
	for _, l := range a.LUNs() {
		if len(args) > 0 && l.Name() != args[0] {
			continue
		}
		found = true
		fmt.Fprintf(&b, "%-16s %-10s %s\n", l.Name(), fmt.Sprintf("%.1fGB", float64(l.Size)/1e9), l.Serial)
	}
	if len(args) > 0 && !found {
		return fmt.Sprintf(msaNoVolume, args[0], now) + "\n"
	}
	return b.String() + fmt.Sprintf(msaSuccess, now) + "\n"
}
