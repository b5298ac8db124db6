package agent

import "regexp"

// The status area: one read-only round trip that tells a `check` block or a
// CI job whether a server is ready to serve files.

// FileServerServices are the services a manual failover stops and starts on a
// file server, by service name (Get-Service -Name, not the display name).
var FileServerServices = []string{"LanmanServer", "Netlogon", "Browser", "Dfs"}

// ServerServiceName is the Server service: without it nothing is shared.
const ServerServiceName = "LanmanServer"

// ServiceNamePattern is what a service name in server.status may be. It has
// no wildcard characters, since Get-Service -Name treats them as patterns.
var ServiceNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// Service states: Get-Service's Status in wire form, and ServiceNotFound
// for a service that is not installed (Computer Browser is absent on
// Windows Server 2019 and later, for example).
const (
	ServiceRunning         = "running"
	ServiceStopped         = "stopped"
	ServiceStartPending    = "start_pending"
	ServiceStopPending     = "stop_pending"
	ServiceContinuePending = "continue_pending"
	ServicePausePending    = "pause_pending"
	ServicePaused          = "paused"
	ServiceNotFound        = "not_found"
)

// ServerStatusParams names the services to report (at most 32, each
// matching ServiceNamePattern; none is allowed).
type ServerStatusParams struct {
	Services []string `json:"services"`
}

// ServerStatusResult is the state of a file server:
//   - Services answers in the order asked;
//   - Volumes lists every access path of a data volume (drive letters
//     first, then folders, each by name), disks that hold the boot or system
//     volume excluded; a drive letter whose volume is not present (its disk
//     is offline or gone, the letter kept in MountedDevices) is listed with
//     Online false;
//   - Shares lists the non-administrative shares by name, empty while the
//     Server service is not running (nothing is shared then).
//   - Settings reports every WatchedSettings entry, in its order.
type ServerStatusResult struct {
	ComputerName string          `json:"computer_name"`
	Services     []ServiceStatus `json:"services"`
	Volumes      []VolumeStatus  `json:"volumes"`
	Shares       []ShareStatus   `json:"shares"`
	Settings     []SettingStatus `json:"settings"`
}

// WatchedSetting is a registry value (below HKLM) that a service reads
// when it starts, so a value written later is configured but not in effect
// until the service starts again, or, for a driver started at boot, until
// the next reboot.
type WatchedSetting struct {
	Key     string
	Name    string
	Service string // the service that reads it
	AtBoot  bool   // read only at boot (a boot-start driver): a reboot is needed
}

// WatchedSettings are the settings the alias hardening writes. The Server
// service reads its parameters when it starts (Microsoft's guidance for
// DisableStrictNameChecking and OptionalNames says to restart the Server
// service or the computer after setting them); NetBT, a kernel driver
// started at boot, reads CacheTimeout at boot ("TCP/IP and NetBT
// configuration parameters": changes take effect after a restart).
var WatchedSettings = []WatchedSetting{
	{Key: `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`, Name: "DisableStrictNameChecking", Service: "LanmanServer"},
	{Key: `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`, Name: "OptionalNames", Service: "LanmanServer"},
	{Key: `SYSTEM\CurrentControlSet\Services\NetBT\Parameters`, Name: "CacheTimeout", Service: "NetBT", AtBoot: true},
}

// Values of SettingStatus.Pending.
const (
	PendingNone    = ""
	PendingRestart = "restart" // restart Service
	PendingReboot  = "reboot"
)

// SettingStatus is one watched setting. Configured is the registry value
// now (nil when absent). Pending says the key was written after Service
// last started (after the last boot for AtBoot settings), so the running
// service may hold an older value; InEffect is then unknown (nil), since a
// service does not publish what it read, and otherwise equals Configured
// (nil: absent, the service's default applies).
type SettingStatus struct {
	Key        string         `json:"key"`
	Name       string         `json:"name"`
	Service    string         `json:"service"`
	Configured *RegistryValue `json:"configured"`
	InEffect   *RegistryValue `json:"in_effect"`
	Pending    string         `json:"pending"`
}

// ServiceStatus is one service. Name is as Windows spells it (as asked
// when the service is not found).
type ServiceStatus struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	State       string `json:"state"`
}

// VolumeStatus is one access path of a data volume. DiskSerial is the
// SerialNumber of its disk ("" when the disk is not visible); ReadOnly is
// the disk's flag; Dirty the NTFS dirty bit, only known while Online.
type VolumeStatus struct {
	MountPoint string `json:"mount_point"`
	VolumeGUID string `json:"volume_guid"`
	DiskSerial string `json:"disk_serial"`
	Online     bool   `json:"online"`
	ReadOnly   bool   `json:"read_only"`
	Dirty      bool   `json:"dirty"`
}

// ShareStatus is one share. Available says its volume is mounted, so
// clients can open it.
type ShareStatus struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Available bool   `json:"available"`
}

// MaxStatusServices bounds ServerStatusParams.Services.
const MaxStatusServices = 32
