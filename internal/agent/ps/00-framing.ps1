# winfs agent (Windows PowerShell 5.1). The files of internal/agent/ps are one
# script, joined in the order of ScriptFiles in internal/agent/script.go; this
# file comes first. The loader (same Go file) reads the joined text from stdin,
# keeps it in $global:WinfsAgentScript and dot-sources it. The agent then
# reads one JSON request per line from stdin and writes exactly one JSON
# response line per request to stdout, until stdin ends; requests run
# concurrently (90-main.ps1), so responses may leave out of order.
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
# - every file is ASCII only.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
# With stdout redirected, the console host writes warnings (and host output)
# to stdout, between the responses: keep them off the wire.
$WarningPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'

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
        # Storage, SMB and DNS cmdlets fail with a CimException; E_ACCESSDENIED
        # (0x80070005) is how COM and Win32 errors say the same.
        if (($e.GetType().FullName -eq 'Microsoft.Management.Infrastructure.CimException' -and [string]$e.NativeErrorCode -eq 'AccessDenied') -or
            $e.HResult -eq -2147024891) {
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

# Get-WinfsBool reads an absent field as false.
function Get-WinfsBool($Object, [string]$Name) {
    return [bool](Get-WinfsOptionalBool $Object $Name)
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
