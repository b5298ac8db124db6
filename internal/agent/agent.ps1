# winfs agent (Windows PowerShell 5.1). The loader in internal/agent/script.go
# reads this text from stdin, keeps it in $global:WinfsAgentScript and
# dot-sources it. The agent then reads one JSON request per line from stdin and
# writes exactly one JSON response line per request to stdout, until stdin ends.
# The request and response shapes are defined in internal/agent/contract.go; the
# lab's Go emulation (internal/lab/winhost) must answer exactly as this does.
#
# Rules that keep the wire clean:
# - stdout carries responses only: every call that returns something is [void]ed,
#   and responses are written with [Console]::Out, never to the pipeline;
# - every failure becomes a structured error response, never stderr output;
# - JSON is written by hand (ConvertTo-Json in 5.1 mangles empty and one-element
#   arrays), as pure ASCII with \uXXXX escapes, so the console code page cannot
#   alter it;
# - this file is ASCII only.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$WinfsProtocol = 1
$WinfsInvariant = [System.Globalization.CultureInfo]::InvariantCulture

# ---------------------------------------------------------------- errors

# New-WinfsError makes an exception that carries a contract error code.
function New-WinfsError([string]$Code, [string]$Message) {
    $e = New-Object System.Exception -ArgumentList $Message
    $e.Data['winfs_code'] = $Code
    return $e
}

# Get-WinfsErrorInfo maps an exception (PowerShell wraps .NET ones in
# MethodInvocationException) to a contract error code and message.
function Get-WinfsErrorInfo($Exception) {
    $e = $Exception
    while ($null -ne $e) {
        if ($null -ne $e.Data -and $e.Data.Contains('winfs_code')) {
            return @{ code = [string]$e.Data['winfs_code']; message = [string]$e.Message }
        }
        if ($e -is [System.UnauthorizedAccessException] -or $e -is [System.Security.SecurityException]) {
            return @{ code = 'access_denied'; message = [string]$e.Message }
        }
        $e = $e.InnerException
    }
    return @{ code = 'internal'; message = [string]$Exception.Message }
}

function New-WinfsInvalid([string]$Message) {
    return (New-WinfsError 'invalid_params' $Message)
}

# ---------------------------------------------------------------- JSON out

function ConvertTo-WinfsJsonString([string]$Text) {
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in $Text.ToCharArray()) {
        $c = [int]$ch
        if ($c -eq 0x22) {
            [void]$sb.Append('\"')
        } elseif ($c -eq 0x5c) {
            [void]$sb.Append('\\')
        } elseif ($c -lt 0x20 -or $c -gt 0x7e) {
            [void]$sb.Append('\u')
            [void]$sb.Append($c.ToString('x4', $WinfsInvariant))
        } else {
            [void]$sb.Append($ch)
        }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

# ConvertTo-WinfsJson encodes null, booleans, integers, strings, dictionaries
# (in their key order) and arrays. Arguments are passed as parameters, never
# through the pipeline, so arrays arrive whole even when empty.
function ConvertTo-WinfsJson($Value) {
    if ($null -eq $Value) {
        return 'null'
    }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' }
        return 'false'
    }
    if ($Value -is [string]) {
        return (ConvertTo-WinfsJsonString $Value)
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [uint64]) {
        return $Value.ToString($WinfsInvariant)
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $parts = New-Object 'System.Collections.Generic.List[string]'
        # GetEnumerator, not .Keys: a registry value named "Keys" would
        # shadow the property of a PowerShell dictionary.
        foreach ($entry in $Value.GetEnumerator()) {
            $parts.Add((ConvertTo-WinfsJsonString ([string]$entry.Key)) + ':' + (ConvertTo-WinfsJson $entry.Value))
        }
        return '{' + [string]::Join(',', $parts.ToArray()) + '}'
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $parts = New-Object 'System.Collections.Generic.List[string]'
        foreach ($item in $Value) {
            $parts.Add((ConvertTo-WinfsJson $item))
        }
        return '[' + [string]::Join(',', $parts.ToArray()) + ']'
    }
    throw (New-WinfsError 'internal' ('cannot encode a value of type ' + $Value.GetType().FullName))
}

# ---------------------------------------------------------------- JSON in

# Params are decoded strictly, like the lab does: unknown fields and wrong JSON
# types are invalid_params. Field names match case-insensitively, as in Go.

function Assert-WinfsObject($Value, [string]$What) {
    if ($null -eq $Value) {
        throw (New-WinfsInvalid ('missing ' + $What))
    }
    if (-not ($Value -is [System.Management.Automation.PSCustomObject])) {
        throw (New-WinfsInvalid ($What + ' must be a JSON object'))
    }
}

function Assert-WinfsFields($Object, [string[]]$Allowed, [string]$What) {
    foreach ($p in $Object.PSObject.Properties) {
        if ($Allowed -notcontains $p.Name) {
            throw (New-WinfsInvalid ('invalid ' + $What + ': unknown field "' + $p.Name + '"'))
        }
    }
}

# Get-WinfsField returns a field's value, or $null when it is absent. The
# comma keeps an array value whole: a function's output is otherwise
# unrolled, turning ["a"] into "a" and [] into nothing.
function Get-WinfsField($Object, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) {
        return $null
    }
    return , $p.Value
}

function Get-WinfsString($Object, [string]$Name) {
    $v = Get-WinfsField $Object $Name
    if ($null -eq $v) {
        return ''
    }
    if (-not ($v -is [string])) {
        throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be a string'))
    }
    return [string]$v
}

function Get-WinfsBool($Object, [string]$Name) {
    $v = Get-WinfsField $Object $Name
    if ($null -eq $v) {
        return $false
    }
    if (-not ($v -is [bool])) {
        throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be true or false'))
    }
    return [bool]$v
}

function Get-WinfsInteger($Object, [string]$Name) {
    $v = Get-WinfsField $Object $Name
    if ($null -eq $v) {
        return [long]0
    }
    if (-not ($v -is [int] -or $v -is [long])) {
        throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be an integer'))
    }
    return [long]$v
}

