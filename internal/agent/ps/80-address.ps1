# ---------------------------------------------------------------- address
#
# address.get, address.add and address.remove: an IPv4 address of the file
# service on one of the host's network interfaces. The adapter is found by
# its name, compared by hand (wildcards are not names); the address cmdlets
# are then given its interface index. New-NetIPAddress without -PolicyStore
# writes the ActiveStore and the PersistentStore, while Remove-NetIPAddress
# and Get-NetIPAddress default to the ActiveStore: both stores are named.

# Get-WinfsAddressRef checks the address of the params and, with
# $WithAlias, the interface alias: @{ Address; Alias }.
function Get-WinfsAddressRef($Params, [bool]$WithAlias) {
    $ref = @{ Address = (Get-WinfsString $Params 'address'); Alias = '' }
    $octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
    if ($ref.Address -notmatch ('\A' + $octet + '(\.' + $octet + '){3}\z')) {
        throw (New-WinfsInvalid ('invalid params: address "' + $ref.Address + '" is not an IPv4 address in dotted decimal, e.g. 192.168.0.50'))
    }
    if ($WithAlias) {
        $ref.Alias = Get-WinfsString $Params 'interface_alias'
        if ($ref.Alias -notmatch '\A[A-Za-z0-9 _().,:#+-]{1,256}\z') {
            throw (New-WinfsInvalid ('invalid params: interface_alias "' + $ref.Alias + '" must be a network adapter name of letters, digits, spaces and _().,:#+-, e.g. Ethernet'))
        }
    }
    return $ref
}

function Find-WinfsAdapter([string]$Alias) {
    return @(Get-NetAdapter -ErrorAction Stop | Where-Object { [string]::Equals([string]$_.Name, $Alias, [System.StringComparison]::OrdinalIgnoreCase) }) | Select-Object -First 1
}

# Get-WinfsAddresses lists the host's IPv4 addresses in one policy store; a
# store without any is an empty list, not an error.
function Get-WinfsAddresses([string]$Store) {
    try {
        return , @(Get-NetIPAddress -AddressFamily IPv4 -PolicyStore $Store -ErrorAction Stop)
    } catch {
        if ($_.CategoryInfo.Category -ne 'ObjectNotFound') {
            throw
        }
        return , @()
    }
}

# Find-WinfsAddress returns the address's entries in each store ($null
# where it is absent).
function Find-WinfsAddress([string]$Address) {
    $found = @{ Active = $null; Persistent = $null }
    foreach ($a in (Get-WinfsAddresses 'ActiveStore')) {
        if ([string]$a.IPAddress -eq $Address) {
            $found.Active = $a
        }
    }
    foreach ($a in (Get-WinfsAddresses 'PersistentStore')) {
        if ([string]$a.IPAddress -eq $Address) {
            $found.Persistent = $a
        }
    }
    return $found
}

# ConvertTo-WinfsAddressState is Get-NetIPAddress's AddressState in wire form.
function ConvertTo-WinfsAddressState([string]$State) {
    if (@('Preferred', 'Tentative', 'Duplicate', 'Deprecated', 'Invalid') -ccontains $State) {
        return $State.ToLowerInvariant()
    }
    throw (New-WinfsError 'internal' ('unknown address state "' + $State + '"'))
}

function ConvertTo-WinfsIPAddress($A, [bool]$Persistent, [string]$State) {
    return [ordered]@{
        address         = [string]$A.IPAddress
        prefix_length   = [long]$A.PrefixLength
        interface_alias = [string]$A.InterfaceAlias
        interface_index = [long]$A.InterfaceIndex
        state           = $State
        skip_as_source  = [bool]$A.SkipAsSource
        persistent      = $Persistent
    }
}

# Get-WinfsAddressReport reports the address wherever it is; an address only
# in the PersistentStore is not in use ("invalid") until the next restart.
function Get-WinfsAddressReport([string]$Address) {
    $found = Find-WinfsAddress $Address
    if ($null -ne $found.Active) {
        return (ConvertTo-WinfsIPAddress $found.Active ($null -ne $found.Persistent) (ConvertTo-WinfsAddressState ([string]$found.Active.AddressState)))
    }
    if ($null -ne $found.Persistent) {
        return (ConvertTo-WinfsIPAddress $found.Persistent $true 'invalid')
    }
    return $null
}

function Get-WinfsIPInterface($Adapter) {
    return Get-NetIPInterface -InterfaceIndex ([uint32]$Adapter.ifIndex) -AddressFamily IPv4 -ErrorAction Stop
}

