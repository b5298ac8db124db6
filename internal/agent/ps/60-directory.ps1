# ---------------------------------------------------------------- directory
#
# The ad.spn.* operations read and move service principal names on computer
# accounts with the ActiveDirectory module (RSAT-AD-PowerShell). Names and
# SPNs are passed to the cmdlets as parameters, never spliced into text or
# into a filter.

# Computer account names as sAMAccountName without the $: NetBIOS rules,
# 1 to 15 letters, digits and '-'.
function Test-WinfsComputerName([string]$Name) {
    return $Name -match '\A[A-Za-z0-9][A-Za-z0-9-]{0,14}\z'
}

# An SPN as setspn takes it: service class/host[:port][/name], no spaces.
function Test-WinfsSpn([string]$Spn) {
    return $Spn -match '\A[A-Za-z0-9_.-]+/[^\s/@]+(/[^\s/@]+)?\z'
}

function Assert-WinfsADModule {
    if (-not (Get-Command -Name 'Get-ADComputer' -ErrorAction SilentlyContinue)) {
        throw (New-WinfsError 'ad_unavailable' ('the ActiveDirectory module (RSAT-AD-PowerShell) is not installed on ' + [System.Environment]::MachineName))
    }
}

function Get-WinfsComputerNames($Params, [string]$Field, $List) {
    Add-WinfsStrings $Params $Field $List
    foreach ($c in $List) {
        if (-not (Test-WinfsComputerName $c)) {
            throw (New-WinfsInvalid ('invalid computer "' + $c + '": a computer account name without the $, e.g. SERVER1'))
        }
    }
}

# Get-WinfsComputerSpns returns the account's SPNs in a list; a missing
# account is computer_not_found.
function Get-WinfsComputerSpns([string]$Computer) {
    try {
        $account = Get-ADComputer -Identity $Computer -Properties 'servicePrincipalName'
    } catch {
        if ($_.CategoryInfo.Category -eq 'ObjectNotFound') {
            throw (New-WinfsError 'computer_not_found' ('no computer account ' + $Computer + ' in the domain'))
        }
        throw
    }
    $spns = New-Object 'System.Collections.Generic.List[string]'
    foreach ($s in @($account.servicePrincipalName)) {
        if ($null -ne $s) {
            $spns.Add([string]$s)
        }
    }
    $spns.Sort([System.StringComparer]::OrdinalIgnoreCase)
    return , $spns
}

function Invoke-WinfsADSpnList($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('computers') 'params'
    $computers = New-Object 'System.Collections.Generic.List[string]'
    Get-WinfsComputerNames $Params 'computers' $computers
    Assert-WinfsADModule
    $accounts = New-Object 'System.Collections.Generic.List[object]'
    foreach ($c in $computers) {
        $spns = Get-WinfsComputerSpns $c
        $accounts.Add([ordered]@{ computer = $c; spns = $spns.ToArray() })
    }
    return [ordered]@{ accounts = $accounts.ToArray() }
}

# Select-WinfsSpns returns the SPNs of $Wanted that $Held has ($Present) or
# lacks, compared case-insensitively as the directory compares them.
function Select-WinfsSpns($Wanted, $Held, [bool]$Present) {
    $out = New-Object 'System.Collections.Generic.List[string]'
    foreach ($w in $Wanted) {
        $has = $false
        foreach ($h in $Held) {
            if ([string]::Equals($w, $h, [System.StringComparison]::OrdinalIgnoreCase)) {
                $has = $true
            }
        }
        if ($has -eq $Present) {
            $out.Add($w)
        }
    }
    return , $out
}

function Invoke-WinfsADSpnMove($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('spns', 'computer', 'release') 'params'
    $spns = New-Object 'System.Collections.Generic.List[string]'
    Add-WinfsStrings $Params 'spns' $spns
    foreach ($s in $spns) {
        if (-not (Test-WinfsSpn $s)) {
            throw (New-WinfsInvalid ('invalid SPN "' + $s + '": service class/host, e.g. HOST/files.corp.example.com'))
        }
    }
    $computer = Get-WinfsString $Params 'computer'
    if ($computer -ne '' -and -not (Test-WinfsComputerName $computer)) {
        throw (New-WinfsInvalid ('invalid computer "' + $computer + '": a computer account name without the $, e.g. SERVER1'))
    }
    $release = New-Object 'System.Collections.Generic.List[string]'
    Get-WinfsComputerNames $Params 'release' $release
    Assert-WinfsADModule
    # Removals first, so that no SPN is ever on two accounts.
    $removed = New-Object 'System.Collections.Generic.List[object]'
    foreach ($r in $release) {
        if ([string]::Equals($r, $computer, [System.StringComparison]::OrdinalIgnoreCase)) {
            continue
        }
        $held = Select-WinfsSpns $spns (Get-WinfsComputerSpns $r) $true
        if ($held.Count -gt 0) {
            Set-ADComputer -Identity $r -ServicePrincipalNames @{ Remove = $held.ToArray() } -Confirm:$false
            $removed.Add([ordered]@{ computer = $r; spns = $held.ToArray() })
        }
    }
    $added = New-Object 'System.Collections.Generic.List[string]'
    if ($computer -ne '') {
        $missing = Select-WinfsSpns $spns (Get-WinfsComputerSpns $computer) $false
        if ($missing.Count -gt 0) {
            try {
                Set-ADComputer -Identity $computer -ServicePrincipalNames @{ Add = $missing.ToArray() } -Confirm:$false
            } catch {
                # 8647 is ERROR_DS_SPN_VALUE_NOT_UNIQUE_IN_FOREST: another
                # account holds one of the names.
                if ($_.Exception.ErrorCode -eq 8647 -or $_.Exception.Message -match 'not unique') {
                    throw (New-WinfsError 'spn_duplicate' ('another account already holds one of ' + [string]::Join(', ', $missing.ToArray()) + ': ' + $_.Exception.Message))
                }
                throw
            }
            $added = $missing
        }
    }
    return [ordered]@{ removed = $removed.ToArray(); added = $added.ToArray() }
}
