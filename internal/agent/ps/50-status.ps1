# ---------------------------------------------------------------- status
#
# server.status only reads. Service names are checked against a pattern
# without wildcard characters, since Get-Service -Name takes patterns.

function ConvertTo-WinfsServiceState([string]$Status) {
    switch -CaseSensitive ($Status) {
        'Running' { return 'running' }
        'Stopped' { return 'stopped' }
        'StartPending' { return 'start_pending' }
        'StopPending' { return 'stop_pending' }
        'ContinuePending' { return 'continue_pending' }
        'PausePending' { return 'pause_pending' }
        'Paused' { return 'paused' }
    }
    throw (New-WinfsError 'internal' ('unknown service status "' + $Status + '"'))
}

# Get-WinfsServiceStatus reports one service by its service name; a match
# on the display name alone does not count, as in the lab. The name is
# compared exactly: Get-Service -Name takes wildcards.
function Get-WinfsServiceStatus([string]$Name) {
    $svc = @(Get-Service -ErrorAction SilentlyContinue | Where-Object { $_.ServiceName -eq $Name }) | Select-Object -First 1
    if ($null -eq $svc -or -not [string]::Equals([string]$svc.ServiceName, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
        return [ordered]@{ name = $Name; display_name = ''; state = 'not_found' }
    }
    return [ordered]@{
        name         = [string]$svc.ServiceName
        display_name = [string]$svc.DisplayName
        state        = (ConvertTo-WinfsServiceState ([string]$svc.Status))
    }
}

# Add-WinfsVolumeStatus files an entry under its sort key: drive letters
# first, then folders, by name.
function Add-WinfsVolumeStatus($Sorted, [string]$MountPoint, [string]$Guid, [string]$Serial, [bool]$Online, [bool]$ReadOnly, [bool]$Dirty) {
    $rank = '1'
    if ($MountPoint.Length -eq 2) {
        $rank = '0'
    }
    $Sorted[$rank + $MountPoint.ToUpperInvariant()] = [ordered]@{
        mount_point = $MountPoint
        volume_guid = $Guid
        disk_serial = $Serial
        online      = $Online
        read_only   = $ReadOnly
        dirty       = $Dirty
    }
}

# Get-WinfsVolumeStatus lists the access paths of data volumes: present ones
# from Get-Partition (disks holding the boot or system volume left out), then
# the drive letters MountedDevices keeps for GPT volumes that are not present
# (their disk offline or gone), which clients can no longer reach.
function Get-WinfsVolumeStatus {
    $sorted = New-Object 'System.Collections.Generic.SortedDictionary[string,object]' -ArgumentList ([System.StringComparer]::Ordinal)
    $held = @{}
    $offlineParts = @{}
    foreach ($disk in @(Get-Disk)) {
        if ([string]$disk.PartitionStyle -eq 'RAW') {
            continue
        }
        $system = [bool]$disk.IsBoot -or [bool]$disk.IsSystem
        foreach ($p in @(Get-Partition -DiskNumber $disk.Number -ErrorAction SilentlyContinue)) {
            if ($disk.IsOffline) {
                $offlineParts[(Get-WinfsGuid (Get-WinfsDiskText $p.Guid))] = $disk
                continue
            }
            if ($system) {
                foreach ($ap in @($p.AccessPaths)) {
                    if ($null -ne $ap -and ([string]$ap) -match '\A([A-Za-z]):\\\z') {
                        $held[$Matches[1].ToUpperInvariant()] = $true
                    }
                }
                continue
            }
            $part = ConvertTo-WinfsPartition $disk $p
            foreach ($mp in $part.access_paths) {
                if ($mp.Length -eq 2) {
                    $held[$mp.Substring(0, 1).ToUpperInvariant()] = $true
                }
                Add-WinfsVolumeStatus $sorted $mp $part.volume_guid (Get-WinfsDiskText $disk.SerialNumber) $true ([bool]$disk.IsReadOnly) ([bool]$part.dirty)
            }
        }
    }
    $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = 'SYSTEM\MountedDevices'; Path = 'HKLM\SYSTEM\MountedDevices' } $false $false
    if ($null -ne $key) {
        try {
            $names = @($key.GetValueNames())
            foreach ($name in $names) {
                if (-not ($name -match '\A\\DosDevices\\([A-Za-z]):\z')) {
                    continue
                }
                $letter = $Matches[1].ToUpperInvariant()
                $data = $key.GetValue($name, $null)
                # "DMIO:ID:" and the partition GUID: a GPT partition. Other
                # entries are devices (optical drives) or MBR volumes.
                if ($held.ContainsKey($letter) -or -not ($data -is [byte[]]) -or $data.Length -ne 24 -or
                    [System.Text.Encoding]::ASCII.GetString($data, 0, 8) -cne 'DMIO:ID:') {
                    continue
                }
                $hex = ConvertTo-WinfsHex $data
                $guid = ''
                foreach ($other in $names) {
                    if ($other -match '\A\\\?\?\\Volume\{([0-9a-fA-F-]{36})\}\z') {
                        $otherGuid = $Matches[1].ToLowerInvariant()
                        $otherData = $key.GetValue($other, $null)
                        if ($otherData -is [byte[]] -and (ConvertTo-WinfsHex $otherData) -eq $hex) {
                            $guid = $otherGuid
                        }
                    }
                }
                # System.Guid(byte[]) reads the first three fields
                # little-endian, as MountedDevices stores them.
                $bytes = New-Object 'byte[]' 16
                [System.Array]::Copy($data, 8, $bytes, 0, 16)
                $partGuid = (New-Object System.Guid -ArgumentList (, $bytes)).ToString()
                $serial = ''
                $readOnly = $false
                if ($offlineParts.ContainsKey($partGuid)) {
                    $serial = Get-WinfsDiskText $offlineParts[$partGuid].SerialNumber
                    $readOnly = [bool]$offlineParts[$partGuid].IsReadOnly
                }
                Add-WinfsVolumeStatus $sorted ($letter + ':') $guid $serial $false $readOnly $false
            }
        } finally {
            $key.Dispose()
        }
    }
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($entry in $sorted.Values) {
        $list.Add($entry)
    }
    return , $list
}

