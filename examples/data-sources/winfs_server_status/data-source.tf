variable "active" {
  type    = string
  default = "server1"
}

# Checked at every plan and apply: a failed assertion is a warning, so a
# scheduled `terraform plan` in CI reports it without blocking anything.
check "active_serves_files" {
  data "winfs_server_status" "active" {
    server = var.active
    alias  = "files"
    zone   = "corp.example.com"
  }

  assert {
    condition = (
      data.winfs_server_status.active.reachable &&
      data.winfs_server_status.active.server_service_running &&
      data.winfs_server_status.active.serves_alias &&
      alltrue([for v in data.winfs_server_status.active.mounted_volumes : v.online && !v.dirty]) &&
      length(data.winfs_server_status.active.mounted_volumes) == 2 &&
      contains(data.winfs_server_status.active.shares, "Finance Team")
    )
    error_message = "\\\\files is not fully served by ${var.active}: reachable = ${data.winfs_server_status.active.reachable}, alias -> ${coalesce(data.winfs_server_status.active.alias_target, "unknown")}, shares = ${jsonencode(data.winfs_server_status.active.shares)}."
  }
}

# The standby must not hold the data volumes or serve shares (one host per LUN).
# An unreachable standby passes: reachable = false leaves the lists empty.
check "standby_is_idle" {
  data "winfs_server_status" "standby" {
    server = var.active == "server1" ? "server2" : "server1"
  }

  assert {
    condition = (
      length(data.winfs_server_status.standby.mounted_volumes) == 0 &&
      length(data.winfs_server_status.standby.shares) == 0
    )
    error_message = "The standby mounts ${jsonencode([for v in data.winfs_server_status.standby.mounted_volumes : v.mount_point])} and serves ${jsonencode(data.winfs_server_status.standby.shares)}."
  }
}