# Add-WinfsStrings appends a JSON string array field to $List (a function
# cannot return an empty or one-element array intact, so it fills a list).
function Add-WinfsStrings($Object, [string]$Name, $List) {
    $v = Get-WinfsField $Object $Name
    if ($null -eq $v) {
        return
    }
    if (-not ($v -is [System.Array])) {
        throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be an array of strings'))
    }
    foreach ($s in $v) {
        if ($null -eq $s) {
            $List.Add('')
        } elseif ($s -is [string]) {
            $List.Add([string]$s)
        } else {
            throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be an array of strings'))
        }
    }
}

# ---------------------------------------------------------------- registry

# Get-WinfsKeyRef validates hive and key: a hive spelled exactly as in the
# contract, and a path without leading, trailing or doubled backslashes.
function Get-WinfsKeyRef($Params) {
    $hiveName = Get-WinfsString $Params 'hive'
    $key = Get-WinfsString $Params 'key'
    $hive = $null
    switch -CaseSensitive ($hiveName) {
        'HKLM' { $hive = [Microsoft.Win32.RegistryHive]::LocalMachine }
        'HKCU' { $hive = [Microsoft.Win32.RegistryHive]::CurrentUser }
        'HKCR' { $hive = [Microsoft.Win32.RegistryHive]::ClassesRoot }
        'HKU' { $hive = [Microsoft.Win32.RegistryHive]::Users }
        'HKCC' { $hive = [Microsoft.Win32.RegistryHive]::CurrentConfig }
    }
    if ($null -eq $hive) {
        throw (New-WinfsInvalid ('unknown hive "' + $hiveName + '" (expected one of HKLM, HKCU, HKCR, HKU, HKCC)'))
    }
    if ($key -ne '') {
        foreach ($segment in $key.Split([char]'\')) {
            if ($segment -eq '') {
                throw (New-WinfsInvalid ('invalid key path "' + $key + '": empty path segment'))
            }
        }
    }
    $path = $hiveName
    if ($key -ne '') {
        $path = $hiveName + '\' + $key
    }
    return @{ Hive = $hive; Key = $key; Path = $path }
}

# Open-WinfsKey opens (or with $Create, creates) the key in the 64-bit view.
# It returns $null when the key does not exist.
function Open-WinfsKey($Ref, [bool]$Writable, [bool]$Create) {
    $root = [Microsoft.Win32.RegistryKey]::OpenBaseKey($Ref.Hive, [Microsoft.Win32.RegistryView]::Registry64)
    if ($Ref.Key -eq '') {
        return $root
    }
    try {
        if ($Create) {
            return $root.CreateSubKey($Ref.Key, [Microsoft.Win32.RegistryKeyPermissionCheck]::ReadWriteSubTree)
        }
        return $root.OpenSubKey($Ref.Key, $Writable)
    } finally {
        $root.Dispose()
    }
}

function Test-WinfsValueName($Key, [string]$Name) {
    foreach ($n in $Key.GetValueNames()) {
        if ([string]::Equals($n, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $true
        }
    }
    return $false
}

function ConvertTo-WinfsHex($Bytes) {
    return ([System.BitConverter]::ToString([byte[]]$Bytes)).Replace('-', '').ToLowerInvariant()
}

# Read-WinfsValue returns a value in its wire form, or $null for a registry
# type the contract has no name for (REG_LINK, REG_RESOURCE_LIST, ...).
function Read-WinfsValue($Key, [string]$Name) {
    $kind = $Key.GetValueKind($Name)
    $raw = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    $v = [ordered]@{}
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::String) {
        $v['type'] = 'REG_SZ'
        $v['data'] = [string]$raw
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::ExpandString) {
        $v['type'] = 'REG_EXPAND_SZ'
        $v['data'] = [string]$raw
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::MultiString) {
        $list = New-Object 'System.Collections.Generic.List[string]'
        if ($null -ne $raw) {
            foreach ($s in [string[]]$raw) {
                $list.Add([string]$s)
            }
        }
        $v['type'] = 'REG_MULTI_SZ'
        $v['strings'] = $list.ToArray()
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord) {
        # .NET returns a DWORD as a signed Int32; the wire wants it unsigned.
        $u = [System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$raw), 0)
        $v['type'] = 'REG_DWORD'
        $v['data'] = $u.ToString($WinfsInvariant)
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::QWord) {
        $u = [System.BitConverter]::ToUInt64([System.BitConverter]::GetBytes([long]$raw), 0)
        $v['type'] = 'REG_QWORD'
        $v['data'] = $u.ToString($WinfsInvariant)
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::Binary) {
        $v['type'] = 'REG_BINARY'
        $v['data'] = ConvertTo-WinfsHex $raw
    } elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::None) {
        $bytes = [byte[]]@()
        if ($null -ne $raw) {
            $bytes = [byte[]]$raw
        }
        $v['type'] = 'REG_NONE'
        $v['data'] = ConvertTo-WinfsHex $bytes
    } else {
        return $null
    }
    return $v
}

