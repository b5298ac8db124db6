# ---------------------------------------------------------------- DFS Replication

# The DFSR operations use the DFSR module. Group, folder and member names
# are checked to hold no wildcard character: several DFSR cmdlets take
# wildcards in -GroupName, -FolderName and -ComputerName, so such names are
# refused and the objects the cmdlets return are piped on as they are.

function Assert-WinfsDfsrRole {
    if (-not (Get-Command -Name 'Get-DfsReplicationGroup' -ErrorAction SilentlyContinue)) {
        throw (New-WinfsError 'dfsr_unavailable' ('the DFS Replication role (DFSR module) is not installed on ' + [System.Environment]::MachineName))
    }
    $service = Get-Service -Name 'DFSR' -ErrorAction SilentlyContinue
    if ($null -eq $service -or [string]$service.Status -ne 'Running') {
        throw (New-WinfsError 'dfsr_unavailable' ('the DFS Replication service (DFSR) is not running on ' + [System.Environment]::MachineName))
    }
}

function Get-WinfsDfsrName($Object, [string]$Field) {
    $v = Get-WinfsString $Object $Field
    if ($v -notmatch '\A[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}\z') {
        throw (New-WinfsInvalid ('invalid ' + $Field + ' "' + $v + '": letters, digits, space, ".", "_" and "-"'))
    }
    return $v
}

function Get-WinfsDfsrMemberName($Object, [string]$Field) {
    $v = Get-WinfsString $Object $Field
    if ($v -notmatch '\A[A-Za-z0-9][A-Za-z0-9-]{0,62}\z') {
        throw (New-WinfsInvalid ('invalid ' + $Field + ' "' + $v + '": a computer name, e.g. server1'))
    }
    return $v
}

function Get-WinfsDfsrGroup([string]$Name) {
    try {
        return (Get-DfsReplicationGroup -GroupName $Name -ErrorAction Stop)
    } catch {
        return $null
    }
}

# Get-WinfsDfsrPairKey: a connection pair regardless of direction, folded.
function Get-WinfsDfsrPairKey([string]$A, [string]$B) {
    $x = $A.ToUpperInvariant()
    $y = $B.ToUpperInvariant()
    if ([string]::CompareOrdinal($x, $y) -gt 0) {
        return ($y + '|' + $x)
    }
    return ($x + '|' + $y)
}

function Read-WinfsDfsrGroup([string]$Name) {
    $members = New-Object 'System.Collections.Generic.List[string]'
    foreach ($m in @(Get-DfsrMember -GroupName $Name -ErrorAction Stop)) {
        $members.Add([string]$m.ComputerName)
    }
    $folders = New-Object 'System.Collections.Generic.List[object]'
    $memberships = @(Get-DfsrMembership -GroupName $Name -ErrorAction Stop)
    foreach ($f in @(Get-DfsReplicatedFolder -GroupName $Name -ErrorAction Stop)) {
        $list = New-Object 'System.Collections.Generic.List[object]'
        foreach ($ms in $memberships) {
            if ([string]$ms.FolderName -eq [string]$f.FolderName -and -not [string]::IsNullOrEmpty([string]$ms.ContentPath)) {
                $list.Add([ordered]@{ member = [string]$ms.ComputerName; content_path = [string]$ms.ContentPath })
            }
        }
        $folders.Add([ordered]@{ name = [string]$f.FolderName; memberships = $list })
    }
    $pairs = [ordered]@{}
    foreach ($c in @(Get-DfsrConnection -GroupName $Name -ErrorAction Stop)) {
        $k = Get-WinfsDfsrPairKey ([string]$c.SourceComputerName) ([string]$c.DestinationComputerName)
        if (-not $pairs.Contains($k)) {
            $pairs[$k] = [ordered]@{ a = [string]$c.SourceComputerName; b = [string]$c.DestinationComputerName }
        }
    }
    $connections = New-Object 'System.Collections.Generic.List[object]'
    foreach ($k in $pairs.Keys) {
        $connections.Add($pairs[$k])
    }
    $hours = [long](Get-DfsrGroupSchedule -GroupName $Name -ErrorAction Stop).HoursReplicated
    return [ordered]@{
        exists           = $true
        members          = $members
        folders          = $folders
        connections      = $connections
        schedule         = ($hours -eq 168)
        hours_replicated = $hours
    }
}

