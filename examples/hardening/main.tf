# Registry hardening of a Windows file-server pair reached through a DNS
# alias (\\files): the settings of the manual procedure this provider
# replaces, on every server.
#
#   terraform apply                        # harden both servers
#   terraform plan -detailed-exitcode      # exit 2 = someone changed a value by hand

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
    https          = true
    ca_certificate = var.winrm_ca_certificate_file == null ? null : file(var.winrm_ca_certificate_file)
  }
}

locals {
  lanman_server = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  netbt         = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters"

  settings = {
    # Accept connections addressed to the alias instead of the host name (KB281308).
    strict_name_checking = { path = local.lanman_server, name = "DisableStrictNameChecking", type = "dword", value = "1", values = null }
    # Let the server reach \\files when the alias points at itself (KB926642).
    loopback_check = { path = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa", name = "DisableLoopbackCheck", type = "dword", value = "1", values = null }
    # NetBIOS name cache of 60 s (default 600 s), the same as the alias TTL.
    netbt_cache_timeout = { path = local.netbt, name = "CacheTimeout", type = "dword", value = "0xea60", values = null }
    # The alias as an extra name of the Server service.
    optional_names = { path = local.lanman_server, name = "OptionalNames", type = "multi_string", value = null, values = [var.alias] }
  }

  # One instance per (server, setting): "server1/netbt_cache_timeout", ...
  instances = {
    for pair in setproduct(keys(var.servers), keys(local.settings)) :
    "${pair[0]}/${pair[1]}" => merge(local.settings[pair[1]], { server = pair[0] })
  }
}

resource "winfs_registry_value" "hardening" {
  for_each = local.instances

  server             = each.value.server
  path               = each.value.path
  name               = each.value.name
  type               = each.value.type
  value              = each.value.value
  values             = each.value.values
  restore_on_destroy = true
}

# The Server service reads DisableStrictNameChecking and OptionalNames only
# when it starts: a change restarts it with the services that depend on it
# (Net Logon, Computer Browser, DFS stopped first, started after it), so the
# hardening is in effect after one apply. The restart closes every SMB
# session on the server. NetBT reads CacheTimeout only at boot:
# winfs_server_status shows it pending a reboot until then.
resource "winfs_service" "server" {
  for_each = var.servers

  server = each.key
  name   = "LanmanServer"
  restart_triggers = {
    strict_name_checking = winfs_registry_value.hardening["${each.key}/strict_name_checking"].value
    optional_names       = join(",", winfs_registry_value.hardening["${each.key}/optional_names"].values)
  }
}

data "winfs_server_status" "server" {
  for_each = var.servers

  server     = each.key
  depends_on = [winfs_service.server]
}

output "in_effect" {
  description = "Per server and setting: what its service has in effect, or what it waits for (restart, reboot)."
  value = {
    for name, st in data.winfs_server_status.server : name => {
      for setting, s in st.settings : setting => s.pending == "" ? "in effect" : "pending a ${s.pending}"
    }
  }
}

output "hardened" {
  description = "Every hardened value, by server and setting."
  value       = { for k, v in winfs_registry_value.hardening : k => v.id }
}