# ConvertFrom-WinfsValue validates a wire value; it returns Type (the wire
# name), Kind (the .NET kind) and Data (already in the .NET form SetValue takes).
function ConvertFrom-WinfsValue($Value) {
    Assert-WinfsObject $Value 'value'
    Assert-WinfsFields $Value @('type', 'data', 'strings') 'value'
    $type = Get-WinfsString $Value 'type'
    $data = Get-WinfsString $Value 'data'
    $strings = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Value 'strings' $strings
    if ($type -cne 'REG_MULTI_SZ' -and $strings.Count -gt 0) {
        throw (New-WinfsInvalid ('strings is only valid for REG_MULTI_SZ, not ' + $type))
    }
    $out = @{ Type = $type }
    switch -CaseSensitive ($type) {
        'REG_SZ' {
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::String
            $out.Data = $data
            return $out
        }
        'REG_EXPAND_SZ' {
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::ExpandString
            $out.Data = $data
            return $out
        }
        'REG_MULTI_SZ' {
            if ($data -ne '') {
                throw (New-WinfsInvalid 'REG_MULTI_SZ takes strings, not data')
            }
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::MultiString
            $out.Data = $strings.ToArray()
            return $out
        }
        'REG_DWORD' {
            $n = [uint32]0
            if (-not [uint32]::TryParse($data, [System.Globalization.NumberStyles]::None, $WinfsInvariant, [ref]$n)) {
                throw (New-WinfsInvalid ('REG_DWORD data "' + $data + '" is not an unsigned 32-bit decimal number'))
            }
            # SetValue wants the bits of the DWORD as a signed Int32.
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::DWord
            $out.Data = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$n), 0)
            return $out
        }
        'REG_QWORD' {
            $n = [uint64]0
            if (-not [uint64]::TryParse($data, [System.Globalization.NumberStyles]::None, $WinfsInvariant, [ref]$n)) {
                throw (New-WinfsInvalid ('REG_QWORD data "' + $data + '" is not an unsigned 64-bit decimal number'))
            }
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::QWord
            $out.Data = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes([uint64]$n), 0)
            return $out
        }
    }
    if ($type -ceq 'REG_BINARY' -or $type -ceq 'REG_NONE') {
        # \A and \z: in .NET '$' would also match before a final newline.
        if ($data -notmatch '\A(?:[0-9a-fA-F]{2})*\z') {
            throw (New-WinfsInvalid ($type + ' data "' + $data + '" is not hex (two digits per byte)'))
        }
        $bytes = New-Object byte[] ($data.Length / 2)
        for ($i = 0; $i -lt $bytes.Length; $i++) {
            $bytes[$i] = [System.Convert]::ToByte($data.Substring(2 * $i, 2), 16)
        }
        $out.Kind = [Microsoft.Win32.RegistryValueKind]::Binary
        if ($type -ceq 'REG_NONE') {
            $out.Kind = [Microsoft.Win32.RegistryValueKind]::None
        }
        $out.Data = $bytes
        return $out
    }
    throw (New-WinfsInvalid ('unknown registry value type "' + $type + '"'))
}

# Write-WinfsValue calls SetValue with the data cast to exactly the type the
# kind needs, so no PowerShell wrapper object reaches the registry API.
function Write-WinfsValue($Key, [string]$Name, $In) {
    switch -CaseSensitive ($In.Type) {
        'REG_SZ' { $Key.SetValue($Name, [string]$In.Data, $In.Kind) }
        'REG_EXPAND_SZ' { $Key.SetValue($Name, [string]$In.Data, $In.Kind) }
        'REG_MULTI_SZ' { $Key.SetValue($Name, [string[]]$In.Data, $In.Kind) }
        'REG_DWORD' { $Key.SetValue($Name, [int]$In.Data, $In.Kind) }
        'REG_QWORD' { $Key.SetValue($Name, [long]$In.Data, $In.Kind) }
        'REG_BINARY' { $Key.SetValue($Name, [byte[]]$In.Data, $In.Kind) }
        'REG_NONE' { $Key.SetValue($Name, [byte[]]$In.Data, $In.Kind) }
    }
}

function Invoke-WinfsRegistryGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('hive', 'key', 'name') 'params'
    $ref = Get-WinfsKeyRef $Params
    $name = Get-WinfsString $Params 'name'
    $key = Open-WinfsKey $ref $false $false
    if ($null -eq $key) {
        return [ordered]@{ key_exists = $false; exists = $false }
    }
    try {
        if (-not (Test-WinfsValueName $key $name)) {
            return [ordered]@{ key_exists = $true; exists = $false }
        }
        $value = Read-WinfsValue $key $name
        if ($null -eq $value) {
            throw (New-WinfsError 'internal' ('value "' + $name + '" of ' + $ref.Path + ' has a registry type the agent does not support'))
        }
        return [ordered]@{ key_exists = $true; exists = $true; value = $value }
    } finally {
        $key.Dispose()
    }
}

function Invoke-WinfsRegistrySet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('hive', 'key', 'name', 'value', 'create_key') 'params'
    $ref = Get-WinfsKeyRef $Params
    $name = Get-WinfsString $Params 'name'
    $valueJson = Get-WinfsField $Params 'value'
    if ($null -eq $valueJson) {
        throw (New-WinfsInvalid 'unknown registry value type ""')
    }
    $in = ConvertFrom-WinfsValue $valueJson
    $create = Get-WinfsBool $Params 'create_key'
    $key = Open-WinfsKey $ref $true $create
    if ($null -eq $key) {
        throw (New-WinfsError 'key_not_found' ("registry key '" + $ref.Path + "' does not exist"))
    }
    try {
        # A type change is a delete then a set: RegSetValueEx would keep
        # stale assumptions in tools that cache the old type.
        if ((Test-WinfsValueName $key $name) -and ($key.GetValueKind($name) -ne $in.Kind)) {
            $key.DeleteValue($name)
        }
        Write-WinfsValue $key $name $in
    } finally {
        $key.Dispose()
    }
    return [ordered]@{}
}

function Invoke-WinfsRegistryDelete($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('hive', 'key', 'name') 'params'
    $ref = Get-WinfsKeyRef $Params
    $name = Get-WinfsString $Params 'name'
    $key = Open-WinfsKey $ref $true $false
    if ($null -eq $key) {
        return [ordered]@{ existed = $false }
    }
    try {
        if (-not (Test-WinfsValueName $key $name)) {
            return [ordered]@{ existed = $false }
        }
        $key.DeleteValue($name)
        return [ordered]@{ existed = $true }
    } finally {
        $key.Dispose()
    }
}

