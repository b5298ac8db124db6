# The alias as an extra name of the Server service, in effect at once: the
# service reads OptionalNames only when it starts, so a change of the value
# restarts it (Net Logon, Computer Browser and DFS are stopped first and
# started again after it). The restart closes every SMB session on server1.
resource "winfs_registry_value" "optional_names" {
  server = "server1"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  name   = "OptionalNames"
  type   = "multi_string"
  values = ["files"]
}

resource "winfs_service" "server" {
  server = "server1"
  name   = "LanmanServer"
  restart_triggers = {
    optional_names = join(",", winfs_registry_value.optional_names.values)
  }
}

# A service kept stopped and disabled.
resource "winfs_service" "browser" {
  server       = "server1"
  name         = "Browser"
  state        = "stopped"
  startup_type = "disabled"
}
