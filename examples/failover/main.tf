# The whole file service as one configuration: two Windows file
# servers on shared SAN storage, the data volumes X: and Y:, the shares under
# them and the \\files alias clients use. One variable says which server is
# active:
#
#   terraform apply -var active=server2    # failover
#   terraform apply -var active=server1    # failback
#
# Every resource of the chain references the one above it, so Terraform runs
# the steps in the safe order by itself: shares removed, volume dismounted
# and its disk taken offline, LUN unmapped from the old server, mapped to the
# new one, disk rescanned, repaired if dirty and mounted, shares created, the
# alias's SPNs moved to the new server's computer account, and the alias
# switched in one DNS update.
#
# With var.service_address (examples/failover-floating-ip), an address of
# the file service moves with it instead, after the SPNs: clients on the
# servers' subnet follow at once, and the alias points at a name holding
# that address and never changes (its one depends_on keeps it after the
# address).

terraform {
  required_version = ">= 1.5"
  required_providers {
    winfs = {
      source = "winfs/winfs"
    }
  }
}

provider "winfs" {
  servers = var.servers
  winrm = {
    username       = var.winrm_username
    password       = var.winrm_password
    auth           = var.winrm_auth
    kerberos       = var.winrm_kerberos
    https          = true
    ca_certificate = var.winrm_ca_certificate_file == null ? null : file(var.winrm_ca_certificate_file)
  }
  # The array over SSH (ONTAP 9 clustershell), its host key pinned.
  san = {
    address   = var.san_address
    transport = var.san_transport
    dialect   = var.san_dialect
    vserver   = var.san_vserver
    host_key  = var.san_host_key
    username  = var.san_username
    password  = var.san_password
  }
  dns = {
    backend = "rfc2136"
    server  = var.dns_server
    tsig = {
      key_name  = var.dns_tsig_key_name
      algorithm = var.dns_tsig_algorithm
      secret    = var.dns_tsig_secret
    }
  }
  # "fenced" only for a crash failover away from a dead server: the LUN
  # unmap on the array is then the fence (see the failover runbook).
  unreachable_delete = var.unreachable_delete
}

locals {
  # The data LUNs on the array and where the active server mounts them.
  volumes = {
    x = { lun = "/vol/vol1/files_x", mount_point = "X:" }
    y = { lun = "/vol/vol1/files_y", mount_point = "Y:" }
  }

  # The shares, by name; `volume` says which of the volumes above holds them.
  shares = {
    "Finance Team" = {
      volume      = "x"
      folder      = "Finance"
      description = "Ledgers and budgets"
      full_access = ["BUILTIN\\Administrators", "CORP\\Finance"]
      read_access = ["CORP\\Auditors"]
    }
    "Projets Été" = {
      volume        = "x"
      folder        = "Projets"
      description   = "Bureau d'études"
      full_access   = ["BUILTIN\\Administrators"]
      change_access = ["CORP\\Design"]
    }
    "Public" = {
      volume        = "y"
      folder        = "Public"
      full_access   = ["BUILTIN\\Administrators"]
      change_access = ["NT AUTHORITY\\Authenticated Users"]
    }
  }
}

# 1. The array presents each data LUN to the active server only.
resource "winfs_san_lun_mapping" "data" {
  for_each = local.volumes

  lun    = each.value.lun
  igroup = var.active
}

# 2. The active server mounts them (rescan, online, scan and spot-fix when dirty).
resource "winfs_volume_mount" "data" {
  for_each = local.volumes

  server      = var.active
  disk_serial = winfs_san_lun_mapping.data[each.key].serial
  mount_point = each.value.mount_point
  repair      = "spotfix" # a dirty volume: online scan, then a seconds-long spot-fix

  timeouts = {
    create = "5m" # how long to rescan for the disk, and then to check it, before giving up
  }
}