function Invoke-WinfsRegistryList($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('hive', 'key') 'params'
    $ref = Get-WinfsKeyRef $Params
    $values = [ordered]@{}
    $key = Open-WinfsKey $ref $false $false
    if ($null -eq $key) {
        return [ordered]@{ key_exists = $false; values = $values }
    }
    try {
        foreach ($n in $key.GetValueNames()) {
            $v = Read-WinfsValue $key $n
            # Types the contract cannot name are left out: this provider
            # never manages them.
            if ($null -ne $v) {
                $values[[string]$n] = $v
            }
        }
    } finally {
        $key.Dispose()
    }
    return [ordered]@{ key_exists = $true; values = $values }
}

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
        $records = @(Get-DnsServerResourceRecord -ZoneName $Ref.Zone -Name $Ref.Name)
    } catch {
        if ($_.CategoryInfo.Category -ne 'ObjectNotFound') {
            throw
        }
    }
    $cname = $null
    $others = New-Object 'System.Collections.Generic.List[string]'
    foreach ($r in $records) {
        # -Name may also return records of names below this one.
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

function Invoke-WinfsDnsCNameGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('zone', 'name') 'params'
    $ref = Get-WinfsDnsRef $Params
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
        [void](Add-DnsServerResourceRecordCName -ZoneName $ref.Zone -Name $ref.Name -HostNameAlias $target -TimeToLive $span)
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
    [void](Set-DnsServerResourceRecord -ZoneName $ref.Zone -OldInputObject $old -NewInputObject $new)
    return [ordered]@{ replaced = $true }
}

function Invoke-WinfsDnsCNameDelete($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('zone', 'name') 'params'
    $ref = Get-WinfsDnsRef $Params
    $node = Get-WinfsDnsNode $ref
    if ($null -eq $node.CName) {
        return [ordered]@{ existed = $false }
    }
    [void](Remove-DnsServerResourceRecord -ZoneName $ref.Zone -InputObject $node.CName -Force)
    return [ordered]@{ existed = $true }
}

# ---------------------------------------------------------------- shares

# Share names, paths, scope roots and accounts are validated as in
# internal/smbshare; they only ever travel as parameter values, never as
# command text. The SMB cmdlets are given share objects (-InputObject), never
# a -Name, because -Name takes wildcard patterns.

$WinfsForbiddenShareChars = '"\/[]:|<>+=;,*?'
$WinfsForbiddenPathChars = '<>:"/|?*'

function Assert-WinfsShareName([string]$Name) {
    if ($Name -eq '') {
        throw (New-WinfsInvalid 'share name is empty')
    }
    if ($Name.Length -gt 80) {
        throw (New-WinfsInvalid ('share name "' + $Name + '" is ' + $Name.Length + ' characters long; Windows allows at most 80'))
    }
    foreach ($ch in $Name.ToCharArray()) {
        if ([int]$ch -lt 0x20 -or $WinfsForbiddenShareChars.IndexOf($ch) -ge 0) {
            throw (New-WinfsInvalid ('share name "' + $Name + '" contains a character Windows forbids in share names'))
        }
    }
    if ($Name -match '\A(?:IPC\$|ADMIN\$|PRINT\$|[A-Za-z]\$)\z') {
        throw (New-WinfsInvalid ('share name "' + $Name + '" is an administrative share name'))
    }
}