function ConvertTo-WinfsInterface($Adapter) {
    $index = [long]$Adapter.ifIndex
    $persistent = @{}
    foreach ($a in (Get-WinfsAddresses 'PersistentStore')) {
        $persistent[[string]$a.IPAddress] = $true
    }
    $addrs = New-Object 'System.Collections.Generic.List[object]'
    foreach ($a in (Get-WinfsAddresses 'ActiveStore')) {
        if ([long]$a.InterfaceIndex -eq $index) {
            $addrs.Add((ConvertTo-WinfsIPAddress $a $persistent.ContainsKey([string]$a.IPAddress) (ConvertTo-WinfsAddressState ([string]$a.AddressState))))
        }
    }
    return [ordered]@{
        alias     = [string]$Adapter.Name
        index     = $index
        dhcp      = ([string](Get-WinfsIPInterface $Adapter).Dhcp -eq 'Enabled')
        addresses = $addrs.ToArray()
    }
}

function ConvertTo-WinfsAddressNumber([string]$Address) {
    $b = ([System.Net.IPAddress]::Parse($Address)).GetAddressBytes()
    return ([long]$b[0] * 16777216) + ([long]$b[1] * 65536) + ([long]$b[2] * 256) + [long]$b[3]
}

function ConvertFrom-WinfsAddressNumber([long]$N) {
    return ([string](($N -shr 24) -band 255) + '.' + [string](($N -shr 16) -band 255) + '.' + [string](($N -shr 8) -band 255) + '.' + [string]($N -band 255))
}

# Assert-WinfsInSubnet refuses an address outside the subnets of the
# interface's own addresses (those used as source), or with another prefix
# length: clients on the subnet would not reach it.
function Assert-WinfsInSubnet($Interface, [string]$Address, [long]$Prefix) {
    $n = ConvertTo-WinfsAddressNumber $Address
    $subnets = New-Object 'System.Collections.Generic.List[string]'
    foreach ($own in $Interface.addresses) {
        if ($own.skip_as_source) {
            continue
        }
        $size = [long]1 -shl (32 - [int]$own.prefix_length)
        $o = ConvertTo-WinfsAddressNumber $own.address
        if ($own.prefix_length -eq $Prefix -and ($o - ($o % $size)) -eq ($n - ($n % $size))) {
            return
        }
        $subnets.Add((ConvertFrom-WinfsAddressNumber ($o - ($o % $size))) + '/' + [string]$own.prefix_length)
    }
    if ($subnets.Count -eq 0) {
        throw (New-WinfsError 'address_not_in_subnet' ('interface "' + $Interface.alias + '" has no IPv4 address of its own to take the subnet from'))
    }
    throw (New-WinfsError 'address_not_in_subnet' ($Address + '/' + [string]$Prefix + ' is not in the subnet of interface "' + $Interface.alias +
        '" ([' + [string]::Join(' ', $subnets.ToArray()) + ']): clients on that subnet could not reach it'))
}

# Remove-WinfsAddress takes the address off whichever interface has it, in
# both stores, and says whether it was there.
function Remove-WinfsAddress([string]$Address) {
    $found = Find-WinfsAddress $Address
    if ($null -ne $found.Persistent) {
        [void](Remove-NetIPAddress -IPAddress $Address -InterfaceIndex ([uint32]$found.Persistent.InterfaceIndex) -PolicyStore 'PersistentStore' -Confirm:$false -ErrorAction Stop)
    }
    if ($null -ne $found.Active) {
        [void](Remove-NetIPAddress -IPAddress $Address -InterfaceIndex ([uint32]$found.Active.InterfaceIndex) -PolicyStore 'ActiveStore' -Confirm:$false -ErrorAction Stop)
    }
    return ($null -ne $found.Persistent -or $null -ne $found.Active)
}

# Wait-WinfsAddressSettled waits while duplicate address detection runs:
# the address is Tentative until the interface has sent its DadTransmits
# probes DadRetransmitTime milliseconds apart without an answer.
function Wait-WinfsAddressSettled([string]$Address, $Adapter) {
    $ipif = Get-WinfsIPInterface $Adapter
    $transmits = [long]3
    $interval = [long]1000
    if ($null -ne $ipif.PSObject.Properties['DadTransmits']) {
        $transmits = [long]$ipif.DadTransmits
    }
    if ($null -ne $ipif.PSObject.Properties['DadRetransmitTime']) {
        $interval = [long]$ipif.DadRetransmitTime
    }
    $limit = ($transmits + 1) * $interval + 5000
    $deadline = [System.DateTime]::UtcNow.AddMilliseconds($limit)
    while ($true) {
        $a = (Find-WinfsAddress $Address).Active
        if ($null -eq $a) {
            throw (New-WinfsError 'internal' ($Address + ' vanished from ' + [System.Environment]::MachineName + ' during duplicate address detection'))
        }
        if ([string]$a.AddressState -ne 'Tentative') {
            return $a
        }
        if ([System.DateTime]::UtcNow -gt $deadline) {
            throw (New-WinfsError 'internal' ($Address + ' is still tentative after ' + [string]$limit + ' ms of duplicate address detection'))
        }
        Start-Sleep -Milliseconds 200
    }
}