# 3. The shares under X:\ and Y:\, on the server that has the volumes.
resource "winfs_smb_share_set" "files" {
  server = var.active
  scope  = [for k in sort(keys(local.volumes)) : "${winfs_volume_mount.data[k].mount_point}\\"]

  shares = {
    for name, s in local.shares : name => {
      path          = "${winfs_volume_mount.data[s.volume].mount_point}\\${s.folder}"
      description   = try(s.description, "")
      full_access   = try(s.full_access, [])
      change_access = try(s.change_access, [])
      read_access   = try(s.read_access, [])
      caching_mode  = "manual"
    }
  }
}

# 4. The alias's service principal names on the computer account of the
# server that serves the shares, before the alias leads there: clients ask
# for a ticket for HOST/files, which only the account holding the name can
# accept. Taken off the other account first: never on two accounts at once.
# (Here the servers' names are their computer names.)
resource "winfs_alias_spn" "files" {
  server       = winfs_smb_share_set.files.server
  spns         = ["HOST/${var.alias}", "HOST/${var.alias}.${trimsuffix(var.zone, ".")}"]
  release_from = [for name in sort(keys(var.servers)) : upper(name)]
}

# 5. With a service address: on the server that serves the shares and holds
# the alias's SPNs, taken off the other server first (never on two).
resource "winfs_service_address" "files" {
  count = var.service_address == null ? 0 : 1

  server          = winfs_alias_spn.files.server
  address         = var.service_address.address
  prefix_length   = var.service_address.prefix_length
  interface_alias = var.service_address.interface_alias
}

# 6. Without a service address the alias follows the server that serves the
# shares: one DNS UPDATE, never a moment without it. TTL 60 s so clients
# follow within a minute. With one, it points at the address's name for good.
resource "winfs_dns_cname" "files" {
  zone   = var.zone
  name   = var.alias
  target = var.service_address == null ? "${winfs_alias_spn.files.server}.${var.zone}" : "${var.service_address.name}.${var.zone}"
  ttl    = 60

  depends_on = [winfs_service_address.files]
}

# Registry hardening on every server, outside the chain: both must accept
# connections to the alias at any time.
locals {
  hardening = {
    strict_name_checking = { path = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters", name = "DisableStrictNameChecking", value = "1" }
    loopback_check       = { path = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa", name = "DisableLoopbackCheck", value = "1" }
    netbt_cache_timeout  = { path = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters", name = "CacheTimeout", value = "0xea60" }
  }
  hardening_instances = {
    for pair in setproduct(keys(var.servers), keys(local.hardening)) :
    "${pair[0]}/${pair[1]}" => merge(local.hardening[pair[1]], { server = pair[0] })
  }
}

resource "winfs_registry_value" "hardening" {
  for_each = local.hardening_instances

  server = each.value.server
  path   = each.value.path
  name   = each.value.name
  type   = "dword"
  value  = each.value.value
}


# The alias as an extra name of the Server service on every server.
resource "winfs_registry_value" "optional_names" {
  for_each = var.servers

  server = each.key
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  name   = "OptionalNames"
  type   = "multi_string"
  values = [var.alias]
}

# The Server service reads DisableStrictNameChecking and OptionalNames only
# when it starts: a change restarts it (with Net Logon, Computer Browser and
# DFS, in order), so the hardening is in effect after one apply. NetBT reads
# CacheTimeout only at boot: winfs_server_status shows it pending a reboot.
# A restart closes every SMB session on that server (see the README).
resource "winfs_service" "server" {
  for_each = var.servers

  server = each.key
  name   = "LanmanServer"
  restart_triggers = {
    strict_name_checking = winfs_registry_value.hardening["${each.key}/strict_name_checking"].value
    optional_names       = join(",", winfs_registry_value.optional_names[each.key].values)
  }
}

# What each server has in effect, read after the restarts (settings,
# settings_in_effect). No output and no check block: a value that changes
# when a server reboots would make `terraform plan -detailed-exitcode` exit
# 2 on an estate without drift.
data "winfs_server_status" "hardening" {
  for_each = var.servers

  server     = each.key
  depends_on = [winfs_service.server]
}
