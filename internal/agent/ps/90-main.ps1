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
        'volume.scan' { return (Invoke-WinfsVolumeScan $Params) }
        'volume.spotfix' { return (Invoke-WinfsVolumeSpotFix $Params) }
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

# ---------------------------------------------------------------- concurrency

# $WinfsSerial is agent.Serial of every write (internal/agent/ops.go, which
# a Go test compares with this table): requests of one key run one after
# the other in arrival order, all else runs at once on the runspace pool,
# so that a long repair or rescan, or a call stuck on a LUN, holds up no
# other. 'volume' keys are per volume (the volume_guid parameter). Reads
# are not listed: they take no key.
$WinfsSerial = @{
    'registry.set' = 'host'
    'registry.delete' = 'host'
    'dns.cname.set' = 'host'
    'dns.cname.delete' = 'host'
    'share.set' = 'host'
    'share.remove' = 'host'
    'storage.rescan' = 'storage'
    'disk.set' = 'storage'
    'volume.mount' = 'storage'
    'volume.dismount' = 'storage'
    'volume.flush' = 'volume'
    'volume.repair' = 'volume'
    'volume.scan' = 'volume'
    'volume.spotfix' = 'volume'
    'volume.close_sessions' = 'volume'
    'ad.spn.move' = 'host'
    'service.set' = 'host'
    'service.restart' = 'host'
    'dfs.namespace.set' = 'host'
    'dfs.namespace.remove' = 'host'
    'dfs.folder.set' = 'host'
    'dfs.folder.remove' = 'host'
    'dfsr.group.set' = 'host'
    'dfsr.group.remove' = 'host'
    'address.add' = 'host'
    'address.remove' = 'host'
}

# How many requests run at once; more wait for a free runspace.
$WinfsPoolSize = 8

# Get-WinfsRequestInfo reads what the dispatcher needs from a request line:
# its id (for an answer of last resort) and its serial key ('' for none).
# A line that is not a valid request gets no key: its worker answers it
# with the error, as before.
function Get-WinfsRequestInfo([string]$Line) {
    $info = @{ line = $Line; key = ''; id = '0' }
    try {
        $req = ConvertFrom-Json -InputObject $Line
        if (-not ($req -is [System.Management.Automation.PSCustomObject])) {
            return $info
        }
        $rawId = Get-WinfsField $req 'id'
        if ($rawId -is [int] -or $rawId -is [long] -or $rawId -is [decimal]) {
            $info.id = [System.Convert]::ToString($rawId, $WinfsInvariant)
        }
        $op = Get-WinfsField $req 'op'
        if (-not ($op -is [string]) -or -not $WinfsSerial.ContainsKey($op)) {
            return $info
        }
        $info.key = [string]$WinfsSerial[$op]
        if ($info.key -eq 'volume') {
            $guid = ''
            $p = Get-WinfsField $req 'params'
            if ($p -is [System.Management.Automation.PSCustomObject]) {
                $g = Get-WinfsField $p 'volume_guid'
                if ($g -is [string]) {
                    $guid = $g.ToLowerInvariant()
                }
            }
            $info.key = 'volume:' + $guid
        }
    } catch {
        $info.key = ''
    }
    return $info
}

# A worker runs one request in a runspace of the pool. The first request
# of a runspace loads the agent's functions there ($WinfsWorker keeps the
# main loop from starting); the answer goes back to the main loop through
# the queue, which alone writes stdout, so lines never interleave.
$WinfsWorkerScript = @'
param($Line, $Seq, $Queue)
$text = $null
try {
    if ($null -eq (Get-Command -Name 'Invoke-WinfsLine' -CommandType Function -ErrorAction SilentlyContinue)) {
        . ([ScriptBlock]::Create($global:WinfsAgentScript))
    }
    $text = Invoke-WinfsLine $Line
    if ($text -is [System.Array]) {
        $text = $text[-1]
    }
} finally {
    $Queue.Add(@{ kind = 'done'; seq = $Seq; text = $text })
}
'@

