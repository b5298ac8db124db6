package winhost

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

var (
	driveLetterPattern = regexp.MustCompile(`^[A-Za-z]:$`)
	folderPattern      = regexp.MustCompile(`^[A-Za-z]:\\[^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*$`)
)

// mountPath is a validated access path: "X:" or a folder "C:\Mounts\Data".
type mountPath struct {
	text  string // as given, with an upper-case drive letter
	drive bool
}

func parseMountPath(s string) (mountPath, *agent.Error) {
	switch {
	case driveLetterPattern.MatchString(s):
		return mountPath{text: strings.ToUpper(s), drive: true}, nil
	case folderPattern.MatchString(s):
		for _, seg := range strings.Split(s, `\`)[1:] {
			if seg == "." || seg == ".." || strings.HasSuffix(seg, " ") || strings.HasSuffix(seg, ".") {
				return mountPath{}, agent.Errorf(agent.CodeInvalidMountPath, "mount point %q: folder names may not be . or .. or end in a space or dot", s)
			}
		}
		return mountPath{text: strings.ToUpper(s[:1]) + s[1:]}, nil
	}
	return mountPath{}, agent.Errorf(agent.CodeInvalidMountPath,
		`mount point %q must be a drive letter such as X: or a folder such as C:\Mounts\Data (no trailing backslash)`, s)
}

// dosDevice is the MountedDevices value name of a drive letter.
func dosDevice(letter string) string { return `\DosDevices\` + strings.ToUpper(letter) }

// MountedDeviceData is the 24-byte MountedDevices data of a GPT partition:
// "DMIO:ID:" followed by the partition GUID in its binary (mixed-endian) form.
func MountedDeviceData(partitionGUID string) []byte {
	raw, err := hex.DecodeString(strings.ReplaceAll(partitionGUID, "-", ""))
	if err != nil || len(raw) != 16 {
		panic("winhost: bad partition GUID " + partitionGUID)
	}
	// The first three fields of a GUID are stored little-endian.
	b := []byte{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]}
	b = append(b, raw[8:]...)
	return append([]byte("DMIO:ID:"), b...)
}

func (h *Host) setMountedDeviceLocked(name, partitionGUID string) {
	k := h.reg.create(mustPath(KeyMountedDevices))
	k.values[fold(name)] = &regValue{name: name, kind: agent.RegBinary, raw: MountedDeviceData(partitionGUID)}
}

func (h *Host) deleteMountedDeviceLocked(name string) {
	if k := h.reg.lookup(mustPath(KeyMountedDevices)); k != nil {
		delete(k.values, fold(name))
	}
}

// accessPathsLocked lists a volume's access paths, drive letters first.
func (h *Host) accessPathsLocked(guid string) []string {
	out := []string{}
	for _, ap := range h.st.paths {
		if ap.guid == guid {
			out = append(out, ap.path)
		}
	}
	sortAccessPaths(out)
	return out
}

func sortAccessPaths(ps []string) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lessPath(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func lessPath(a, b string) bool {
	if (len(a) == 2) != (len(b) == 2) {
		return len(a) == 2
	}
	return strings.ToUpper(a) < strings.ToUpper(b)
}

// describeVolumeLocked names a volume for a refusal: its GUID, disk and partition.
func (h *Host) describeVolumeLocked(guid string) string {
	d, k, known := h.volumeLocked(guid)
	switch {
	case !known:
		return fmt.Sprintf(`volume \\?\Volume{%s}\`, guid)
	case d == nil:
		return fmt.Sprintf(`a stale MountedDevices entry of \\?\Volume{%s}\ (disk serial %s, partition %d), whose disk this server no longer sees`, guid, k.serial, k.part)
	}
	return fmt.Sprintf(`\\?\Volume{%s}\ (disk %d serial %s, partition %d)`, guid, d.number, k.serial, k.part)
}

// mountPointLocked is mountpoint.get.
func (h *Host) mountPointLocked(mp mountPath) agent.MountPointGetResult {
	out := agent.MountPointGetResult{Path: mp.text, Kind: "folder"}
	if mp.drive {
		out.Kind = "drive"
	}
	if mp.drive && mp.text == "C:" {
		return agent.MountPointGetResult{Path: mp.text, Kind: "drive", InUse: true, Holder: "the system volume (C:)", Exists: true, NTFS: true}
	}
	if ap := h.st.paths[fold(mp.text)]; ap != nil {
		// A letter whose volume is not there (gone, or not surfaced yet)
		// is no partition's access path: only MountedDevices holds it, and
		// the agent cannot tell whose it is.
		if d, _, _ := h.volumeLocked(ap.guid); mp.drive && (d == nil || !h.volumesPresentLocked(d)) {
			out.InUse, out.Holder = true, `the MountedDevices entry \DosDevices\`+mp.text+` (a device, or a volume that is not present)`
			return out
		}
		out.InUse, out.VolumeGUID, out.Holder = true, ap.guid, h.describeVolumeLocked(ap.guid)
		out.Exists, out.NTFS = true, true
		return out
	}
	if mp.drive {
		return out
	}
	if f := h.st.folders[fold(mp.text)]; f != nil {
		out.Exists, out.Empty = true, len(f.entries) == 0
		// Only C: is a local NTFS volume in the lab.
		out.NTFS = strings.EqualFold(mp.text[:2], "C:")
	}
	return out
}

// mountLocked is volume.mount.
func (h *Host) mountLocked(guid string, mp mountPath) (bool, *agent.Error) {
	d, k, known := h.volumeLocked(guid)
	if !known || d == nil {
		return false, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	if d.offline {
		return false, agent.Errorf(agent.CodeDiskOffline, "disk %d (serial %s) is offline: bring it online before mounting", d.number, d.serial)
	}
	// Get-Partition finds no partition with that volume name yet.
	if !h.lookLocked(d) {
		return false, agent.Errorf(agent.CodeVolumeNotFound, `no volume \\?\Volume{%s}\ on %s`, guid, h.ComputerName())
	}
	guid = normGUID(guid)
	cur := h.mountPointLocked(mp)
	switch {
	case cur.InUse && cur.VolumeGUID == guid:
		return false, nil
	case cur.InUse:
		return false, agent.Errorf(agent.CodeMountPointInUse, "%s is in use on %s: it holds %s", mp.text, h.ComputerName(), cur.Holder)
	case !mp.drive && !cur.Exists:
		return false, agent.Errorf(agent.CodeFolderNotFound, "folder %s does not exist on %s: create it (empty, on an NTFS volume) first", mp.text, h.ComputerName())
	case !mp.drive && !cur.NTFS:
		return false, agent.Errorf(agent.CodeNotNTFS, "folder %s on %s is not on an NTFS volume", mp.text, h.ComputerName())
	case !mp.drive && !cur.Empty:
		return false, agent.Errorf(agent.CodeFolderNotEmpty, "folder %s on %s is not empty (%d entries): a mount point must be an empty folder", mp.text, h.ComputerName(), len(h.st.folders[fold(mp.text)].entries))
	}
	if mp.drive {
		for _, p := range h.accessPathsLocked(guid) {
			if len(p) == 2 {
				return false, agent.Errorf(agent.CodeInvalidMountPath, "the volume already has drive letter %s; a volume has at most one", p)
			}
		}
		part := h.partitionLocked(d, k.part)
		h.setMountedDeviceLocked(dosDevice(mp.text), part.GUID)
	}
	h.st.paths[fold(mp.text)] = &accessPath{path: mp.text, guid: guid}
	h.record("volume.mount", fmt.Sprintf(`%s -> \\?\Volume{%s}\ (disk %d serial %s, partition %d)`, mp.text, guid, d.number, d.serial, k.part))
	return true, nil
}

// dismountLocked is volume.dismount.
func (h *Host) dismountLocked(guid string, mp mountPath) (bool, *agent.Error) {
	ap := h.st.paths[fold(mp.text)]
	if ap == nil {
		return false, nil
	}
	if guid != "" && ap.guid != normGUID(guid) {
		return false, agent.Errorf(agent.CodeMountPointInUse, "%s on %s holds %s, not the volume asked for; not removing it", mp.text, h.ComputerName(), h.describeVolumeLocked(ap.guid))
	}
	if d, _, _ := h.volumeLocked(ap.guid); d != nil && !d.offline {
		if files := h.st.smb.filesOn(ap.guid); len(files) > 0 {
			return false, agent.Errorf(agent.CodeVolumeInUse, "cannot remove %s on %s: %d file(s) open on the volume by SMB clients (%s); close them first",
				mp.text, h.ComputerName(), len(files), strings.Join(files, ", "))
		}
	}
	delete(h.st.paths, fold(mp.text))
	if mp.drive {
		h.deleteMountedDeviceLocked(dosDevice(mp.text))
	}
	h.record("volume.dismount", fmt.Sprintf("%s (was %s)", mp.text, h.describeVolumeLocked(ap.guid)))
	return true, nil
}

func (h *Host) partitionLocked(d *disk, number int) lundata.Partition {
	for _, p := range h.st.data.Partitions(d.serial, d.size) {
		if p.Number == number {
			return p
		}
	}
	return lundata.Partition{}
}

// MakeFolder creates a folder on C: with the given entries (file names), as
// an administrator would; an empty folder can become a mount point.
func (h *Host) MakeFolder(path string, entries ...string) error {
	mp, err := parseMountPath(path)
	if err != nil {
		return err
	}
	if mp.drive {
		return fmt.Errorf("%s is a drive, not a folder", path)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.folders[fold(mp.text)] = &folder{path: mp.text, entries: append([]string{}, entries...)}
	return nil
}

// RemoveMountPoint removes an access path as an administrator would with
// mountvol X: /D (drift in tests). It reports whether there was one.
func (h *Host) RemoveMountPoint(path string) (bool, error) {
	mp, err := parseMountPath(path)
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ap := h.st.paths[fold(mp.text)]
	if ap == nil {
		return false, nil
	}
	delete(h.st.paths, fold(mp.text))
	if mp.drive {
		h.deleteMountedDeviceLocked(dosDevice(mp.text))
	}
	h.record("volume.dismount", fmt.Sprintf("%s (was %s) by an administrator", mp.text, h.describeVolumeLocked(ap.guid)))
	return true, nil
}
