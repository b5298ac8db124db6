# ---------------------------------------------------------------- service
#
# service.get, service.set and service.restart. A service is found by its
# service name, compared exactly: Get-Service -Name takes wildcards, so the
# name is checked against a pattern without them and matched by hand.

function Get-WinfsServiceName($Params) {
    $name = Get-WinfsString $Params 'name'
    if ($name -notmatch '\A[A-Za-z0-9_.-]{1,256}\z') {
        throw (New-WinfsInvalid ('invalid params: service name "' + $name + '" must be 1-256 letters, digits, "_", "." or "-"'))
    }
    return $name
}

function Find-WinfsService([string]$Name) {
    $svc = @(Get-Service -ErrorAction SilentlyContinue | Where-Object { [string]::Equals([string]$_.ServiceName, $Name, [System.StringComparison]::OrdinalIgnoreCase) }) | Select-Object -First 1
    if ($null -eq $svc) {
        throw (New-WinfsError 'service_not_found' ([System.Environment]::MachineName + ' has no service named "' + $Name + '"'))
    }
    return $svc
}

# ConvertTo-WinfsStartType is ServiceController.StartType in wire form.
function ConvertTo-WinfsStartType([string]$StartType) {
    switch -CaseSensitive ($StartType) {
        'Automatic' { return 'automatic' }
        'Manual' { return 'manual' }
        'Disabled' { return 'disabled' }
        'Boot' { return 'boot' }
        'System' { return 'system' }
    }
    throw (New-WinfsError 'internal' ('unknown start type "' + $StartType + '"'))
}

# ConvertTo-WinfsService reports a service. DependentServices comes from
# EnumDependentServices, which lists direct and indirect dependents in the
# order they are to be stopped.
function ConvertTo-WinfsService($Svc) {
    $deps = New-Object 'System.Collections.Generic.List[string]'
    foreach ($d in @($Svc.DependentServices)) {
        $deps.Add([string]$d.ServiceName)
    }
    return [ordered]@{
        name               = [string]$Svc.ServiceName
        display_name       = [string]$Svc.DisplayName
        state              = (ConvertTo-WinfsServiceState ([string]$Svc.Status))
        start_type         = (ConvertTo-WinfsStartType ([string]$Svc.StartType))
        dependent_services = $deps.ToArray()
    }
}

function Invoke-WinfsServiceGet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name') 'params'
    $svc = Find-WinfsService (Get-WinfsServiceName $Params)
    return [ordered]@{ service = (ConvertTo-WinfsService $svc) }
}

function Invoke-WinfsServiceSet($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name', 'state', 'start_type') 'params'
    $name = Get-WinfsServiceName $Params
    $state = Get-WinfsString $Params 'state'
    $startType = Get-WinfsString $Params 'start_type'
    if ($state -ne '' -and $state -cne 'running' -and $state -cne 'stopped') {
        throw (New-WinfsInvalid ('invalid params: state "' + $state + '" must be "running" or "stopped"'))
    }
    $startTypes = @{ 'automatic' = 'Automatic'; 'manual' = 'Manual'; 'disabled' = 'Disabled' }
    if ($startType -ne '' -and -not $startTypes.ContainsKey($startType)) {
        throw (New-WinfsInvalid ('invalid params: start_type "' + $startType + '" must be "automatic", "manual" or "disabled"'))
    }
    $svc = Find-WinfsService $name
    $changed = $false
    if ($startType -ne '' -and (ConvertTo-WinfsStartType ([string]$svc.StartType)) -cne $startType) {
        Set-Service -Name $svc.ServiceName -StartupType $startTypes[$startType] -ErrorAction Stop -Confirm:$false
        $changed = $true
    }
    $now = ConvertTo-WinfsServiceState ([string]$svc.Status)
    if ($state -eq 'stopped' -and $now -ne 'stopped') {
        # -Force: the services that depend on it are stopped first.
        Stop-Service -InputObject $svc -Force -ErrorAction Stop -Confirm:$false
        $changed = $true
    }
    if ($state -eq 'running' -and $now -ne 'running') {
        Start-Service -InputObject $svc -ErrorAction Stop -Confirm:$false
        $changed = $true
    }
    return [ordered]@{ service = (ConvertTo-WinfsService (Find-WinfsService $name)); changed = $changed }
}

# Invoke-WinfsServiceRestart does what Restart-Service -Force leaves out:
# Stop-Service -Force stops the running dependents before the service, and
# they are started again after it, in the reverse of their stop order (the
# order of the manual procedure: Server, then Net Logon, Computer Browser
# and DFS).
function Invoke-WinfsServiceRestart($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('name') 'params'
    $svc = Find-WinfsService (Get-WinfsServiceName $Params)
    $stopped = New-Object 'System.Collections.Generic.List[string]'
    $started = New-Object 'System.Collections.Generic.List[string]'
    $running = New-Object 'System.Collections.Generic.List[object]'
    foreach ($d in @($svc.DependentServices)) {
        if ([string]$d.Status -eq 'Running') {
            $running.Add($d)
        }
    }
    if ([string]$svc.Status -ne 'Stopped') {
        Stop-Service -InputObject $svc -Force -ErrorAction Stop -Confirm:$false
        foreach ($d in $running) {
            $stopped.Add([string]$d.ServiceName)
        }
        $stopped.Add([string]$svc.ServiceName)
    } else {
        $running.Clear()
    }
    Start-Service -InputObject $svc -ErrorAction Stop -Confirm:$false
    $started.Add([string]$svc.ServiceName)
    for ($i = $running.Count - 1; $i -ge 0; $i--) {
        Start-Service -InputObject $running[$i] -ErrorAction Stop -Confirm:$false
        $started.Add([string]$running[$i].ServiceName)
    }
    return [ordered]@{
        stopped = $stopped.ToArray()
        started = $started.ToArray()
        service = (ConvertTo-WinfsService (Find-WinfsService $svc.ServiceName))
    }
}
