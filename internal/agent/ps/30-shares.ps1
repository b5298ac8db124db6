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

# $WinfsWellKnownAccounts are built-in accounts by English name and SID (the
# table WellKnownAccounts in internal/agent/share.go). Windows localizes
# their names ("Everyone" is "Jeder" on a German server and does not
# resolve there), never their SIDs: the agent maps them to SIDs before asking
# Windows, and reports them by their English name.
$WinfsWellKnownAccounts = @(
    @('Everyone', 'S-1-1-0'),
    @('CREATOR OWNER', 'S-1-3-0'),
    @('NT AUTHORITY\NETWORK', 'S-1-5-2'),
    @('NT AUTHORITY\INTERACTIVE', 'S-1-5-4'),
    @('NT AUTHORITY\Authenticated Users', 'S-1-5-11'),
    @('NT AUTHORITY\SYSTEM', 'S-1-5-18'),
    @('BUILTIN\Administrators', 'S-1-5-32-544'),
    @('BUILTIN\Users', 'S-1-5-32-545'),
    @('BUILTIN\Guests', 'S-1-5-32-546'),
    @('BUILTIN\Backup Operators', 'S-1-5-32-551')
)

# Get-WinfsWellKnownSid maps an English well-known name (with or without its
# domain) or SID string of the table to the SID string; '' when not there.
function Get-WinfsWellKnownSid([string]$Account) {
    foreach ($w in $WinfsWellKnownAccounts) {
        $short = ''
        $i = $w[0].IndexOf('\')
        if ($i -ge 0) {
            $short = $w[0].Substring($i + 1)
        }
        if ($Account -eq $w[0] -or $Account -eq $w[1] -or ($short -ne '' -and $Account -eq $short)) {
            return $w[1]
        }
    }
    return ''
}

# ConvertTo-WinfsWireAccount is how an account is reported: a well-known SID
# by its English name, anything else as Windows names it.
function ConvertTo-WinfsWireAccount([string]$Sid, [string]$Name) {
    foreach ($w in $WinfsWellKnownAccounts) {
        if ($Sid -eq $w[1]) {
            return $w[0]
        }
    }
    return $Name
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
# English well-known names are mapped by the table, as Windows knows them
# only in its display language.
function Resolve-WinfsSid([string]$Account) {
    $known = Get-WinfsWellKnownSid $Account
    if ($known -ne '') {
        return $known
    }
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

# Get-WinfsShares lists the shares sorted by name as the lab and Go sort
# them: ordinal, ignoring case (Sort-Object would use the culture's rules,
# which ignore '-' and put '_' before letters).
function Get-WinfsShares {
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($s in @(Get-SmbShare -ErrorAction Stop)) {
        $list.Add($s)
    }
    $list.Sort([System.Comparison[object]] {
            param($a, $b)
            return [string]::Compare([string]$a.Name, [string]$b.Name, [System.StringComparison]::OrdinalIgnoreCase)
        })
    return , $list
}

# Get-WinfsShareObject finds a share by exact name, case-insensitively. A
# host with clustered file server roles can have one name in several
# scopes (ScopeName): the server's own scope '*' is the one managed here.
function Get-WinfsShareObject([string]$Name) {
    $found = New-Object 'System.Collections.Generic.List[object]'
    foreach ($s in @(Get-SmbShare -ErrorAction Stop)) {
        if ([string]::Equals([string]$s.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            if ([string]$s.ScopeName -eq '*') {
                return $s
            }
            $found.Add($s)
        }
    }
    if ($found.Count -eq 1) {
        return $found[0]
    }
    if ($found.Count -gt 1) {
        $scopes = New-Object 'System.Collections.Generic.List[string]'
        foreach ($s in $found) {
            $scopes.Add([string]$s.ScopeName)
        }
        throw (New-WinfsError 'share_conflict' ('share "' + $Name + '" on ' + [System.Environment]::MachineName + ' exists in the scopes ' + [string]::Join(', ', $scopes.ToArray()) + ' (clustered file server roles): it is not managed here'))
    }
    return $null
}

# Get-WinfsShareAccess lists a share's access entries in wire form, each
# with the SID it compares by.
function Get-WinfsShareAccess($Share) {
    $list = New-Object 'System.Collections.Generic.List[object]'
    foreach ($a in @(Get-SmbShareAccess -InputObject $Share -Confirm:$false -ErrorAction Stop)) {
        $account = [string]$a.AccountName
        $sid = $account
        try {
            $sid = Resolve-WinfsSid $account
        } catch {
            # an orphaned SID or a name that no longer resolves: keep the text
        }
        # Custom (an ACE whose mask is none of the three rights) is reported
        # as such: it never equals a declared right, so share.set rewrites it.
        $right = ([string]$a.AccessRight).ToLowerInvariant()
        $list.Add([ordered]@{ account = $account; right = $right; type = ([string]$a.AccessControlType).ToLowerInvariant(); sid = $sid })
    }
    return , $list
}

function ConvertTo-WinfsShareWire($Share) {
    $access = New-Object 'System.Collections.Generic.List[object]'
    $entries = @()
    if ([bool]$Share.Special) {
        # An administrative share's access list is informational; one that
        # cannot be read must not fail the whole listing.
        try {
            $entries = Get-WinfsShareAccess $Share
        } catch {
            $entries = @()
        }
    } else {
        $entries = Get-WinfsShareAccess $Share
    }
    foreach ($a in $entries) {
        $access.Add([ordered]@{ account = (ConvertTo-WinfsWireAccount $a.sid $a.account); right = $a.right; type = $a.type })
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

# ConvertTo-WinfsShareSddl is the share security descriptor of an access
# list, by SID: deny entries first (canonical order), then allows, with the
# masks Grant-SmbShareAccess and Block-SmbShareAccess write (Full FA,
# Change 0x1301bf, Read 0x1200a9; a deny denies everything). New-SmbShare
# and Set-SmbShare -SecurityDescriptor apply it in one step, so the list is
# exactly the declared one at every moment and no account name is looked up
# (an orphaned SID is removed like any other entry).
function ConvertTo-WinfsShareSddl($Want) {
    $deny = ''
    $allow = ''
    foreach ($w in $Want) {
        if ($w.type -eq 'deny') {
            $deny += '(D;;FA;;;' + $w.sid + ')'
            continue
        }
        $mask = '0x1200a9'
        if ($w.right -eq 'full') { $mask = 'FA' }
        if ($w.right -eq 'change') { $mask = '0x1301bf' }
        $allow += '(A;;' + $mask + ';;;' + $w.sid + ')'
    }
    return 'O:BAG:SYD:' + $deny + $allow
}

function Invoke-WinfsShareList($Params) {
    Assert-WinfsObject $Params 'params'
    Assert-WinfsFields $Params @('scope') 'params'
    $scope = Get-WinfsScope $Params $false
    $shares = New-Object 'System.Collections.Generic.List[object]'
    foreach ($s in (Get-WinfsShares)) {
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
        Remove-SmbShare -InputObject $cur -Force -Confirm:$false -ErrorAction Stop | Out-Null
        $cur = $null
    }
    $mode = 'Unrestricted'
    if ($want.ABE) {
        $mode = 'AccessBased'
    }
    # The access list travels as a security descriptor, in the same call:
    # New-SmbShare's implicit Everyone:Read never exists.
    $sddl = ConvertTo-WinfsShareSddl $want.Access
    if ($null -eq $cur) {
        New-SmbShare -Name $want.Name -Path $want.Path -Description $want.Description -CachingMode $want.Caching `
            -FolderEnumerationMode $mode -ConcurrentUserLimit ([uint32]$want.Limit) -EncryptData $want.Encrypt `
            -SecurityDescriptor $sddl -Confirm:$false -ErrorAction Stop | Out-Null
    } else {
        Set-SmbShare -InputObject $cur -Description $want.Description -CachingMode $want.Caching -FolderEnumerationMode $mode `
            -ConcurrentUserLimit ([uint32]$want.Limit) -EncryptData $want.Encrypt -SecurityDescriptor $sddl `
            -Force -Confirm:$false -ErrorAction Stop | Out-Null
    }
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
    Remove-SmbShare -InputObject $cur -Force -Confirm:$false -ErrorAction Stop | Out-Null
    return [ordered]@{ existed = $true }
}