function Invoke-WinfsDfsrGroupGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name') 'params'
    $name = Get-WinfsDfsrName $Params 'name'
    Assert-WinfsDfsrRole
    if ($null -eq (Get-WinfsDfsrGroup $name)) {
        return [ordered]@{ exists = $false; members = @(); folders = @(); connections = @(); schedule = $false; hours_replicated = 0 }
    }
    return (Read-WinfsDfsrGroup $name)
}

# Read-WinfsDfsrSettings checks the settings of dfsr.group.set.
function Read-WinfsDfsrSettings($Params) {
    $members = [ordered]@{}
    $list = Get-WinfsField $Params 'members'
    if ($null -eq $list -or -not ($list -is [System.Array]) -or $list.Count -eq 0) {
        throw (New-WinfsInvalid 'invalid members: at least one computer name')
    }
    foreach ($m in $list) {
        if (-not ($m -is [string]) -or $m -notmatch '\A[A-Za-z0-9][A-Za-z0-9-]{0,62}\z') {
            throw (New-WinfsInvalid ('invalid member "' + [string]$m + '": a computer name, e.g. server1'))
        }
        if ($members.Contains($m.ToUpperInvariant())) {
            throw (New-WinfsInvalid ('member ' + $m + ' is listed twice'))
        }
        $members[$m.ToUpperInvariant()] = $m
    }
    $folders = [ordered]@{}
    foreach ($f in @(Get-WinfsField $Params 'folders')) {
        Assert-WinfsObject $f 'folder'
        Assert-WinfsFields $f @('name', 'memberships') 'folder'
        $fname = Get-WinfsDfsrName $f 'name'
        $paths = [ordered]@{}
        foreach ($ms in @(Get-WinfsField $f 'memberships')) {
            Assert-WinfsObject $ms 'membership'
            Assert-WinfsFields $ms @('member', 'content_path') 'membership'
            $member = Get-WinfsDfsrMemberName $ms 'member'
            $cp = Get-WinfsString $ms 'content_path'
            if ($cp -notmatch '\A[A-Za-z]:\\([^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*)?\z') {
                throw (New-WinfsInvalid ('invalid content_path "' + $cp + '": an absolute local path, e.g. D:\Finance'))
            }
            if (-not $members.Contains($member.ToUpperInvariant())) {
                throw (New-WinfsInvalid ('content_path of ' + $member + ', which is no member'))
            }
            $paths[$member.ToUpperInvariant()] = @{ Member = $members[$member.ToUpperInvariant()]; Path = $cp }
        }
        $folders[$fname.ToUpperInvariant()] = @{ Name = $fname; Paths = $paths }
    }
    $pairs = [ordered]@{}
    foreach ($c in @(Get-WinfsField $Params 'connections')) {
        Assert-WinfsObject $c 'connection'
        Assert-WinfsFields $c @('a', 'b') 'connection'
        $a = Get-WinfsDfsrMemberName $c 'a'
        $b = Get-WinfsDfsrMemberName $c 'b'
        if (-not $members.Contains($a.ToUpperInvariant()) -or -not $members.Contains($b.ToUpperInvariant()) -or $a -eq $b) {
            throw (New-WinfsInvalid ('invalid connection ' + $a + ' - ' + $b + ': two different members'))
        }
        $pairs[(Get-WinfsDfsrPairKey $a $b)] = @{ A = $a; B = $b }
    }
    return @{ Members = $members; Folders = $folders; Pairs = $pairs; Schedule = (Get-WinfsBool $Params 'schedule') }
}

