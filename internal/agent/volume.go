package agent

// Disks, volumes and mount points. A disk is named by what the array
// controls (the LUN serial, which Windows shows as the disk's SerialNumber,
// or the disk's UniqueId); a volume by its per-host GUID; a mount point by
// a drive letter ("X:") or a folder path ("C:\Mounts\Data").

// Error codes of the volume area (disks, mount points, volumes).
const (
	CodeDiskNotFound     = "disk_not_found"     // no visible disk has that serial or unique id
	CodeVolumeNotFound   = "volume_not_found"   // no volume with that GUID on this host
	CodeMountPointInUse  = "mount_point_in_use" // the letter or folder already holds another volume
	CodeFolderNotEmpty   = "folder_not_empty"   // a folder mount point must be an empty folder
	CodeFolderNotFound   = "folder_not_found"   // the folder of a folder mount point does not exist
	CodeNotNTFS          = "not_ntfs"           // a folder mount point must be on an NTFS volume
	CodeVolumeInUse      = "volume_in_use"      // open files prevent a dismount
	CodeDiskOffline      = "disk_offline"       // the operation needs the disk online
	CodeDiskReadOnly     = "disk_read_only"     // the operation needs the disk writable
	CodeInvalidMountPath = "invalid_mount_point"
	// The disk's write cache cannot be changed from the host
	// (MSFT_PhysicalDisk.SetWriteCache answered Not Supported, or Windows
	// has no physical disk object for it).
	CodeWriteCacheNotChangeable = "write_cache_not_changeable"
)

// Partition types as Get-Partition names them (Type property).
const (
	PartitionBasic    = "Basic"    // a data partition
	PartitionReserved = "Reserved" // the Microsoft Reserved Partition of a GPT disk
)

// StorageRescanParams has no fields: a rescan covers every bus.
type StorageRescanParams struct{}

// DiskListParams lists every disk, or with Disk set only the disk whose
// SerialNumber or UniqueId equals it (case-insensitively).
type DiskListParams struct {
	Disk string `json:"disk,omitempty"`
}

// DiskListResult lists the disks the host sees now (after its last rescan).
type DiskListResult struct {
	Disks []Disk `json:"disks"`
}

// Disk is what Get-Disk and Get-Partition report about one disk.
type Disk struct {
	Number         int         `json:"number"`
	SerialNumber   string      `json:"serial_number"`
	UniqueID       string      `json:"unique_id"`
	Size           int64       `json:"size"`
	PartitionStyle string      `json:"partition_style"` // GPT, MBR, RAW
	IsOffline      bool        `json:"is_offline"`
	IsReadOnly     bool        `json:"is_read_only"`
	Partitions     []Partition `json:"partitions"`
	// WriteCacheEnabled is the device's write cache as Windows reports it
	// (Get-StorageAdvancedProperty's IsDeviceCacheEnabled); nil when
	// Windows cannot say.
	WriteCacheEnabled *bool `json:"write_cache_enabled"`
}

// Partition is one partition and, for a data partition, its volume. The
// volume fields are only known while the disk is online.
type Partition struct {
	Number      int      `json:"number"`
	Type        string   `json:"type"` // PartitionBasic, PartitionReserved, ...
	Size        int64    `json:"size"`
	GUID        string   `json:"guid"`        // GPT partition GUID (on disk, the same on every host)
	VolumeGUID  string   `json:"volume_guid"` // this host's volume GUID, without braces; "" when none
	AccessPaths []string `json:"access_paths"`
	FileSystem  string   `json:"file_system"`
	Label       string   `json:"label"`
	Dirty       bool     `json:"dirty"` // the NTFS dirty bit: chkdsk must run before use
}

