package lab

import (
	"fmt"
	"sort"
	"strings"
)

// The disk layer's invariants: NTFS is corrupted when two hosts have the
// same disk online ("one host per LUN"), a host keeps serving a letter whose disk is
// gone after a surprise removal, and a dirty volume must be repaired
// (chkdsk /F /X, or a scan and spot-fix) before it is served. A host that is down sees no disks
// and has no live mounts (winhost.Host.Disks and Mounts say so): a
// powered-off server corrupts nothing, and a letter only recorded in
// MountedDevices since a boot without its disk is not a mount.
func disksSound(l *Lab) []Violation {
	if l.lunData == nil {
		return nil
	}
	var out []Violation
	online := map[string][]string{}
	for _, name := range l.ServerNames() {
		h := l.Host(name)
		for _, d := range h.Disks() {
			if d.Online {
				online[d.Serial] = append(online[d.Serial], name)
			}
		}
		for _, m := range h.Mounts() {
			switch {
			case !m.Present && m.Active:
				out = append(out, Violation{Invariant: MountWithoutDisk,
					Detail: fmt.Sprintf("%s still has %s for volume {%s} of LUN %s, but no longer sees the disk", name, m.Path, m.VolumeGUID, m.Serial)})
			case m.Online && l.lunData.Dirty(m.Serial, m.Partition):
				out = append(out, Violation{Invariant: DirtyVolumeServed,
					Detail: fmt.Sprintf("%s serves %s from LUN %s partition %d, whose NTFS dirty bit is set: it must be repaired first", name, m.Path, m.Serial, m.Partition)})
			}
		}
	}
	serials := make([]string, 0, len(online))
	for s := range online {
		serials = append(serials, s)
	}
	sort.Strings(serials)
	for _, s := range serials {
		if len(online[s]) > 1 {
			out = append(out, Violation{Invariant: OneHostPerDisk,
				Detail: fmt.Sprintf("the disk of LUN %s is online on %s at once", s, strings.Join(online[s], " and "))})
		}
	}
	return out
}