function Assert-WinfsSharePath([string]$Path) {
    if ($Path -notmatch '\A[A-Za-z]:\\') {
        throw (New-WinfsInvalid ('path "' + $Path + '" must be a local folder path such as X:\Finance'))
    }
    $rest = $Path.Substring(3)
    if ($rest -eq '') {
        return
    }
    foreach ($segment in $rest.Split([char]'\')) {
        if ($segment -eq '' -or $segment -eq '.' -or $segment -eq '..' -or $segment.EndsWith('.') -or $segment.EndsWith(' ')) {
            throw (New-WinfsInvalid ('path "' + $Path + '" has an invalid folder name "' + $segment + '"'))
        }
        foreach ($ch in $segment.ToCharArray()) {
            if ([int]$ch -lt 0x20 -or $WinfsForbiddenPathChars.IndexOf($ch) -ge 0) {
                throw (New-WinfsInvalid ('path "' + $Path + '" contains a character Windows forbids in folder names'))
            }
        }
    }
}

# Get-WinfsScope returns the scope roots in normal form (X:\ or X:\Data).
function Get-WinfsScope($Params, [bool]$Required) {
    $raw = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Params 'scope' $raw
    if ($Required -and $raw.Count -eq 0) {
        throw (New-WinfsInvalid 'scope must name at least one path root')
    }
    $roots = New-Object 'System.Collections.Generic.List[string]'
    foreach ($r in $raw) {
        $n = $r
        if ($n -match '\A[A-Za-z]:\z') {
            $n = $n + '\'
        }
        if ($n.Length -gt 3 -and $n.EndsWith('\')) {
            $n = $n.Substring(0, $n.Length - 1)
        }
        Assert-WinfsSharePath $n
        $roots.Add($n.Substring(0, 1).ToUpperInvariant() + $n.Substring(1))
    }
    return , $roots
}

function Test-WinfsInScope([string]$Path, $Roots) {
    foreach ($root in $Roots) {
        if ($root.EndsWith('\')) {
            if ($Path.StartsWith($root, [System.StringComparison]::OrdinalIgnoreCase)) {
                return $true
            }
        } elseif ([string]::Equals($Path, $root, [System.StringComparison]::OrdinalIgnoreCase) -or
            $Path.StartsWith($root + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
            return $true
        }
    }
    return $false
}

# Get-WinfsAccountName is the local spelling of a SID string, for the
# cmdlets' -AccountName (names of built-in groups are localized).
function Get-WinfsAccountName([string]$Sid) {
    try {
        $id = New-Object System.Security.Principal.SecurityIdentifier -ArgumentList $Sid
        return $id.Translate([System.Security.Principal.NTAccount]).Value
    } catch {
        return $Sid
    }
}

# Resolve-WinfsSid maps an account (DOMAIN\name, a well-known name or a SID
# string) to its SID string; an account that does not resolve is unknown_account.
function Resolve-WinfsSid([string]$Account) {
    try {
        if ($Account -match '\A[Ss]-1-') {
            return (New-Object System.Security.Principal.SecurityIdentifier -ArgumentList $Account).Value
        }
        $nt = New-Object System.Security.Principal.NTAccount -ArgumentList $Account
        return $nt.Translate([System.Security.Principal.SecurityIdentifier]).Value
    } catch {
        throw (New-WinfsError 'unknown_account' ('account "' + $Account + '" does not resolve to a security ID: ' + $_.Exception.Message))
    }
}

function ConvertTo-WinfsCaching([string]$Mode) {
    switch ([string]$Mode) {
        'None' { return 'none' }
        'Documents' { return 'documents' }
        'Programs' { return 'programs' }
        'BranchCache' { return 'branch_cache' }
    }
    return 'manual'
}

function ConvertFrom-WinfsCaching([string]$Mode) {
    switch -CaseSensitive ($Mode) {
        'none' { return 'None' }
        'manual' { return 'Manual' }
        'documents' { return 'Documents' }
        'programs' { return 'Programs' }
        'branch_cache' { return 'BranchCache' }
    }
    throw (New-WinfsInvalid ('caching mode "' + $Mode + '" is not one of none, manual, documents, programs, branch_cache'))
}

# Get-WinfsShareObject finds a share by exact name, case-insensitively.
function Get-WinfsShareObject([string]$Name) {
    foreach ($s in @(Get-SmbShare -ErrorAction Stop)) {
        if ([string]::Equals([string]$s.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $s
        }
    }
    return $null
}

# Get-WinfsShareAccess lists a share's access entries in wire form, each
# with the SID it compares by.
function Get-WinfsShareAccess($Share) {
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($a in @(Get-SmbShareAccess -InputObject $Share -ErrorAction Stop)) {
        $account = [string]$a.AccountName
        $sid = $account
        try {
            $sid = Resolve-WinfsSid $account
        } catch {
            # an orphaned SID or a name that no longer resolves: keep the text
        }
        $right = ([string]$a.AccessRight).ToLowerInvariant()
        if ($right -eq 'custom') {
            $right = 'read'
        }
        $list.Add([ordered]@{ account = $account; right = $right; type = ([string]$a.AccessControlType).ToLowerInvariant(); sid = $sid })
    }
    return , $list
}

function ConvertTo-WinfsShareWire($Share) {
    $access = New-Object 'System.Collections.Generic.List[object]'
    foreach ($a in (Get-WinfsShareAccess $Share)) {
        $access.Add([ordered]@{ account = $a.account; right = $a.right; type = $a.type })
    }
    $path = [string]$Share.Path
    $available = ([string]$Share.ShareState -eq 'Online')
    if ($available -and $path -match '\A[A-Za-z]:\\') {
        $available = Test-Path -LiteralPath $path.Substring(0, 3)
    }
    return [ordered]@{
        name                     = [string]$Share.Name
        path                     = $path
        description              = [string]$Share.Description
        caching_mode             = (ConvertTo-WinfsCaching ([string]$Share.CachingMode))
        access_based_enumeration = ([string]$Share.FolderEnumerationMode -eq 'AccessBased')
        concurrent_user_limit    = [long]$Share.ConcurrentUserLimit
        encrypt_data             = [bool]$Share.EncryptData
        access                   = $access.ToArray()
        special                  = [bool]$Share.Special
        available                = [bool]$available
    }
}

# Read-WinfsShareParam validates the share of share.set and resolves every
# account before anything is changed.
function Read-WinfsShareParam($Value) {
    Assert-WinfsObject $Value 'share'
    Assert-WinfsFields $Value @('name', 'path', 'description', 'caching_mode', 'access_based_enumeration', 'concurrent_user_limit', 'encrypt_data', 'access') 'share'
    $s = @{
        Name        = Get-WinfsString $Value 'name'
        Path        = Get-WinfsString $Value 'path'
        Description = Get-WinfsString $Value 'description'
        Caching     = ConvertFrom-WinfsCaching (Get-WinfsString $Value 'caching_mode')
        ABE         = Get-WinfsBool $Value 'access_based_enumeration'
        Limit       = Get-WinfsInteger $Value 'concurrent_user_limit'
        Encrypt     = Get-WinfsBool $Value 'encrypt_data'
        Access      = New-Object 'System.Collections.Generic.List[object]'
    }
    Assert-WinfsShareName $s.Name
    Assert-WinfsSharePath $s.Path
    if ($s.Limit -lt 0 -or $s.Limit -gt 4294967295) {
        throw (New-WinfsInvalid 'concurrent_user_limit must be between 0 (unlimited) and 4294967295')
    }
    $entries = Get-WinfsField $Value 'access'
    if ($null -ne $entries) {
        if (-not ($entries -is [System.Array])) {
            throw (New-WinfsInvalid 'invalid params: field "access" must be an array')
        }
        foreach ($e in $entries) {
            Assert-WinfsObject $e 'access entry'
            Assert-WinfsFields $e @('account', 'right', 'type') 'access entry'
            $account = Get-WinfsString $e 'account'
            $right = Get-WinfsString $e 'right'
            $type = Get-WinfsString $e 'type'
            if (@('full', 'change', 'read') -cnotcontains $right -or @('allow', 'deny') -cnotcontains $type) {
                throw (New-WinfsInvalid ('access entry for "' + $account + '": right must be full, change or read and type allow or deny'))
            }
            $sid = Resolve-WinfsSid $account
            $s.Access.Add(@{ account = (Get-WinfsAccountName $sid); right = $right; type = $type; sid = $sid })
        }
    }
    return $s
}

function Get-WinfsAccessKeys($Entries) {
    $keys = New-Object 'System.Collections.Generic.List[string]'
    foreach ($e in $Entries) {
        $keys.Add($e.type + ' ' + $e.right + ' ' + $e.sid.ToUpperInvariant())
    }
    $keys.Sort()
    return [string]::Join('|', $keys.ToArray())
}

function Test-WinfsShareSame($Current, $Want) {
    return ([string]::Equals([string]$Current.Path, $Want.Path, [System.StringComparison]::OrdinalIgnoreCase) -and
        ([string]$Current.Description -ceq $Want.Description) -and
        ([string]$Current.CachingMode -eq $Want.Caching) -and
        (([string]$Current.FolderEnumerationMode -eq 'AccessBased') -eq $Want.ABE) -and
        ([long]$Current.ConcurrentUserLimit -eq $Want.Limit) -and
        ([bool]$Current.EncryptData -eq $Want.Encrypt) -and
        ((Get-WinfsAccessKeys (Get-WinfsShareAccess $Current)) -ceq (Get-WinfsAccessKeys $Want.Access)))
}

# Sync-WinfsShareAccess makes the access list exactly $Want: declared denies
# first, then stray entries go (New-SmbShare's implicit Everyone:Read among
# them), then allows are granted with their right.
function Sync-WinfsShareAccess($Share, $Want) {
    $current = Get-WinfsShareAccess $Share
    foreach ($w in $Want) {
        if ($w.type -ne 'deny') {
            continue
        }
        $present = $false
        foreach ($c in $current) {
            if ($c.type -eq 'deny' -and $c.sid -eq $w.sid) { $present = $true }
        }
        if (-not $present) {
            Block-SmbShareAccess -InputObject $Share -AccountName $w.account -Force -ErrorAction Stop | Out-Null
        }
    }
    foreach ($c in $current) {
        $declared = $false
        foreach ($w in $Want) {
            if ($w.type -eq $c.type -and $w.sid -eq $c.sid) { $declared = $true }
        }
        if ($declared) {
            continue
        }
        if ($c.type -eq 'deny') {
            Unblock-SmbShareAccess -InputObject $Share -AccountName $c.account -Force -ErrorAction Stop | Out-Null
        } else {
            Revoke-SmbShareAccess -InputObject $Share -AccountName $c.account -Force -ErrorAction Stop | Out-Null
        }
    }
    foreach ($w in $Want) {
        if ($w.type -ne 'allow') {
            continue
        }
        $same = $false
        foreach ($c in $current) {
            if ($c.type -eq 'allow' -and $c.sid -eq $w.sid -and $c.right -eq $w.right) { $same = $true }
        }
        if (-not $same) {
            $right = 'Read'
            if ($w.right -eq 'full') { $right = 'Full' }
            if ($w.right -eq 'change') { $right = 'Change' }
            Grant-SmbShareAccess -InputObject $Share -AccountName $w.account -AccessRight $right -Force -ErrorAction Stop | Out-Null
        }
    }
}

function Invoke-WinfsShareList($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('scope') 'params'
    $scope = Get-WinfsScope $Params $false
    $shares = New-Object 'System.Collections.Generic.List[object]'
    $all = @(Get-SmbShare -ErrorAction Stop | Sort-Object -Property Name)
    foreach ($s in $all) {
        if ($scope.Count -gt 0 -and ([bool]$s.Special -or -not (Test-WinfsInScope ([string]$s.Path) $scope))) {
            continue
        }
        $shares.Add((ConvertTo-WinfsShareWire $s))
    }
    return [ordered]@{ shares = $shares.ToArray() }
}

function Invoke-WinfsSharePathsGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('paths') 'params'
    $paths = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Params 'paths' $paths
    $out = New-Object 'System.Collections.Generic.List[object]'
    foreach ($p in $paths) {
        Assert-WinfsSharePath $p
        $mounted = Test-Path -LiteralPath $p.Substring(0, 3)
        $exists = $mounted -and (Test-Path -LiteralPath $p -PathType Container)
        $out.Add([ordered]@{ path = $p; volume_mounted = [bool]$mounted; exists = [bool]$exists })
    }
    return [ordered]@{ paths = $out.ToArray() }
}

function Invoke-WinfsShareSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('share', 'scope') 'params'
    $scope = Get-WinfsScope $Params $true
    $want = Read-WinfsShareParam (Get-WinfsField $Params 'share')
    if (-not (Test-WinfsInScope $want.Path $scope)) {
        throw (New-WinfsInvalid ('path ' + $want.Path + ' of share "' + $want.Name + '" is outside the scope ' + [string]::Join(', ', $scope.ToArray())))
    }
    $computer = [System.Environment]::MachineName
    $cur = Get-WinfsShareObject $want.Name
    if ($null -ne $cur -and ([bool]$cur.Special -or -not (Test-WinfsInScope ([string]$cur.Path) $scope))) {
        throw (New-WinfsError 'share_conflict' ('share "' + [string]$cur.Name + '" on ' + $computer + ' points at ' + [string]$cur.Path + ', outside the scope: it is not managed here'))
    }
    if (-not (Test-Path -LiteralPath $want.Path.Substring(0, 3))) {
        throw (New-WinfsError 'volume_not_mounted' ('cannot share "' + $want.Name + '" on ' + $computer + ': the volume of ' + $want.Path + ' is not mounted'))
    }
    if (-not (Test-Path -LiteralPath $want.Path -PathType Container)) {
        throw (New-WinfsError 'path_not_found' ('cannot share "' + $want.Name + '" on ' + $computer + ': the folder ' + $want.Path + ' does not exist'))
    }
    if ($null -ne $cur -and (Test-WinfsShareSame $cur $want)) {
        return [ordered]@{ action = 'unchanged' }
    }
    $action = 'created'
    if ($null -ne $cur) {
        $action = 'updated'
    }
    if ($null -ne $cur -and -not [string]::Equals([string]$cur.Path, $want.Path, [System.StringComparison]::OrdinalIgnoreCase)) {
        # The path of a share cannot be changed: remove it and create it again.
        Remove-SmbShare -InputObject $cur -Force -ErrorAction Stop | Out-Null
        $cur = $null
    }
    $mode = 'Unrestricted'
    if ($want.ABE) {
        $mode = 'AccessBased'
    }
    if ($null -eq $cur) {
        # Created for administrators only, so that New-SmbShare's implicit
        # Everyone:Read never exists; the declared list replaces it below.
        $cur = New-SmbShare -Name $want.Name -Path $want.Path -Description $want.Description -CachingMode $want.Caching `
            -FolderEnumerationMode $mode -ConcurrentUserLimit ([uint32]$want.Limit) -EncryptData $want.Encrypt `
            -FullAccess (Get-WinfsAccountName 'S-1-5-32-544') -ErrorAction Stop
    } else {
        Set-SmbShare -InputObject $cur -Description $want.Description -CachingMode $want.Caching -FolderEnumerationMode $mode `
            -ConcurrentUserLimit ([uint32]$want.Limit) -EncryptData $want.Encrypt -Force -ErrorAction Stop | Out-Null
    }
    Sync-WinfsShareAccess $cur $want.Access
    return [ordered]@{ action = $action }
}

function Invoke-WinfsShareRemove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name', 'scope') 'params'
    $scope = Get-WinfsScope $Params $true
    $name = Get-WinfsString $Params 'name'
    if ($name -eq '') {
        throw (New-WinfsInvalid 'share name is empty')
    }
    $cur = Get-WinfsShareObject $name
    if ($null -eq $cur) {
        return [ordered]@{ existed = $false }
    }
    if ([bool]$cur.Special -or -not (Test-WinfsInScope ([string]$cur.Path) $scope)) {
        throw (New-WinfsError 'share_conflict' ('share "' + [string]$cur.Name + '" on ' + [System.Environment]::MachineName + ' points at ' + [string]$cur.Path + ', outside the scope: it is not removed'))
    }
    Remove-SmbShare -InputObject $cur -Force -ErrorAction Stop | Out-Null
    return [ordered]@{ existed = $true }
}

# ---------------------------------------------------------------- storage
#
# Disks are found by what the array controls (SerialNumber, UniqueId), never
# by disk number, which changes with every rescan order. Volumes are named by
# their GUID on this host; mount points are "X:" or a folder path, both
# without a trailing backslash on the wire.

function Get-WinfsGuid([string]$Text) {
    return $Text.Trim().Trim('{', '}').ToLowerInvariant()
}

# Get-WinfsOptionalBool returns $null when the field is absent.
function Get-WinfsOptionalBool($Object, [string]$Name) {
    $v = Get-WinfsField $Object $Name
    if ($null -eq $v) {
        return $null
    }
    if (-not ($v -is [bool])) {
        throw (New-WinfsInvalid ('invalid params: field "' + $Name + '" must be true or false'))
    }
    return [bool]$v
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

# Test-WinfsDirty asks NTFS for the volume's dirty bit.
function Test-WinfsDirty([string]$Guid) {
    $out = (& fsutil.exe dirty query ('\\?\Volume{' + $Guid + '}\') 2>&1 | Out-String)
    if ($LASTEXITCODE -ne 0) {
        return $false
    }
    return ($out -match 'is Dirty') -and -not ($out -match 'is NOT Dirty')
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

# Invoke-WinfsDiskSet brings a disk online before changing its read-only
# flag (Set-Disk needs it online for that), and takes it offline last.
function Invoke-WinfsDiskSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('disk', 'offline', 'read_only') 'params'
    $id = Get-WinfsString $Params 'disk'
    $offline = Get-WinfsOptionalBool $Params 'offline'
    $readOnly = Get-WinfsOptionalBool $Params 'read_only'
    $disk = Find-WinfsDisk $id
    $n = $disk.Number
    if ($offline -eq $false -and $disk.IsOffline) {
        Set-Disk -Number $n -IsOffline $false | Out-Null
        $disk = Get-Disk -Number $n
    }
    if ($null -ne $readOnly -and [bool]$disk.IsReadOnly -ne $readOnly) {
        Set-Disk -Number $n -IsReadOnly $readOnly | Out-Null
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
    Add-PartitionAccessPath -DiskNumber $v.Part.DiskNumber -PartitionNumber $v.Part.PartitionNumber -AccessPath ($mp.Text + '\') | Out-Null
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
        $output = (& mountvol.exe $mp.Text /D 2>&1 | Out-String)
        if ($LASTEXITCODE -ne 0) {
            throw (New-WinfsError 'internal' ('mountvol ' + $mp.Text + ' /D failed: ' + $output.Trim()))
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
    Remove-PartitionAccessPath -DiskNumber $part.DiskNumber -PartitionNumber $part.PartitionNumber -AccessPath ($mp.Text + '\') | Out-Null
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
    $output = ('N' | & chkdsk.exe ('\\?\Volume{' + $guid + '}') /F /X 2>&1 | Out-String)
    # chkdsk: 0 no errors, 1 errors fixed, 2 cleanup performed; 3 means the
    # volume could not be checked or not every error was fixed.
    if ($LASTEXITCODE -gt 2) {
        throw (New-WinfsError 'internal' ('chkdsk /F /X failed with exit code ' + $LASTEXITCODE + ': ' + $output.Trim()))
    }
    return [ordered]@{ was_dirty = [bool]$was; output = $output.Trim() }
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
        Close-SmbOpenFile -FileId $f.FileId -Force | Out-Null
    }
    $closed = 0
    foreach ($sid in $sessions.Values) {
        # A session that still holds files elsewhere stays.
        $rest = @(Get-SmbOpenFile -SessionId $sid -ErrorAction SilentlyContinue)
        if ($rest.Count -eq 0) {
            Close-SmbSession -SessionId $sid -Force -ErrorAction SilentlyContinue | Out-Null
            $closed++
        }
    }
    return [ordered]@{ closed_files = [int]$files.Count; closed_sessions = [int]$closed }
}

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
# on the display name alone does not count, as in the lab.
function Get-WinfsServiceStatus([string]$Name) {
    $svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
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
        foreach ($s in @(Get-SmbShare -ErrorAction Stop | Sort-Object -Property Name)) {
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
    }
}

# ---------------------------------------------------------------- hello

function Get-WinfsSha256Hex([string]$Text) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text))
    } finally {
        $sha.Dispose()
    }
    return ConvertTo-WinfsHex $hash
}

# The hash of the script text the loader actually received.
$WinfsScriptText = ''
$loaded = Get-Variable -Name 'WinfsAgentScript' -Scope Global -ErrorAction SilentlyContinue
if ($null -ne $loaded) {
    $WinfsScriptText = [string]$loaded.Value
}
$WinfsScriptSha256 = Get-WinfsSha256Hex $WinfsScriptText

function Invoke-WinfsHello($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('protocol', 'script_sha256') 'params'
    $protocol = Get-WinfsInteger $Params 'protocol'
    $claimed = Get-WinfsString $Params 'script_sha256'
    if ($protocol -ne $WinfsProtocol) {
        throw (New-WinfsError 'protocol_mismatch' ('the client speaks protocol ' + $protocol + ', the agent speaks ' + $WinfsProtocol))
    }
    if ($claimed -cne $WinfsScriptSha256) {
        throw (New-WinfsError 'script_mismatch' ('the client sent a script with sha256 ' + $claimed + ', the agent received ' + $WinfsScriptSha256))
    }
    return [ordered]@{
        protocol           = $WinfsProtocol
        script_sha256      = $WinfsScriptSha256
        computer_name      = [string][System.Environment]::MachineName
        powershell_version = [string]$PSVersionTable.PSVersion.ToString()
    }
}

# ---------------------------------------------------------------- dispatch

function Invoke-WinfsOp([string]$Op, $Params) {
    switch -CaseSensitive ($Op) {
        'hello' { return (Invoke-WinfsHello $Params) }
        'registry.get' { return (Invoke-WinfsRegistryGet $Params) }
        'registry.set' { return (Invoke-WinfsRegistrySet $Params) }
        'registry.delete' { return (Invoke-WinfsRegistryDelete $Params) }
        'registry.list' { return (Invoke-WinfsRegistryList $Params) }
        'storage.rescan' { return (Invoke-WinfsStorageRescan $Params) }
        'disk.list' { return (Invoke-WinfsDiskList $Params) }
        'disk.set' { return (Invoke-WinfsDiskSet $Params) }
        'mountpoint.get' { return (Invoke-WinfsMountPointGet $Params) }
        'volume.mount' { return (Invoke-WinfsVolumeMount $Params) }
        'volume.dismount' { return (Invoke-WinfsVolumeDismount $Params) }
        'volume.flush' { return (Invoke-WinfsVolumeFlush $Params) }
        'volume.repair' { return (Invoke-WinfsVolumeRepair $Params) }
        'volume.close_sessions' { return (Invoke-WinfsVolumeCloseSessions $Params) }
        'dns.cname.get' { return (Invoke-WinfsDnsCNameGet $Params) }
        'dns.cname.set' { return (Invoke-WinfsDnsCNameSet $Params) }
        'dns.cname.delete' { return (Invoke-WinfsDnsCNameDelete $Params) }
        'share.list' { return (Invoke-WinfsShareList $Params) }
        'share.paths.get' { return (Invoke-WinfsSharePathsGet $Params) }
        'share.set' { return (Invoke-WinfsShareSet $Params) }
        'share.remove' { return (Invoke-WinfsShareRemove $Params) }
        'server.status' { return (Invoke-WinfsServerStatus $Params) }
    }
    throw (New-WinfsError 'unknown_op' ('unknown operation "' + $Op + '"'))
}

# Invoke-WinfsLine answers one request line with one response line. A line
# that is not a valid request is answered with id 0, as the lab does.
function Invoke-WinfsLine([string]$Line) {
    $id = '0'
    try {
        $req = $null
        try {
            $req = ConvertFrom-Json -InputObject $Line
        } catch {
            throw (New-WinfsInvalid ('decoding agent request: ' + $_.Exception.Message))
        }
        Assert-WinfsObject $req 'request'
        Assert-WinfsFields $req @('id', 'op', 'params') 'request'
        $op = Get-WinfsString $req 'op'
        if ($op -eq '') {
            throw (New-WinfsInvalid 'decoding agent request: missing op')
        }
        $rawId = Get-WinfsField $req 'id'
        $idText = '0'
        if ($null -ne $rawId) {
            # ConvertFrom-Json gives Int32, Int64 or (beyond Int64) Decimal.
            if (-not ($rawId -is [int] -or $rawId -is [long] -or $rawId -is [decimal])) {
                throw (New-WinfsInvalid 'decoding agent request: id must be an unsigned integer')
            }
            $idText = [System.Convert]::ToString($rawId, $WinfsInvariant)
        }
        if ($idText -notmatch '\A[0-9]+\z') {
            throw (New-WinfsInvalid 'decoding agent request: id must be an unsigned integer')
        }
        $id = $idText
        $result = Invoke-WinfsOp $op (Get-WinfsField $req 'params')
        return '{"id":' + $id + ',"result":' + (ConvertTo-WinfsJson $result) + '}'
    } catch {
        $info = Get-WinfsErrorInfo $_.Exception
        return '{"id":' + $id + ',"error":{"code":' + (ConvertTo-WinfsJsonString $info.code) +
            ',"message":' + (ConvertTo-WinfsJsonString $info.message) + '}}'
    }
}

# ---------------------------------------------------------------- main loop

while ($true) {
    $line = [Console]::In.ReadLine()
    if ($null -eq $line) {
        break
    }
    if ($line.Trim().Length -eq 0) {
        continue
    }
    $response = Invoke-WinfsLine $line
    # Should anything have leaked into a function's output, the response
    # string is still the last item.
    if ($response -is [System.Array]) {
        $response = $response[-1]
    }
    [Console]::Out.WriteLine([string]$response)
    [Console]::Out.Flush()
}
exit 0