// DiskSetParams brings a disk online or offline, sets its read-only flag
// and its write cache (MSFT_PhysicalDisk.SetWriteCache; disabling it first
// writes what the cache holds). Nil fields are left as they are.
type DiskSetParams struct {
	Disk              string `json:"disk"`
	Offline           *bool  `json:"offline,omitempty"`
	ReadOnly          *bool  `json:"read_only,omitempty"`
	WriteCacheEnabled *bool  `json:"write_cache_enabled,omitempty"`
}

// DiskSetResult is the disk after the change.
type DiskSetResult struct {
	Disk Disk `json:"disk"`
}

// MountPointGetParams asks what a mount point holds. Path is "X:" or a
// folder such as "C:\Mounts\Data" (no trailing backslash).
type MountPointGetParams struct {
	Path string `json:"path"`
}

// MountPointGetResult: InUse with VolumeGUID says which volume holds the
// mount point; Holder describes it for error messages (including a stale
// MountedDevices entry for a volume that is gone). For a folder, Exists,
// Empty and NTFS describe the folder itself.
type MountPointGetResult struct {
	Path       string `json:"path"`
	Kind       string `json:"kind"` // "drive" or "folder"
	InUse      bool   `json:"in_use"`
	VolumeGUID string `json:"volume_guid,omitempty"`
	Holder     string `json:"holder,omitempty"`
	Exists     bool   `json:"exists"`
	Empty      bool   `json:"empty"`
	NTFS       bool   `json:"ntfs"`
}

// VolumeMountParams adds an access path to a volume. It fails with
// CodeMountPointInUse when the path holds another volume, and succeeds
// without change when it already holds this one.
type VolumeMountParams struct {
	VolumeGUID string `json:"volume_guid"`
	Path       string `json:"path"`
}

// VolumeMountResult says whether anything changed.
type VolumeMountResult struct {
	Changed bool `json:"changed"`
}

// VolumeDismountParams removes one access path. With VolumeGUID set, the
// path is removed only if it holds that volume (or a stale entry of it), so
// a dismount can never take away someone else's letter. Open files on the
// volume make it fail with CodeVolumeInUse.
type VolumeDismountParams struct {
	VolumeGUID string `json:"volume_guid,omitempty"`
	Path       string `json:"path"`
}

// VolumeDismountResult says whether the path was there to remove.
type VolumeDismountResult struct {
	Removed bool `json:"removed"`
}

// VolumeParams names a volume of this host.
type VolumeParams struct {
	VolumeGUID string `json:"volume_guid"`
}

// VolumeRepairResult reports a chkdsk /F /X (Repair-Volume -OfflineScanAndFix).
type VolumeRepairResult struct {
	WasDirty bool   `json:"was_dirty"`
	Output   string `json:"output"`
}

// Repair-Volume's verdicts on a volume (the Output of MSFT_Volume.Repair,
// which the Storage module shows by these names), as volume.scan and
// volume.spotfix report them.
const (
	RepairNoErrorsFound    = "NoErrorsFound"    // nothing to fix
	RepairScanNeeded       = "ScanNeeded"       // an online scan must run first
	RepairSpotFixNeeded    = "SpotFixNeeded"    // the scan logged corruptions a spot-fix repairs
	RepairFullRepairNeeded = "FullRepairNeeded" // only an offline full repair (chkdsk /F) can fix it
)

// VolumeCheckResult reports Repair-Volume -Scan (online: the volume stays
// mounted, corruptions are logged in its $Corrupt file) or -SpotFix (the
// volume goes offline briefly to fix only what was logged): the verdict,
// and the NTFS dirty bit before and after.
type VolumeCheckResult struct {
	Status   string `json:"status"`
	WasDirty bool   `json:"was_dirty"`
	Dirty    bool   `json:"dirty"`
}

// VolumeCloseSessionsResult counts what was closed.
type VolumeCloseSessionsResult struct {
	ClosedFiles    int `json:"closed_files"`
	ClosedSessions int `json:"closed_sessions"`
}

// Empty is the result of operations that report nothing.
type Empty struct{}