function Invoke-WinfsDfsrGroupSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name', 'members', 'folders', 'connections', 'schedule') 'params'
    $name = Get-WinfsDfsrName $Params 'name'
    $want = Read-WinfsDfsrSettings $Params
    Assert-WinfsDfsrRole
    $created = $false
    if ($null -eq (Get-WinfsDfsrGroup $name)) {
        [void](New-DfsReplicationGroup -GroupName $name -Confirm:$false -ErrorAction Stop)
        $created = $true
    }
    $have = Read-WinfsDfsrGroup $name
    $haveMembers = @{}
    foreach ($m in $have.members) {
        $haveMembers[$m.ToUpperInvariant()] = $m
    }
    foreach ($k in $want.Members.Keys) {
        if (-not $haveMembers.ContainsKey($k)) {
            [void](Add-DfsrMember -GroupName $name -ComputerName $want.Members[$k] -Confirm:$false -ErrorAction Stop)
        }
    }
    $haveFolders = @{}
    foreach ($f in $have.folders) {
        $haveFolders[$f.name.ToUpperInvariant()] = $f.name
    }
    foreach ($k in $want.Folders.Keys) {
        $f = $want.Folders[$k]
        if (-not $haveFolders.ContainsKey($k)) {
            [void](New-DfsReplicatedFolder -GroupName $name -FolderName $f.Name -Confirm:$false -ErrorAction Stop)
        }
        foreach ($p in $f.Paths.Values) {
            # -GroupName, -FolderName and -ComputerName take wildcards: the
            # membership object is piped on instead (names hold none).
            [void](Get-DfsrMembership -GroupName $name -ComputerName $p.Member -ErrorAction Stop |
                Where-Object { [string]$_.FolderName -eq $f.Name } |
                Set-DfsrMembership -ContentPath $p.Path -Force -Confirm:$false -ErrorAction Stop)
        }
    }
    $havePairs = @{}
    foreach ($c in $have.connections) {
        $havePairs[(Get-WinfsDfsrPairKey $c.a $c.b)] = $c
    }
    foreach ($k in $want.Pairs.Keys) {
        if (-not $havePairs.ContainsKey($k)) {
            $c = $want.Pairs[$k]
            [void](Add-DfsrConnection -GroupName $name -SourceComputerName $c.A -DestinationComputerName $c.B -Confirm:$false -ErrorAction Stop)
        }
    }
    $type = 'Never'
    $hours = 0
    if ($want.Schedule) {
        $type = 'Always'
        $hours = 168
    }
    if ($have.hours_replicated -ne $hours) {
        [void](Set-DfsrGroupSchedule -GroupName $name -ScheduleType $type -Confirm:$false -ErrorAction Stop)
    }
    foreach ($k in $havePairs.Keys) {
        if (-not $want.Pairs.Contains($k)) {
            $c = $havePairs[$k]
            [void](Remove-DfsrConnection -GroupName $name -SourceComputerName $c.a -DestinationComputerName $c.b -Force -Confirm:$false -ErrorAction Stop)
            [void](Remove-DfsrConnection -GroupName $name -SourceComputerName $c.b -DestinationComputerName $c.a -Force -Confirm:$false -ErrorAction SilentlyContinue)
        }
    }
    foreach ($k in $haveFolders.Keys) {
        if (-not $want.Folders.Contains($k)) {
            [void](Remove-DfsReplicatedFolder -GroupName $name -FolderName $haveFolders[$k] -Force -Confirm:$false -ErrorAction Stop)
        }
    }
    foreach ($k in $haveMembers.Keys) {
        if (-not $want.Members.Contains($k)) {
            [void](Remove-DfsrMember -GroupName $name -ComputerName $haveMembers[$k] -Force -Confirm:$false -ErrorAction Stop)
        }
    }
    return [ordered]@{ created = $created }
}

function Invoke-WinfsDfsrGroupRemove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name') 'params'
    $name = Get-WinfsDfsrName $Params 'name'
    Assert-WinfsDfsrRole
    if ($null -eq (Get-WinfsDfsrGroup $name)) {
        return [ordered]@{ existed = $false }
    }
    [void](Remove-DfsReplicationGroup -GroupName $name -RemoveReplicatedFolders -Force -Confirm:$false -ErrorAction Stop)
    return [ordered]@{ existed = $true }
}

function Invoke-WinfsDfsrBacklogGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('group', 'folder', 'source', 'destination') 'params'
    $group = Get-WinfsDfsrName $Params 'group'
    $folder = Get-WinfsDfsrName $Params 'folder'
    $source = Get-WinfsDfsrMemberName $Params 'source'
    $destination = Get-WinfsDfsrMemberName $Params 'destination'
    Assert-WinfsDfsrRole
    if ($null -eq (Get-WinfsDfsrGroup $group)) {
        throw (New-WinfsError 'group_not_found' ('no replication group ' + $group))
    }
    # The replicated folder object carries GroupName and FolderName to
    # Get-DfsrBacklog (whose parameters take wildcards). It lists at most 100
    # updates; only zero is exact.
    $rf = @(Get-DfsReplicatedFolder -GroupName $group -FolderName $folder -ErrorAction Stop)
    $files = @($rf | Get-DfsrBacklog -SourceComputerName $source -DestinationComputerName $destination -ErrorAction Stop)
    return [ordered]@{ files = [long]$files.Count; at_least = ($files.Count -ge 100) }
}