# The settings a service reads when it starts (agent.WatchedSettings).
$WinfsWatchedSettings = @(
    @{ Key = 'SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'; Name = 'DisableStrictNameChecking'; Service = 'LanmanServer'; AtBoot = $false },
    @{ Key = 'SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters'; Name = 'OptionalNames'; Service = 'LanmanServer'; AtBoot = $false },
    @{ Key = 'SYSTEM\CurrentControlSet\Services\NetBT\Parameters'; Name = 'CacheTimeout'; Service = 'NetBT'; AtBoot = $true }
)

# Get-WinfsKeyWriteTime is the key's last write time (RegQueryInfoKey,
# lpftLastWriteTime; .NET has no property for it), in UTC; $null when the
# key is missing.
function Get-WinfsKeyWriteTime($Key) {
    if ($null -eq ('Winfs.RegInfo' -as [type])) {
        Add-Type -Namespace 'Winfs' -Name 'RegInfo' -MemberDefinition '[DllImport("advapi32.dll", CharSet = CharSet.Unicode)] public static extern int RegQueryInfoKey(Microsoft.Win32.SafeHandles.SafeRegistryHandle hKey, IntPtr lpClass, IntPtr lpcchClass, IntPtr lpReserved, IntPtr lpcSubKeys, IntPtr lpcbMaxSubKeyLen, IntPtr lpcbMaxClassLen, IntPtr lpcValues, IntPtr lpcbMaxValueNameLen, IntPtr lpcbMaxValueLen, IntPtr lpcbSecurityDescriptor, out long lpftLastWriteTime);'
    }
    $ft = [long]0
    $z = [IntPtr]::Zero
    $rc = [Winfs.RegInfo]::RegQueryInfoKey($Key.Handle, $z, $z, $z, $z, $z, $z, $z, $z, $z, $z, [ref]$ft)
    if ($rc -ne 0) {
        throw (New-WinfsError 'internal' ('RegQueryInfoKey failed with code ' + $rc))
    }
    return [DateTime]::FromFileTimeUtc($ft)
}

