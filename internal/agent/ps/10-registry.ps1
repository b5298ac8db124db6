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
