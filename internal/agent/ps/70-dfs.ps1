# ---------------------------------------------------------------- DFS

# The DFS operations use the DFSN module of the DFS Namespaces role. Paths,
# classes and states travel as parameters, never spliced into text. What
# Get-DfsnRoot and Get-DfsnFolderTarget print back is mapped through the
# tables below, one spelling per value, so nothing compares 'GlobalHigh'
# with 'global-high'.

# Namespace types: contract name, New-DfsnRoot -Type, Get-DfsnRoot's Type.
$script:WinfsDfsTypes = @(
    @{ Name = 'domain_v2'; Cmdlet = 'DomainV2'; ReadBack = 'Domain V2' },
    @{ Name = 'standalone'; Cmdlet = 'Standalone'; ReadBack = 'Standalone' }
)

# Referral priority classes ([MS-DFSNM] DFS_TARGET_PRIORITY_CLASS): contract
# name, -ReferralPriorityClass argument, Get-DfsnFolderTarget's value.
$script:WinfsDfsClasses = @(
    @{ Name = 'site_cost_normal'; Cmdlet = 'SiteCostNormal'; ReadBack = 'sitecost-normal' },
    @{ Name = 'global_high'; Cmdlet = 'GlobalHigh'; ReadBack = 'global-high' },
    @{ Name = 'site_cost_high'; Cmdlet = 'SiteCostHigh'; ReadBack = 'sitecost-high' },
    @{ Name = 'site_cost_low'; Cmdlet = 'SiteCostLow'; ReadBack = 'sitecost-low' },
    @{ Name = 'global_low'; Cmdlet = 'GlobalLow'; ReadBack = 'global-low' }
)

function Find-WinfsDfsEntry($Table, [string]$Key, [string]$Value) {
    foreach ($e in $Table) {
        if ($e[$Key] -eq $Value) {
            return $e
        }
    }
    return $null
}

# Assert-WinfsDfsRole: the DFSN cmdlets need the DFS Namespaces service.
function Assert-WinfsDfsRole {
    if (-not (Get-Command -Name 'Get-DfsnRoot' -ErrorAction SilentlyContinue)) {
        throw (New-WinfsError 'dfs_unavailable' ('the DFS Namespaces role (DFSN module) is not installed on ' + [System.Environment]::MachineName))
    }
    $service = Get-Service -Name 'Dfs' -ErrorAction SilentlyContinue
    if ($null -eq $service -or [string]$service.Status -ne 'Running') {
        throw (New-WinfsError 'dfs_unavailable' ('the DFS Namespace service (Dfs) is not running on ' + [System.Environment]::MachineName))
    }
}

