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
        'ad.spn.list' { return (Invoke-WinfsADSpnList $Params) }
        'ad.spn.move' { return (Invoke-WinfsADSpnMove $Params) }
        'share.list' { return (Invoke-WinfsShareList $Params) }
        'share.paths.get' { return (Invoke-WinfsSharePathsGet $Params) }
        'share.set' { return (Invoke-WinfsShareSet $Params) }
        'share.remove' { return (Invoke-WinfsShareRemove $Params) }
        'server.status' { return (Invoke-WinfsServerStatus $Params) }
        'service.get' { return (Invoke-WinfsServiceGet $Params) }
        'service.set' { return (Invoke-WinfsServiceSet $Params) }
        'service.restart' { return (Invoke-WinfsServiceRestart $Params) }
        'dfs.namespace.get' { return (Invoke-WinfsDfsNamespaceGet $Params) }
        'dfs.namespace.set' { return (Invoke-WinfsDfsNamespaceSet $Params) }
        'dfs.namespace.remove' { return (Invoke-WinfsDfsNamespaceRemove $Params) }
        'dfs.folder.get' { return (Invoke-WinfsDfsFolderGet $Params) }
        'dfs.folder.set' { return (Invoke-WinfsDfsFolderSet $Params) }
        'dfs.folder.remove' { return (Invoke-WinfsDfsFolderRemove $Params) }
        'dfsr.group.get' { return (Invoke-WinfsDfsrGroupGet $Params) }
        'dfsr.group.set' { return (Invoke-WinfsDfsrGroupSet $Params) }
        'dfsr.group.remove' { return (Invoke-WinfsDfsrGroupRemove $Params) }
        'dfsr.backlog.get' { return (Invoke-WinfsDfsrBacklogGet $Params) }
        'address.get' { return (Invoke-WinfsAddressGet $Params) }
        'address.add' { return (Invoke-WinfsAddressAdd $Params) }
        'address.remove' { return (Invoke-WinfsAddressRemove $Params) }
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