# Get-WinfsServiceStart is when a running service last started, in UTC: the
# newest event 7036 of the Service Control Manager naming it (its last
# state change, which for a running service is the change to running), or
# the boot when the log no longer has one. $null when it is not running.
function Get-WinfsServiceStart([string]$Name, $Boot) {
    $svc = @(Get-Service -ErrorAction SilentlyContinue | Where-Object { [string]::Equals([string]$_.ServiceName, $Name, [System.StringComparison]::OrdinalIgnoreCase) }) | Select-Object -First 1
    if ($null -eq $svc -or [string]$svc.Status -ne 'Running') {
        return $null
    }
    $events = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = 'Service Control Manager'; Id = 7036 } -MaxEvents 1000 -ErrorAction SilentlyContinue)
    foreach ($e in $events) {
        if ($e.Properties.Count -gt 0 -and [string]$e.Properties[0].Value -eq [string]$svc.DisplayName) {
            return $e.TimeCreated.ToUniversalTime()
        }
    }
    return $Boot
}

# Get-WinfsSettingsStatus reports each watched setting: pending when its key
# was written after the service that reads it started (after the boot for a
# boot-start driver, which NetBT is), the value in effect known otherwise.
function Get-WinfsSettingsStatus {
    $boot = ([DateTime](Get-CimInstance -ClassName 'Win32_OperatingSystem').LastBootUpTime).ToUniversalTime()
    $starts = @{}
    $out = New-Object 'System.Collections.Generic.List[object]'
    foreach ($w in $WinfsWatchedSettings) {
        $configured = $null
        $written = $null
        $key = Open-WinfsKey @{ Hive = [Microsoft.Win32.RegistryHive]::LocalMachine; Key = $w.Key } $false $false
        if ($null -ne $key) {
            try {
                $written = Get-WinfsKeyWriteTime $key
                if (Test-WinfsValueName $key $w.Name) {
                    $configured = Read-WinfsValue $key $w.Name
                }
            } finally {
                $key.Dispose()
            }
        }
        $start = $boot
        $pending = 'reboot'
        if (-not $w.AtBoot) {
            if (-not $starts.ContainsKey($w.Service)) {
                $starts[$w.Service] = Get-WinfsServiceStart $w.Service $boot
            }
            $start = $starts[$w.Service]
            $pending = 'restart'
        }
        $inEffect = $null
        if ($null -ne $start -and ($null -eq $written -or $written -le $start)) {
            $pending = ''
            $inEffect = $configured
        }
        $out.Add([ordered]@{ key = $w.Key; name = $w.Name; service = $w.Service; configured = $configured; in_effect = $inEffect; pending = $pending })
    }
    return $out
}

function Invoke-WinfsServerStatus($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('services') 'params'
    $names = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Params 'services' $names
    if ($names.Count -gt 32) {
        throw (New-WinfsInvalid ('at most 32 services may be asked for, got ' + $names.Count))
    }
    foreach ($n in $names) {
        if ($n -cnotmatch '\A[A-Za-z0-9_.-]{1,256}\z') {
            throw (New-WinfsInvalid ('service name "' + $n + '" must be 1-256 letters, digits, "_", "." or "-"'))
        }
    }
    $services = New-Object 'System.Collections.Generic.List[object]'
    foreach ($n in $names) {
        $services.Add((Get-WinfsServiceStatus $n))
    }
    # Get-SmbShare fails while the Server service is stopped: nothing is
    # shared then, and the list says so.
    $shares = New-Object 'System.Collections.Generic.List[object]'
    if ((Get-WinfsServiceStatus 'LanmanServer').state -eq 'running') {
        foreach ($s in (Get-WinfsShares)) {
            if ([bool]$s.Special) {
                continue
            }
            $path = [string]$s.Path
            $available = ([string]$s.ShareState -eq 'Online')
            if ($available -and $path -match '\A[A-Za-z]:\\') {
                $available = Test-Path -LiteralPath $path.Substring(0, 3)
            }
            $shares.Add([ordered]@{ name = [string]$s.Name; path = $path; available = [bool]$available })
        }
    }
    return [ordered]@{
        computer_name = [string][System.Environment]::MachineName
        services      = $services.ToArray()
        volumes       = (Get-WinfsVolumeStatus).ToArray()
        shares        = $shares.ToArray()
        settings      = (Get-WinfsSettingsStatus).ToArray()
    }
}
