# ---------------------------------------------------------------- DNS

# The DNS operations use the DnsServer module of the DNS Server role. Zone
# and name are passed to the cmdlets as parameters, never spliced into text.

# Test-WinfsDnsLabels checks dotted labels of letters, digits, '-' and '_'
# (the same rule as the lab's host model).
function Test-WinfsDnsLabels([string]$Text) {
    return ($Text -match '\A[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\z') -and ($Text.Length -le 253)
}

function Get-WinfsDnsRef($Params) {
    $zone = Get-WinfsString $Params 'zone'
    $name = Get-WinfsString $Params 'name'
    if (-not (Test-WinfsDnsLabels $zone)) {
        throw (New-WinfsInvalid ('invalid zone "' + $zone + '": dotted labels without a trailing dot, e.g. corp.example.com'))
    }
    if ($name -ne '@' -and -not (Test-WinfsDnsLabels $name)) {
        throw (New-WinfsInvalid ('invalid name "' + $name + '": a name relative to the zone, e.g. files'))
    }
    if (-not (Get-Command -Name 'Get-DnsServerResourceRecord' -ErrorAction SilentlyContinue)) {
        throw (New-WinfsError 'dns_unavailable' ('the DNS Server role (DnsServer module) is not installed on ' + [System.Environment]::MachineName))
    }
    # The DnsServer module also comes with the remote administration tools,
    # without the role: the role is its service, DNS. Without it running the
    # cmdlets fail with an RPC error that reads like a missing zone.
    $service = Get-Service -Name 'DNS' -ErrorAction SilentlyContinue
    if ($null -eq $service) {
        throw (New-WinfsError 'dns_unavailable' ('the DNS Server role is not installed on ' + [System.Environment]::MachineName + ' (no DNS service)'))
    }
    if ([string]$service.Status -ne 'Running') {
        throw (New-WinfsError 'dns_unavailable' ('the DNS Server service (DNS) is ' + ([string]$service.Status).ToLowerInvariant() + ' on ' + [System.Environment]::MachineName))
    }
    try {
        [void](Get-DnsServerZone -Name $zone)
    } catch {
        throw (New-WinfsError 'zone_not_found' ('this DNS server does not host zone ' + $zone + ': ' + $_.Exception.Message))
    }
    return @{ Zone = $zone; Name = $name }
}

# Get-WinfsDnsNode returns the CNAME record (or $null) and the list of other
# record types at the name. A missing name is not an error.
function Get-WinfsDnsNode($Ref) {
    $records = @()
    try {
        # -Node: the records of this name only, not of the names below it.
        $records = @(Get-DnsServerResourceRecord -ZoneName $Ref.Zone -Name $Ref.Name -Node)
    } catch {
        if ($_.CategoryInfo.Category -ne 'ObjectNotFound') {
            throw
        }
    }
    $cname = $null
    $others = New-Object 'System.Collections.Generic.List[string]'
    foreach ($r in $records) {
        # Only this name's records count, whatever the cmdlet returns.
        if ($r.HostName -ne $Ref.Name) {
            continue
        }
        $type = [string]$r.RecordType
        if ($type -ceq 'CNAME') {
            $cname = $r
        } elseif (-not $others.Contains($type)) {
            $others.Add($type)
        }
    }
    $others.Sort([System.StringComparer]::Ordinal)
    return @{ CName = $cname; Others = $others }
}

function Get-WinfsDnsTarget($Params) {
    $target = Get-WinfsString $Params 'target'
    if (-not (Test-WinfsDnsLabels $target.TrimEnd('.')) -or $target.EndsWith('..')) {
        throw (New-WinfsInvalid ('invalid target "' + $target + '": a fully qualified name, e.g. server1.corp.example.com.'))
    }
    if (-not $target.EndsWith('.')) {
        $target = $target + '.'
    }
    return $target
}

# Get-WinfsDnsNameRef checks the params of an operation on a name alone
# (get, delete) and returns the name's reference.
function Get-WinfsDnsNameRef($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('zone', 'name') 'params'
    return Get-WinfsDnsRef $Params
}

function Invoke-WinfsDnsCNameGet($Params) {
    $ref = Get-WinfsDnsNameRef $Params
    $node = Get-WinfsDnsNode $ref
    if ($null -eq $node.CName) {
        return [ordered]@{ exists = $false; other_types = $node.Others }
    }
    return [ordered]@{
        exists      = $true
        target      = [string]$node.CName.RecordData.HostNameAlias
        ttl         = [long]$node.CName.TimeToLive.TotalSeconds
        other_types = $node.Others
    }
}

function Invoke-WinfsDnsCNameSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('zone', 'name', 'target', 'ttl', 'create_only') 'params'
    $ref = Get-WinfsDnsRef $Params
    $target = Get-WinfsDnsTarget $Params
    $ttl = Get-WinfsInteger $Params 'ttl'
    if ($ttl -lt 0 -or $ttl -gt 2147483647) {
        throw (New-WinfsInvalid ('invalid ttl ' + $ttl + ': 0 to 2147483647 seconds'))
    }
    $createOnly = Get-WinfsBool $Params 'create_only'
    $node = Get-WinfsDnsNode $ref
    if ($node.Others.Count -gt 0) {
        throw (New-WinfsError 'dns_conflict' ($ref.Name + '.' + $ref.Zone + ' holds ' + [string]::Join(', ', $node.Others.ToArray()) +
            ' records; a CNAME cannot coexist with other data'))
    }
    $span = [System.TimeSpan]::FromSeconds($ttl)
    $old = $node.CName
    if ($null -eq $old) {
        [void](Add-DnsServerResourceRecordCName -ZoneName $ref.Zone -Name $ref.Name -HostNameAlias $target -TimeToLive $span -Confirm:$false)
        return [ordered]@{ replaced = $false }
    }
    $current = [string]$old.RecordData.HostNameAlias
    if ($createOnly -and -not $current.TrimEnd('.').Equals($target.TrimEnd('.'), [System.StringComparison]::OrdinalIgnoreCase)) {
        throw (New-WinfsError 'record_exists' ($ref.Name + '.' + $ref.Zone + ' is already an alias of ' + $current))
    }
    # One in-place replace of the record: a remove and an add would leave
    # clients without the alias in between.
    $new = $old.Clone()
    $new.RecordData.HostNameAlias = $target
    $new.TimeToLive = $span
    [void](Set-DnsServerResourceRecord -ZoneName $ref.Zone -OldInputObject $old -NewInputObject $new -Confirm:$false)
    return [ordered]@{ replaced = $true }
}

function Invoke-WinfsDnsCNameDelete($Params) {
    $ref = Get-WinfsDnsNameRef $Params
    $node = Get-WinfsDnsNode $ref
    if ($null -eq $node.CName) {
        return [ordered]@{ existed = $false }
    }
    [void](Remove-DnsServerResourceRecord -ZoneName $ref.Zone -InputObject $node.CName -Force -Confirm:$false)
    return [ordered]@{ existed = $true }
}