function Invoke-WinfsAddressGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('address', 'interface_alias') 'params'
    $ref = Get-WinfsAddressRef $Params $true
    $address = $ref.Address
    $adapter = Find-WinfsAdapter $ref.Alias
    $ifc = $null
    if ($null -ne $adapter) {
        $ifc = ConvertTo-WinfsInterface $adapter
    }
    return [ordered]@{ interface = $ifc; address = (Get-WinfsAddressReport $address) }
}

function Invoke-WinfsAddressAdd($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('address', 'prefix_length', 'interface_alias') 'params'
    $prefix = Get-WinfsInteger $Params 'prefix_length'
    if ($prefix -lt 1 -or $prefix -gt 32) {
        throw (New-WinfsInvalid ('invalid params: prefix_length ' + [string]$prefix + ' must be 1 to 32'))
    }
    $ref = Get-WinfsAddressRef $Params $true
    $address = $ref.Address
    $alias = $ref.Alias
    $adapter = Find-WinfsAdapter $alias
    if ($null -eq $adapter) {
        throw (New-WinfsError 'interface_not_found' ([System.Environment]::MachineName + ' has no network adapter named "' + $alias + '"'))
    }
    $ifc = ConvertTo-WinfsInterface $adapter
    if ($ifc.dhcp) {
        throw (New-WinfsError 'interface_dhcp' ('interface "' + $ifc.alias + '" of ' + [System.Environment]::MachineName +
            ' uses DHCP, which adding a static address would turn off'))
    }
    $found = Find-WinfsAddress $address
    $current = $found.Active
    if ($null -eq $current) {
        $current = $found.Persistent
    }
    if ($null -ne $current -and -not [bool]$current.SkipAsSource) {
        throw (New-WinfsError 'address_in_use' ($address + ' is one of ' + [System.Environment]::MachineName + "'s own addresses (on " +
            [string]$current.InterfaceAlias + ', used as source), not a service address'))
    }
    Assert-WinfsInSubnet $ifc $address $prefix
    $a = $found.Active
    if ($null -ne $a -and $null -ne $found.Persistent -and [long]$a.InterfaceIndex -eq $ifc.index -and [long]$a.PrefixLength -eq $prefix -and
        [string]$a.AddressState -ne 'Duplicate') {
        $a = Wait-WinfsAddressSettled $address $adapter
        $state = ConvertTo-WinfsAddressState ([string]$a.AddressState)
        return [ordered]@{ added = $false; address = (ConvertTo-WinfsIPAddress $a $true $state) }
    }
    # On another interface, with another prefix length, in one store only or
    # found a duplicate before: taken off, then added as asked.
    [void](Remove-WinfsAddress $address)
    [void](New-NetIPAddress -IPAddress $address -InterfaceIndex ([uint32]$ifc.index) -AddressFamily IPv4 -PrefixLength ([byte]$prefix) -SkipAsSource $true -Type Unicast -Confirm:$false -ErrorAction Stop)
    $a = Wait-WinfsAddressSettled $address $adapter
    $state = ConvertTo-WinfsAddressState ([string]$a.AddressState)
    if ($state -eq 'duplicate') {
        [void](Remove-WinfsAddress $address)
        throw (New-WinfsError 'address_in_use' ('another host on the link answers for ' + $address + ' (duplicate address detection); it was taken off ' +
            [System.Environment]::MachineName + ' again'))
    }
    return [ordered]@{ added = $true; address = (ConvertTo-WinfsIPAddress $a $true $state) }
}

function Invoke-WinfsAddressRemove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('address') 'params'
    $address = (Get-WinfsAddressRef $Params $false).Address
    $found = Find-WinfsAddress $address
    foreach ($a in @($found.Active, $found.Persistent)) {
        if ($null -ne $a -and -not [bool]$a.SkipAsSource) {
            throw (New-WinfsError 'address_in_use' ($address + ' is one of ' + [System.Environment]::MachineName + "'s own addresses (on " +
                [string]$a.InterfaceAlias + ', used as source), not a service address: it is not removed'))
        }
    }
    return [ordered]@{ existed = (Remove-WinfsAddress $address) }
}