# Test-WinfsUnc: \\host\share[\rest], no empty component, no wildcard.
function Test-WinfsUnc([string]$Text, [int]$MinParts) {
    if (-not $Text.StartsWith('\\')) {
        return $false
    }
    $parts = $Text.Substring(2).Split('\')
    if ($parts.Count -lt $MinParts) {
        return $false
    }
    foreach ($p in $parts) {
        # Wildcard characters too: Get-DfsnFolder's -Path takes wildcards.
        if ($p -eq '' -or $p -match '[*?\[\]"<>|/:]') {
            return $false
        }
    }
    return $true
}

function Get-WinfsDfsPath($Params, [int]$MinParts) {
    $path = Get-WinfsString $Params 'path'
    if (-not (Test-WinfsUnc $path $MinParts)) {
        throw (New-WinfsInvalid ('invalid path "' + $path + '": a UNC path, e.g. \\corp.example.com\files\Finance'))
    }
    return $path
}

# Get-WinfsDfsTargetKey: one target, whatever the spelling of its host
# (short name or FQDN) and the case; the same rule as agent.DFSTargetKey.
function Get-WinfsDfsTargetKey([string]$Unc) {
    $rest = $Unc.Substring(2)
    $i = $rest.IndexOf('\')
    $server = $rest.Substring(0, $i).Split('.')[0]
    return ('\\' + $server + $rest.Substring($i).TrimEnd('\')).ToUpperInvariant()
}

# Get-WinfsDfsRoot returns the root or $null. Get-DfsnRoot of a missing root
# writes an error; any error is read as "missing" and a create that follows
# reports the real one.
function Get-WinfsDfsRoot([string]$Path) {
    try {
        return (Get-DfsnRoot -Path $Path -ErrorAction Stop)
    } catch {
        return $null
    }
}

function ConvertTo-WinfsDfsNamespace($Root) {
    $type = Find-WinfsDfsEntry $script:WinfsDfsTypes 'ReadBack' ([string]$Root.Type)
    $targets = New-Object 'System.Collections.Generic.List[string]'
    foreach ($t in @(Get-DfsnRootTarget -Path $Root.Path -ErrorAction Stop)) {
        $targets.Add([string]$t.TargetPath)
    }
    $flags = @($Root.Flags)
    $typeName = [string]$Root.Type
    if ($null -ne $type) {
        $typeName = $type.Name
    }
    return [ordered]@{
        exists           = $true
        type             = $typeName
        root_targets     = $targets
        ttl              = [long]$Root.TimeToLiveSec
        target_failback  = ($flags -contains 'Target Failback')
        site_costing     = ($flags -contains 'Site Costing')
        insite_referrals = ($flags -contains 'Insite Referrals')
    }
}

function Invoke-WinfsDfsNamespaceGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path') 'params'
    $path = Get-WinfsDfsPath $Params 2
    Assert-WinfsDfsRole
    $root = Get-WinfsDfsRoot $path
    if ($null -eq $root) {
        return [ordered]@{ exists = $false; type = ''; root_targets = @(); ttl = 0; target_failback = $false; site_costing = $false; insite_referrals = $false }
    }
    return (ConvertTo-WinfsDfsNamespace $root)
}

function Get-WinfsDfsTtl($Params) {
    $ttl = Get-WinfsInteger $Params 'ttl'
    if ($ttl -lt 1 -or $ttl -gt 2147483647) {
        throw (New-WinfsInvalid ('invalid ttl ' + $ttl + ': 1 to 2147483647 seconds'))
    }
    return $ttl
}

function Invoke-WinfsDfsNamespaceSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path', 'type', 'root_targets', 'ttl', 'target_failback', 'site_costing', 'insite_referrals') 'params'
    $path = Get-WinfsDfsPath $Params 2
    $type = Find-WinfsDfsEntry $script:WinfsDfsTypes 'Name' (Get-WinfsString $Params 'type')
    if ($null -eq $type) {
        throw (New-WinfsInvalid 'invalid type: domain_v2 or standalone')
    }
    $targets = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Params 'root_targets' $targets
    if ($targets.Count -eq 0) {
        throw (New-WinfsInvalid 'invalid root_targets: at least one \\server\share')
    }
    $keys = @{}
    foreach ($t in $targets) {
        if (-not (Test-WinfsUnc $t 2)) {
            throw (New-WinfsInvalid ('invalid root target "' + $t + '": a UNC path \\server\share'))
        }
        $k = Get-WinfsDfsTargetKey $t
        if ($keys.ContainsKey($k)) {
            throw (New-WinfsError 'dfs_conflict' ('root target ' + $t + ' is listed twice'))
        }
        $keys[$k] = $t
    }
    $ttl = Get-WinfsDfsTtl $Params
    $failback = Get-WinfsBool $Params 'target_failback'
    $siteCosting = Get-WinfsBool $Params 'site_costing'
    $insite = Get-WinfsBool $Params 'insite_referrals'
    Assert-WinfsDfsRole
    $root = Get-WinfsDfsRoot $path
    $created = $false
    if ($null -eq $root) {
        [void](New-DfsnRoot -Path $path -TargetPath $targets[0] -Type $type.Cmdlet -TimeToLiveSec ([uint32]$ttl) -EnableTargetFailback $failback -EnableSiteCosting $siteCosting -EnableInsiteReferrals $insite -Confirm:$false -ErrorAction Stop)
        $created = $true
        $root = Get-DfsnRoot -Path $path -ErrorAction Stop
    } elseif ([string]$root.Type -ne $type.ReadBack) {
        throw (New-WinfsError 'dfs_conflict' ($path + ' is a ' + [string]$root.Type + ' namespace; the type of a namespace cannot change'))
    }
    $have = @{}
    foreach ($t in @(Get-DfsnRootTarget -Path $path -ErrorAction Stop)) {
        $have[(Get-WinfsDfsTargetKey ([string]$t.TargetPath))] = [string]$t.TargetPath
    }
    foreach ($k in $keys.Keys) {
        if (-not $have.ContainsKey($k)) {
            [void](New-DfsnRootTarget -Path $path -TargetPath $keys[$k] -Confirm:$false -ErrorAction Stop)
        }
    }
    [void](Set-DfsnRoot -Path $path -TimeToLiveSec ([uint32]$ttl) -EnableTargetFailback $failback -EnableSiteCosting $siteCosting -EnableInsiteReferrals $insite -Confirm:$false -ErrorAction Stop)
    foreach ($k in $have.Keys) {
        if (-not $keys.ContainsKey($k)) {
            [void](Remove-DfsnRootTarget -Path $path -TargetPath $have[$k] -Confirm:$false -ErrorAction Stop)
        }
    }
    return [ordered]@{ created = $created }
}

function Invoke-WinfsDfsNamespaceRemove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path') 'params'
    $path = Get-WinfsDfsPath $Params 2
    Assert-WinfsDfsRole
    if ($null -eq (Get-WinfsDfsRoot $path)) {
        return [ordered]@{ existed = $false }
    }
    [void](Remove-DfsnRoot -Path $path -Force -Confirm:$false -ErrorAction Stop)
    return [ordered]@{ existed = $true }
}

# Get-WinfsDfsFolderRoot: the folder's namespace must exist (its path minus
# the last component is not enough: a folder may be nested).
function Assert-WinfsDfsFolderRoot([string]$Path) {
    $parts = $Path.Substring(2).Split('\')
    $root = '\\' + $parts[0] + '\' + $parts[1]
    if ($null -eq (Get-WinfsDfsRoot $root)) {
        throw (New-WinfsError 'namespace_not_found' ('namespace ' + $root + ' does not exist'))
    }
}

function Get-WinfsDfsFolderTargets([string]$Path) {
    $out = New-Object 'System.Collections.Generic.List[object]'
    foreach ($t in @(Get-DfsnFolderTarget -Path $Path -ErrorAction Stop)) {
        $class = Find-WinfsDfsEntry $script:WinfsDfsClasses 'ReadBack' ([string]$t.ReferralPriorityClass)
        $className = [string]$t.ReferralPriorityClass
        if ($null -ne $class) {
            $className = $class.Name
        }
        $out.Add([ordered]@{
                path           = [string]$t.TargetPath
                state          = ([string]$t.State).ToLowerInvariant()
                priority_class = $className
                priority_rank  = [long]$t.ReferralPriorityRank
            })
    }
    return , $out
}

# Get-WinfsDfsFolder returns the folder or $null: a folder has at least
# one target, and the folder is read from its first target's NamespacePath
# (bound to -Path by property name). The path holds no wildcard character
# (Test-WinfsUnc), so the match is exact.
function Get-WinfsDfsFolder([string]$Path) {
    try {
        return (Get-DfsnFolderTarget -Path $Path -ErrorAction Stop | Select-Object -First 1 | Get-DfsnFolder -ErrorAction Stop)
    } catch {
        return $null
    }
}

function Invoke-WinfsDfsFolderGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path') 'params'
    $path = Get-WinfsDfsPath $Params 3
    Assert-WinfsDfsRole
    $folder = Get-WinfsDfsFolder $path
    if ($null -eq $folder) {
        return [ordered]@{ exists = $false; ttl = 0; target_failback = $false; targets = @() }
    }
    return [ordered]@{
        exists          = $true
        ttl             = [long]$folder.TimeToLiveSec
        target_failback = (@($folder.Flags) -contains 'Target Failback')
        targets         = (Get-WinfsDfsFolderTargets $path)
    }
}

# Read-WinfsDfsTargets checks the targets of dfs.folder.set and returns them
# keyed by Get-WinfsDfsTargetKey, in the order given.
function Read-WinfsDfsTargets($Params) {
    $list = Get-WinfsField $Params 'targets'
    if ($null -eq $list -or -not ($list -is [System.Array]) -or $list.Count -eq 0) {
        throw (New-WinfsInvalid 'invalid targets: at least one target')
    }
    $out = [ordered]@{}
    foreach ($t in $list) {
        Assert-WinfsObject $t 'target'
        Assert-WinfsFields $t @('path', 'state', 'priority_class', 'priority_rank') 'target'
        $unc = Get-WinfsString $t 'path'
        if (-not (Test-WinfsUnc $unc 2)) {
            throw (New-WinfsInvalid ('invalid target "' + $unc + '": a UNC path \\server\share'))
        }
        $state = Get-WinfsString $t 'state'
        if ($state -cne 'online' -and $state -cne 'offline') {
            throw (New-WinfsInvalid ('invalid state "' + $state + '" of ' + $unc + ': online or offline'))
        }
        $class = Find-WinfsDfsEntry $script:WinfsDfsClasses 'Name' (Get-WinfsString $t 'priority_class')
        if ($null -eq $class) {
            throw (New-WinfsInvalid ('invalid priority_class of ' + $unc + ': site_cost_normal, global_high, site_cost_high, site_cost_low or global_low'))
        }
        $rank = Get-WinfsInteger $t 'priority_rank'
        if ($rank -lt 0 -or $rank -gt 31) {
            throw (New-WinfsInvalid ('invalid priority_rank ' + $rank + ' of ' + $unc + ': 0 to 31'))
        }
        $k = Get-WinfsDfsTargetKey $unc
        if ($out.Contains($k)) {
            throw (New-WinfsError 'dfs_conflict' ('target ' + $unc + ' is listed twice (names differ only in case or domain suffix)'))
        }
        # The state the cmdlets take is Online or Offline.
        $cmdletState = 'Online'
        if ($state -ceq 'offline') {
            $cmdletState = 'Offline'
        }
        $out[$k] = @{ Path = $unc; State = $cmdletState; Class = $class.Cmdlet; Rank = [uint32]$rank }
    }
    return $out
}

function Invoke-WinfsDfsFolderSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path', 'ttl', 'target_failback', 'targets') 'params'
    $path = Get-WinfsDfsPath $Params 3
    $ttl = Get-WinfsDfsTtl $Params
    $failback = Get-WinfsBool $Params 'target_failback'
    $want = Read-WinfsDfsTargets $Params
    Assert-WinfsDfsRole
    Assert-WinfsDfsFolderRoot $path
    $created = $false
    $have = @{}
    if ($null -eq (Get-WinfsDfsFolder $path)) {
        $first = $want[0]
        [void](New-DfsnFolder -Path $path -TargetPath $first.Path -TargetState $first.State -ReferralPriorityClass $first.Class -ReferralPriorityRank $first.Rank -TimeToLiveSec ([uint32]$ttl) -EnableTargetFailback $failback -Confirm:$false -ErrorAction Stop)
        $created = $true
    }
    foreach ($t in @(Get-DfsnFolderTarget -Path $path -ErrorAction Stop)) {
        $have[(Get-WinfsDfsTargetKey ([string]$t.TargetPath))] = $t
    }
    # Added first, then set, then removed: the folder never lacks a target.
    foreach ($k in $want.Keys) {
        $w = $want[$k]
        if (-not $have.ContainsKey($k)) {
            [void](New-DfsnFolderTarget -Path $path -TargetPath $w.Path -State $w.State -ReferralPriorityClass $w.Class -ReferralPriorityRank $w.Rank -Confirm:$false -ErrorAction Stop)
            continue
        }
        # Rank is always passed, 0 included: 0 is a rank, not "unset".
        $cur = $have[$k]
        [void](Set-DfsnFolderTarget -Path $path -TargetPath ([string]$cur.TargetPath) -State $w.State -ReferralPriorityClass $w.Class -ReferralPriorityRank $w.Rank -Confirm:$false -ErrorAction Stop)
    }
    [void](Set-DfsnFolder -Path $path -TimeToLiveSec ([uint32]$ttl) -EnableTargetFailback $failback -Confirm:$false -ErrorAction Stop)
    foreach ($k in $have.Keys) {
        if (-not $want.Contains($k)) {
            [void](Remove-DfsnFolderTarget -Path $path -TargetPath ([string]$have[$k].TargetPath) -Force -Confirm:$false -ErrorAction Stop)
        }
    }
    return [ordered]@{ created = $created }
}

function Invoke-WinfsDfsFolderRemove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('path') 'params'
    $path = Get-WinfsDfsPath $Params 3
    Assert-WinfsDfsRole
    if ($null -eq (Get-WinfsDfsFolder $path)) {
        return [ordered]@{ existed = $false }
    }
    [void](Remove-DfsnFolder -Path $path -Force -Confirm:$false -ErrorAction Stop)
    return [ordered]@{ existed = $true }
}