function New-WinfsPool {
    $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
    $iss.ExecutionPolicy = [Microsoft.PowerShell.ExecutionPolicy]::Bypass
    $iss.Variables.Add((New-Object System.Management.Automation.Runspaces.SessionStateVariableEntry -ArgumentList @('WinfsAgentScript', $WinfsScriptText, '')))
    $iss.Variables.Add((New-Object System.Management.Automation.Runspaces.SessionStateVariableEntry -ArgumentList @('WinfsWorker', $true, '')))
    # No host is passed: a worker's host output is discarded, never
    # written between the responses on stdout.
    $pool = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspacePool($iss)
    [void]$pool.SetMaxRunspaces($WinfsPoolSize)
    $pool.Open()
    return $pool
}

# Start-WinfsReader reads stdin in a runspace of its own, one event per
# line and a last one ($null text) at the end of input.
function Start-WinfsReader($Queue) {
    $ps = [PowerShell]::Create()
    [void]$ps.AddScript('param($Queue); while ($true) { $l = [Console]::In.ReadLine(); $Queue.Add(@{ kind = ''line''; text = $l }); if ($null -eq $l) { break } }').AddArgument($Queue)
    [void]$ps.BeginInvoke()
    return $ps
}

# Invoke-WinfsMainLoop dispatches requests as they arrive and writes each
# answer when it is ready: answers may leave out of order (the client
# matches them by id). At the end of input it finishes what it started.
function Invoke-WinfsMainLoop {
    $queue = New-Object 'System.Collections.Concurrent.BlockingCollection[object]'
    $reader = Start-WinfsReader $queue
    $pool = New-WinfsPool
    $busy = @{}
    $waiting = New-Object System.Collections.ArrayList
    $running = @{}
    $seq = 0
    $eof = $false
    while (-not $eof -or $running.Count -gt 0 -or $waiting.Count -gt 0) {
        $ev = $queue.Take()
        if ($ev.kind -eq 'line') {
            if ($null -eq $ev.text) {
                $eof = $true
            } elseif ($ev.text.Trim().Length -gt 0) {
                [void]$waiting.Add((Get-WinfsRequestInfo $ev.text))
            }
        } else {
            $job = $running[$ev.seq]
            $running.Remove($ev.seq)
            $why = 'the agent could not run the request'
            try {
                [void]$job.ps.EndInvoke($job.handle)
            } catch {
                $why = $why + ': ' + $_.Exception.Message
            }
            $job.ps.Dispose()
            $text = [string]$ev.text
            if ($text.Length -eq 0) {
                $text = '{"id":' + $job.id + ',"error":{"code":"internal","message":' + (ConvertTo-WinfsJsonString $why) + '}}'
            }
            [Console]::Out.WriteLine($text)
            [Console]::Out.Flush()
            if ($job.key -ne '') {
                $busy.Remove($job.key)
            }
        }
        $blocked = @{}
        $rest = New-Object System.Collections.ArrayList
        foreach ($r in $waiting) {
            if ($r.key -ne '' -and ($busy.ContainsKey($r.key) -or $blocked.ContainsKey($r.key))) {
                $blocked[$r.key] = $true
                [void]$rest.Add($r)
                continue
            }
            if ($r.key -ne '') {
                $busy[$r.key] = $true
            }
            $seq++
            $ps = [PowerShell]::Create()
            $ps.RunspacePool = $pool
            [void]$ps.AddScript($WinfsWorkerScript).AddArgument($r.line).AddArgument($seq).AddArgument($queue)
            $running[$seq] = @{ ps = $ps; handle = $ps.BeginInvoke(); key = $r.key; id = $r.id }
        }
        $waiting = $rest
    }
    $reader.Dispose()
    $pool.Close()
}

# ---------------------------------------------------------------- main loop

# A worker runspace loads this script for its functions only.
if (Test-Path variable:global:WinfsWorker) {
    return
}
Invoke-WinfsMainLoop
exit 0
