# ---------------------------------------------------------------- storage
#
# Disks are found by what the array controls (SerialNumber, UniqueId), never
# by disk number, which changes with every rescan order. Volumes are named by
# their GUID on this host; mount points are "X:" or a folder path, both
# without a trailing backslash on the wire.

function Get-WinfsGuid([string]$Text) {
    return $Text.Trim().Trim('{', '}').ToLowerInvariant()
}

# Get-WinfsMountPath validates a mount point as the lab does.
function Get-WinfsMountPath([string]$Path) {
    if ($Path -match '\A[A-Za-z]:\z') {
        return @{ Text = $Path.ToUpperInvariant(); Drive = $true }
    }
    if ($Path -match '\A[A-Za-z]:(\\[^\\/:*?"<>|]+)+\z') {
        foreach ($segment in $Path.Substring(3).Split([char]'\')) {
            if ($segment -eq '.' -or $segment -eq '..' -or $segment.EndsWith(' ') -or $segment.EndsWith('.')) {
                throw (New-WinfsError 'invalid_mount_point' ('mount point "' + $Path + '": folder names may not be . or .. or end in a space or dot'))
            }
        }
        return @{ Text = $Path.Substring(0, 1).ToUpperInvariant() + $Path.Substring(1); Drive = $false }
    }
    throw (New-WinfsError 'invalid_mount_point' ('mount point "' + $Path + '" must be a drive letter such as X: or a folder such as C:\Mounts\Data (no trailing backslash)'))
}

# Test-WinfsDirty reads the volume's NTFS dirty bit as WMI reports it
# (Win32_Volume.DirtyBitSet): a property reads the same in every display
# language, where fsutil's answer is localized text.
function Test-WinfsDirty([string]$Guid) {
    $filter = "DeviceID='\\\\?\\Volume{" + $Guid + "}\\'"
    $v = @(Get-WmiObject -Class Win32_Volume -Filter $filter -ErrorAction SilentlyContinue)
    if ($v.Count -eq 0) {
        return $false
    }
    return [bool]$v[0].DirtyBitSet
}

function Get-WinfsDiskText($Value) {
    if ($null -eq $Value) {
        return ''
    }
    return ([string]$Value).Trim()
}

# ConvertTo-WinfsPartition reports a partition and, on an online disk, its
# volume. AccessPaths holds the \\?\Volume{GUID}\ name and the mount points.
function ConvertTo-WinfsPartition($Disk, $Part) {
    $paths = New-Object 'System.Collections.Generic.List[string]'
    $guid = ''
    $fs = ''
    $label = ''
    $dirty = $false
    if ((-not $Disk.IsOffline) -and ([string]$Part.Type -eq 'Basic')) {
        foreach ($ap in @($Part.AccessPaths)) {
            if ($null -eq $ap) {
                continue
            }
            $s = [string]$ap
            if ($s -match '\A\\\\\?\\Volume\{([0-9a-fA-F-]{36})\}\\\z') {
                $guid = $Matches[1].ToLowerInvariant()
                continue
            }
            $paths.Add($s.TrimEnd('\'))
        }
        if ($guid -ne '') {
            $vol = Get-Volume -UniqueId ('\\?\Volume{' + $guid + '}\') -ErrorAction SilentlyContinue
            if ($null -ne $vol) {
                $fs = Get-WinfsDiskText $vol.FileSystem
                $label = Get-WinfsDiskText $vol.FileSystemLabel
            }
            $dirty = Test-WinfsDirty $guid
        }
    }
    return [ordered]@{
        number       = [int]$Part.PartitionNumber
        type         = [string]$Part.Type
        size         = [long]$Part.Size
        guid         = (Get-WinfsGuid (Get-WinfsDiskText $Part.Guid))
        volume_guid  = $guid
        access_paths = $paths.ToArray()
        file_system  = $fs
        label        = $label
        dirty        = [bool]$dirty
    }
}

# Get-WinfsPhysicalDisk finds the Storage module's MSFT_PhysicalDisk of a
# disk, by serial number; $null when Windows has none for it.
function Get-WinfsPhysicalDisk($Disk) {
    $serial = Get-WinfsDiskText $Disk.SerialNumber
    if ($serial -eq '') {
        return $null
    }
    foreach ($pd in @(Get-PhysicalDisk)) {
        if ([string]::Equals((Get-WinfsDiskText $pd.SerialNumber), $serial, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $pd
        }
    }
    return $null
}

# Get-WinfsWriteCache is the device's write cache as Windows reports it
# (Get-StorageAdvancedProperty, IsDeviceCacheEnabled); $null when unknown.
function Get-WinfsWriteCache($Disk) {
    $pd = Get-WinfsPhysicalDisk $Disk
    if ($null -eq $pd) {
        return $null
    }
    $adv = Get-StorageAdvancedProperty -PhysicalDisk $pd -ErrorAction SilentlyContinue
    if ($null -eq $adv -or $null -eq $adv.IsDeviceCacheEnabled) {
        return $null
    }
    return [bool]$adv.IsDeviceCacheEnabled
}

# Set-WinfsWriteCache calls MSFT_PhysicalDisk.SetWriteCache (Windows Server
# 2016 and later), the documented way to turn a disk's write cache on or
# off; no Storage cmdlet of Windows Server 2016 wraps it. Return value 1 is
# Not Supported: the device does not let the host change its cache.
function Set-WinfsWriteCache($Disk, [bool]$Enabled) {
    $pd = Get-WinfsPhysicalDisk $Disk
    if ($null -eq $pd) {
        throw (New-WinfsError 'write_cache_not_changeable' ('Windows has no physical disk object for disk ' + $Disk.Number + ', so its write cache cannot be set'))
    }
    if ((Get-WinfsWriteCache $Disk) -eq $Enabled) {
        return
    }
    $r = Invoke-CimMethod -InputObject $pd -MethodName 'SetWriteCache' -Arguments @{ WriteCacheEnabled = $Enabled } -Confirm:$false
    $code = [uint32]$r.ReturnValue
    if ($code -eq 1) {
        throw (New-WinfsError 'write_cache_not_changeable' ('disk ' + $Disk.Number + ' does not let the host change its write cache (SetWriteCache: Not Supported)'))
    }
    if ($code -ne 0) {
        throw (New-WinfsError 'internal' ('SetWriteCache on disk ' + $Disk.Number + ' failed with code ' + $code))
    }
}

function ConvertTo-WinfsDisk($Disk) {
    $parts = New-Object 'System.Collections.Generic.List[object]'
    if ([string]$Disk.PartitionStyle -ne 'RAW') {
        foreach ($p in @(Get-Partition -DiskNumber $Disk.Number -ErrorAction SilentlyContinue)) {
            $parts.Add((ConvertTo-WinfsPartition $Disk $p))
        }
    }
    return [ordered]@{
        number          = [int]$Disk.Number
        serial_number   = (Get-WinfsDiskText $Disk.SerialNumber)
        unique_id       = (Get-WinfsDiskText $Disk.UniqueId)
        size            = [long]$Disk.Size
        partition_style = [string]$Disk.PartitionStyle
        is_offline      = [bool]$Disk.IsOffline
        is_read_only    = [bool]$Disk.IsReadOnly
        partitions      = $parts.ToArray()
        write_cache_enabled = (Get-WinfsWriteCache $Disk)
    }
}

# Test-WinfsDiskId says whether a disk has the serial number or unique id $Id.
function Test-WinfsDiskId($Disk, [string]$Id) {
    $cmp = [System.StringComparison]::OrdinalIgnoreCase
    return [string]::Equals((Get-WinfsDiskText $Disk.SerialNumber), $Id, $cmp) -or
        [string]::Equals((Get-WinfsDiskText $Disk.UniqueId), $Id, $cmp)
}

function Find-WinfsDisk([string]$Id) {
    foreach ($d in @(Get-Disk)) {
        if (Test-WinfsDiskId $d $Id) {
            return $d
        }
    }
    throw (New-WinfsError 'disk_not_found' ([System.Environment]::MachineName + ' sees no disk with serial number or unique id "' + $Id + '"'))
}

# Find-WinfsPartition returns the partition whose volume has GUID $Guid, or $null.
function Find-WinfsPartition([string]$Guid) {
    $name = '\\?\Volume{' + $Guid + '}\'
    foreach ($p in @(Get-Partition -ErrorAction SilentlyContinue)) {
        foreach ($ap in @($p.AccessPaths)) {
            if ($null -ne $ap -and [string]::Equals([string]$ap, $name, [System.StringComparison]::OrdinalIgnoreCase)) {
                return $p
            }
        }
    }
    return $null
}

function Get-WinfsVolumePaths($Part) {
    $paths = New-Object 'System.Collections.Generic.List[string]'
    foreach ($ap in @($Part.AccessPaths)) {
        if ($null -ne $ap -and -not ([string]$ap).StartsWith('\\?\')) {
            $paths.Add(([string]$ap).TrimEnd('\'))
        }
    }
    return , $paths
}

# Get-WinfsMountPoint is mountpoint.get: which volume holds a path. A drive
# letter with a MountedDevices entry but no present volume is in use too.
function Get-WinfsMountPoint($Mp) {
    $out = [ordered]@{ path = $Mp.Text; kind = 'folder'; in_use = $false; volume_guid = ''; holder = ''; exists = $false; empty = $false; ntfs = $false }
    if ($Mp.Drive) {
        $out.kind = 'drive'
    }
    $wanted = $Mp.Text + '\'
    foreach ($p in @(Get-Partition -ErrorAction SilentlyContinue)) {
        $aps = @($p.AccessPaths)
        foreach ($ap in $aps) {
            if ($null -eq $ap -or -not [string]::Equals([string]$ap, $wanted, [System.StringComparison]::OrdinalIgnoreCase)) {
                continue
            }
            $guid = ''
            foreach ($other in $aps) {
                if ($null -ne $other -and ([string]$other) -match '\A\\\\\?\\Volume\{([0-9a-fA-F-]{36})\}\\\z') {
                    $guid = $Matches[1].ToLowerInvariant()
                }
            }
            $disk = Get-Disk -Number $p.DiskNumber
            $out.in_use = $true
            $out.volume_guid = $guid
            $out.holder = '\\?\Volume{' + $guid + '}\ (disk ' + $p.DiskNumber + ' serial ' + (Get-WinfsDiskText $disk.SerialNumber) + ', partition ' + $p.PartitionNumber + ')'
            $out.exists = $true
            $out.ntfs = $true
            return $out
        }
    }
    if ($Mp.Drive) {
        $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = 'SYSTEM\MountedDevices'; Path = 'HKLM\SYSTEM\MountedDevices' } $false $false
        if ($null -ne $key) {
            try {
                if (Test-WinfsValueName $key ('\DosDevices\' + $Mp.Text)) {
                    $out.in_use = $true
                    $out.holder = 'the MountedDevices entry \DosDevices\' + $Mp.Text + ' (a device, or a volume that is not present)'
                }
            } finally {
                $key.Dispose()
            }
        }
        return $out
    }
    if (Test-Path -LiteralPath $Mp.Text -PathType Container) {
        $out.exists = $true
        $out.empty = -not ([System.IO.Directory]::EnumerateFileSystemEntries($Mp.Text).GetEnumerator().MoveNext())
        # The file system of the folder's drive; a folder below another
        # folder mount point is judged by its drive, which is what
        # Add-PartitionAccessPath itself then checks.
        $vol = Get-Volume -DriveLetter $Mp.Text.Substring(0, 1) -ErrorAction SilentlyContinue
        $out.ntfs = ($null -ne $vol) -and ([string]$vol.FileSystem -eq 'NTFS')
    }
    return $out
}

# Get-WinfsOpenFiles lists the SMB open files below any of $Paths.
function Get-WinfsOpenFiles($Paths) {
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($f in @(Get-SmbOpenFile -ErrorAction SilentlyContinue)) {
        foreach ($p in $Paths) {
            $fp = [string]$f.Path
            if ([string]::Equals($fp, $p, [System.StringComparison]::OrdinalIgnoreCase) -or
                $fp.StartsWith($p + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
                $list.Add($f)
                break
            }
        }
    }
    return , $list
}

function Get-WinfsOnlinePartition([string]$Guid) {
    $part = Find-WinfsPartition $Guid
    if ($null -eq $part) {
        throw (New-WinfsError 'volume_not_found' ('no volume \\?\Volume{' + $Guid + '}\ on ' + [System.Environment]::MachineName))
    }
    $disk = Get-Disk -Number $part.DiskNumber
    if ($disk.IsOffline) {
        throw (New-WinfsError 'disk_offline' ('disk ' + $disk.Number + ' is offline'))
    }
    return @{ Part = $part; Disk = $disk }
}

function Invoke-WinfsStorageRescan($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @() 'params'
    Update-HostStorageCache | Out-Null
    return [ordered]@{}
}

function Invoke-WinfsDiskList($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('disk') 'params'
    $id = Get-WinfsString $Params 'disk'
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($d in @(Get-Disk | Sort-Object -Property Number)) {
        if ($id -eq '' -or (Test-WinfsDiskId $d $id)) {
            $list.Add((ConvertTo-WinfsDisk $d))
        }
    }
    return [ordered]@{ disks = $list.ToArray() }
}

# Get-WinfsRememberedLetters lists, per partition GUID (hex of the
# MountedDevices data), the drive letters MountedDevices holds for it: the
# mount manager gives them back when the volume arrives.
function Get-WinfsRememberedLetters {
    $out = @{}
    $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = 'SYSTEM\MountedDevices'; Path = 'HKLM\SYSTEM\MountedDevices' } $false $false
    if ($null -eq $key) {
        return $out
    }
    try {
        foreach ($name in $key.GetValueNames()) {
            if ($name -match '\A\\DosDevices\\([A-Za-z]:)\z') {
                $letter = $Matches[1].ToUpperInvariant()
                $data = $key.GetValue($name, $null)
                if ($data -is [byte[]]) {
                    $out[(ConvertTo-WinfsHex $data)] = $letter
                }
            }
        }
    } finally {
        $key.Dispose()
    }
    return $out
}

# Test-WinfsVolumeArrived says whether a partition's volume is there: its
# \\?\Volume{GUID}\ access path, and the letter MountedDevices remembers
# for a GPT partition (DMIO:ID: and the partition GUID's bytes).
function Test-WinfsVolumeArrived($Part, $Letters) {
    $paths = @()
    $hasVolume = $false
    foreach ($ap in @($Part.AccessPaths)) {
        if ($null -eq $ap) {
            continue
        }
        $paths += ([string]$ap).TrimEnd('\').ToUpperInvariant()
        if (([string]$ap) -match '\A\\\\\?\\Volume\{[0-9a-fA-F-]{36}\}\\\z') {
            $hasVolume = $true
        }
    }
    if (-not $hasVolume) {
        return $false
    }
    $guid = Get-WinfsDiskText $Part.Guid
    if ($guid -eq '') {
        return $true
    }
    $bytes = New-Object 'System.Collections.Generic.List[byte]'
    $bytes.AddRange([System.Text.Encoding]::ASCII.GetBytes('DMIO:ID:'))
    $bytes.AddRange((New-Object System.Guid -ArgumentList $guid).ToByteArray())
    $hex = ConvertTo-WinfsHex $bytes.ToArray()
    if ($Letters.ContainsKey($hex)) {
        return ($paths -contains $Letters[$hex])
    }
    return $true
}

# Wait-WinfsVolumes waits, polling every 250 ms for at most 15 s, until
# every Basic partition of disk $Number has its volume and its remembered
# letter: Set-Disk returns before Plug and Play surfaces the volumes of a
# disk it brought online, and an explicit mount in that window would race
# the mount manager. Past the limit the caller answers without them.
function Wait-WinfsVolumes([uint32]$Number) {
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        $letters = Get-WinfsRememberedLetters
        $all = $true
        foreach ($p in @(Get-Partition -DiskNumber $Number -ErrorAction SilentlyContinue)) {
            if ([string]$p.Type -eq 'Basic' -and -not (Test-WinfsVolumeArrived $p $letters)) {
                $all = $false
                break
            }
        }
        if ($all -or [DateTime]::UtcNow -ge $deadline) {
            return
        }
        Start-Sleep -Milliseconds 250
    }
}

# Invoke-WinfsDiskSet clears read-only before it brings a disk online, so
# no volume is ever surfaced read-only, and takes a disk offline last. If
# Set-Disk refuses to change read-only on an offline disk, it is changed
# once the disk is online.
function Invoke-WinfsDiskSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('disk', 'offline', 'read_only', 'write_cache_enabled') 'params'
    $id = Get-WinfsString $Params 'disk'
    $offline = Get-WinfsOptionalBool $Params 'offline'
    $readOnly = Get-WinfsOptionalBool $Params 'read_only'
    $writeCache = Get-WinfsOptionalBool $Params 'write_cache_enabled'
    $disk = Find-WinfsDisk $id
    $n = $disk.Number
    if ($null -ne $writeCache) {
        Set-WinfsWriteCache $disk $writeCache
    }
    $readOnlyLater = $false
    if ($null -ne $readOnly -and [bool]$disk.IsReadOnly -ne $readOnly) {
        try {
            Set-Disk -Number $n -IsReadOnly $readOnly -ErrorAction Stop | Out-Null
        } catch {
            if (-not $disk.IsOffline) {
                throw
            }
            $readOnlyLater = $true
        }
    }
    if ($offline -eq $false -and $disk.IsOffline) {
        Set-Disk -Number $n -IsOffline $false | Out-Null
        if ($readOnlyLater) {
            Set-Disk -Number $n -IsReadOnly $readOnly | Out-Null
        }
        Wait-WinfsVolumes $n
    }
    if ($offline -eq $true -and -not $disk.IsOffline) {
        Set-Disk -Number $n -IsOffline $true | Out-Null
    }
    return [ordered]@{ disk = (ConvertTo-WinfsDisk (Get-Disk -Number $n)) }
}

function Invoke-WinfsMountPointGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path') 'params'
    return (Get-WinfsMountPoint (Get-WinfsMountPath (Get-WinfsString $Params 'path')))
}

function Invoke-WinfsVolumeMount($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid', 'path') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    $mp = Get-WinfsMountPath (Get-WinfsString $Params 'path')
    $v = Get-WinfsOnlinePartition $guid
    $cur = Get-WinfsMountPoint $mp
    $host_ = [System.Environment]::MachineName
    if ($cur.in_use -and $cur.volume_guid -eq $guid) {
        return [ordered]@{ changed = $false }
    }
    if ($cur.in_use) {
        throw (New-WinfsError 'mount_point_in_use' ($mp.Text + ' is in use on ' + $host_ + ': it holds ' + $cur.holder))
    }
    if (-not $mp.Drive) {
        if (-not $cur.exists) {
            throw (New-WinfsError 'folder_not_found' ('folder ' + $mp.Text + ' does not exist on ' + $host_ + ': create it (empty, on an NTFS volume) first'))
        }
        if (-not $cur.ntfs) {
            throw (New-WinfsError 'not_ntfs' ('folder ' + $mp.Text + ' on ' + $host_ + ' is not on an NTFS volume'))
        }
        if (-not $cur.empty) {
            throw (New-WinfsError 'folder_not_empty' ('folder ' + $mp.Text + ' on ' + $host_ + ' is not empty: a mount point must be an empty folder'))
        }
    } else {
        foreach ($p in (Get-WinfsVolumePaths $v.Part)) {
            if ($p.Length -eq 2) {
                throw (New-WinfsError 'invalid_mount_point' ('the volume already has drive letter ' + $p + '; a volume has at most one'))
            }
        }
    }
    Add-PartitionAccessPath -DiskNumber $v.Part.DiskNumber -PartitionNumber $v.Part.PartitionNumber -AccessPath ($mp.Text + '\') -Confirm:$false | Out-Null
    return [ordered]@{ changed = $true }
}

function Test-WinfsSameMountedDevice([string]$Letter, [string]$Guid) {
    $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = 'SYSTEM\MountedDevices'; Path = 'HKLM\SYSTEM\MountedDevices' } $false $false
    if ($null -eq $key) {
        return $false
    }
    try {
        $a = $key.GetValue('\DosDevices\' + $Letter, $null)
        $b = $key.GetValue('\??\Volume{' + $Guid + '}', $null)
        if ($null -eq $a -or $null -eq $b) {
            return $false
        }
        return (ConvertTo-WinfsHex $a) -eq (ConvertTo-WinfsHex $b)
    } finally {
        $key.Dispose()
    }
}

function Invoke-WinfsVolumeDismount($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid', 'path') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    $mp = Get-WinfsMountPath (Get-WinfsString $Params 'path')
    $cur = Get-WinfsMountPoint $mp
    if (-not $cur.in_use) {
        return [ordered]@{ removed = $false }
    }
    # A stale letter (its volume is gone) is this volume's when MountedDevices
    # holds the same bytes for \DosDevices\X: and \??\Volume{GUID}.
    if ($guid -ne '' -and $cur.volume_guid -eq '' -and $mp.Drive -and (Test-WinfsSameMountedDevice $mp.Text $guid)) {
        $cur.volume_guid = $guid
    }
    if ($guid -ne '' -and $cur.volume_guid -ne $guid) {
        throw (New-WinfsError 'mount_point_in_use' ($mp.Text + ' on ' + [System.Environment]::MachineName + ' holds ' + $cur.holder + ', not the volume asked for; not removing it'))
    }
    $part = $null
    if ($cur.volume_guid -ne '') {
        $part = Find-WinfsPartition $cur.volume_guid
    }
    if ($null -eq $part) {
        # A letter whose volume is gone: only MountedDevices holds it.
        # mountvol X:\ /D asks the mount manager to delete the point and its
        # database entry (IOCTL_MOUNTMGR_DELETE_POINTS); whether it does so
        # for an absent volume is not documented, so a \DosDevices\X: value
        # left behind, with no X:\ present, is deleted directly.
        $ErrorActionPreference = 'Continue'
        # Each stderr line arrives as an ErrorRecord: its text, not Out-String's error view.
        $lines = New-Object 'System.Collections.Generic.List[string]'
        foreach ($line in @(& mountvol.exe ($mp.Text + '\') /D 2>&1)) {
            $lines.Add([string]$line)
        }
        $code = $LASTEXITCODE
        $output = [string]::Join("`n", $lines.ToArray())
        $ErrorActionPreference = 'Stop'
        $name = '\DosDevices\' + $mp.Text
        $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = 'SYSTEM\MountedDevices'; Path = 'HKLM\SYSTEM\MountedDevices' } $true $false
        if ($null -ne $key) {
            try {
                if ((Test-WinfsValueName $key $name) -and -not [System.IO.Directory]::Exists($mp.Text + '\')) {
                    $key.DeleteValue($name)
                }
                if (Test-WinfsValueName $key $name) {
                    throw (New-WinfsError 'internal' ('mountvol ' + $mp.Text + '\ /D (exit code ' + $code + ') left ' + $name + ': ' + $output.Trim()))
                }
            } finally {
                $key.Dispose()
            }
        }
        return [ordered]@{ removed = $true }
    }
    $open = Get-WinfsOpenFiles (Get-WinfsVolumePaths $part)
    if ($open.Count -gt 0) {
        $names = New-Object 'System.Collections.Generic.List[string]'
        foreach ($f in $open) {
            $names.Add([string]$f.Path)
        }
        throw (New-WinfsError 'volume_in_use' ('cannot remove ' + $mp.Text + ': ' + $open.Count + ' file(s) open on the volume by SMB clients (' + [string]::Join(', ', $names.ToArray()) + '); close them first'))
    }
    Remove-PartitionAccessPath -DiskNumber $part.DiskNumber -PartitionNumber $part.PartitionNumber -AccessPath ($mp.Text + '\') -Confirm:$false | Out-Null
    return [ordered]@{ removed = $true }
}

function Invoke-WinfsVolumeFlush($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    [void](Get-WinfsOnlinePartition $guid)
    Get-Volume -UniqueId ('\\?\Volume{' + $guid + '}\') | Write-VolumeCache
    return [ordered]@{}
}

# Invoke-WinfsVolumeRepair runs chkdsk /F /X, as an administrator would: /X dismounts
# the volume first (closing every handle), so the journal can be replayed.
function Invoke-WinfsVolumeRepair($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    $v = Get-WinfsOnlinePartition $guid
    if ($v.Disk.IsReadOnly) {
        throw (New-WinfsError 'disk_read_only' ('disk ' + $v.Disk.Number + ' is read-only: chkdsk /F cannot fix it; make it writable first'))
    }
    $was = Test-WinfsDirty $guid
    # 'N' answers a prompt to schedule the check at the next restart.
    # Native programs run with stderr merged into their output under a local
    # $ErrorActionPreference of 'Continue': under 'Stop', Windows PowerShell
    # 5.1 throws on the first stderr line. The exit code is the verdict.
    $ErrorActionPreference = 'Continue'
    $output = ('N' | & chkdsk.exe ('\\?\Volume{' + $guid + '}') /F /X 2>&1 | Out-String).Trim()
    # Progress lines make chkdsk's text long on a large volume: its end says
    # what happened.
    if ($output.Length -gt 4096) {
        $output = '...' + $output.Substring($output.Length - 4096)
    }
    # chkdsk: 0 no errors, 1 errors fixed, 2 cleanup performed; 3 means the
    # volume could not be checked or not every error was fixed.
    if ($LASTEXITCODE -gt 2) {
        throw (New-WinfsError 'internal' ('chkdsk /F /X failed with exit code ' + $LASTEXITCODE + ': ' + $output))
    }
    return [ordered]@{ was_dirty = [bool]$was; output = $output }
}

# ConvertTo-WinfsRepairStatus names Repair-Volume's verdict. The Storage
# module shows MSFT_Volume.Repair's Output by name (NoErrorsFound,
# ScanNeeded, SpotFixNeeded, FullRepairNeeded); should a host hand back the
# bare number, it is read in the order of MSFT_Volume.HealthStatus
# (Healthy, Scan Needed, Spot Fix Needed, Full Repair Needed).
function ConvertTo-WinfsRepairStatus($Output, [string]$What) {
    $names = @('NoErrorsFound', 'ScanNeeded', 'SpotFixNeeded', 'FullRepairNeeded')
    $text = ([string](@($Output) -join ' ')).Trim()
    foreach ($n in $names) {
        if ($text -eq $n) {
            return $n
        }
    }
    if ($text -match '\A[0-3]\z') {
        return $names[[int]$text]
    }
    throw (New-WinfsError 'internal' ($What + ' answered "' + $text + '", not one of ' + ($names -join ', ')))
}

# Invoke-WinfsVolumeCheck runs Repair-Volume -Scan (online: the volume stays
# mounted, corruptions are logged in its $Corrupt file) or -SpotFix (the
# volume goes offline briefly to fix only what was logged), and reads the
# dirty bit before and after: whether a spot-fix clears it is not
# documented, so the caller is told, not assumed.
function Invoke-WinfsVolumeCheck($Params, [bool]$SpotFix) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    $v = Get-WinfsOnlinePartition $guid
    $what = 'Repair-Volume -Scan'
    if ($SpotFix) {
        $what = 'Repair-Volume -SpotFix'
        if ($v.Disk.IsReadOnly) {
            throw (New-WinfsError 'disk_read_only' ('disk ' + $v.Disk.Number + ' is read-only: ' + $what + ' cannot fix it; make it writable first'))
        }
    }
    $was = Test-WinfsDirty $guid
    $path = '\\?\Volume{' + $guid + '}\'
    if ($SpotFix) {
        $out = Repair-Volume -Path $path -SpotFix -Confirm:$false
    } else {
        $out = Repair-Volume -Path $path -Scan -Confirm:$false
    }
    $status = ConvertTo-WinfsRepairStatus $out $what
    return [ordered]@{ status = $status; was_dirty = [bool]$was; dirty = [bool](Test-WinfsDirty $guid) }
}

function Invoke-WinfsVolumeScan($Params) {
    return (Invoke-WinfsVolumeCheck $Params $false)
}

function Invoke-WinfsVolumeSpotFix($Params) {
    return (Invoke-WinfsVolumeCheck $Params $true)
}

function Invoke-WinfsVolumeCloseSessions($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('volume_guid') 'params'
    $guid = Get-WinfsGuid (Get-WinfsString $Params 'volume_guid')
    $part = Find-WinfsPartition $guid
    if ($null -eq $part) {
        throw (New-WinfsError 'volume_not_found' ('no volume \\?\Volume{' + $guid + '}\ on ' + [System.Environment]::MachineName))
    }
    $files = Get-WinfsOpenFiles (Get-WinfsVolumePaths $part)
    $sessions = @{}
    foreach ($f in $files) {
        $sessions[[string]$f.SessionId] = $f.SessionId
        # A file its client closed since the listing is gone: that is the goal.
        Close-SmbOpenFile -FileId $f.FileId -Force -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }
    $closed = 0
    foreach ($sid in $sessions.Values) {
        # A session that still holds files elsewhere stays.
        $rest = @(Get-SmbOpenFile -SessionId $sid -ErrorAction SilentlyContinue)
        if ($rest.Count -eq 0) {
            Close-SmbSession -SessionId $sid -Force -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
            $closed++
        }
    }
    return [ordered]@{ closed_files = [int]$files.Count; closed_sessions = [int]$closed }
}
