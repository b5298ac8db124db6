# The DFS way to fail over: clients use a namespace path
# (\\corp.example.com\files\Finance) whose folder has a target on each
# server. The active server's target is first among all targets
# (global_high), the other last (global_low); DFS Replication keeps both
# copies in step, and clients go back to the preferred target when their
# referral expires (target_failback, folder TTL 60 s).
#
#   terraform apply -var active=server2    # planned DFS failover
#   terraform apply -var active=server1    # failback
#
# A crash needs no Terraform: clients move to the other target at their
# next open. A planned switch waits until the new active server has every
# change of the old one (the backlog precondition): DFS Replication has no
# distributed locking, so switching early would make clients miss writes.

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
  members = sort(keys(var.servers))
  other   = [for s in local.members : s if s != var.active][0]
}

resource "winfs_dfs_namespace" "files" {
  server          = var.admin_server
  path            = "\\\\${var.domain}\\${var.namespace}"
  type            = "domain_v2"
  root_targets    = [for s in local.members : "\\\\${s}\\${var.namespace}"]
  target_failback = true
}

resource "winfs_dfsr_replication_group" "files" {
  server   = var.admin_server
  name     = var.replication_group
  members  = local.members
  topology = "full_mesh" # changes made on the backup during an outage flow back
  folders = { for name, f in var.folders : name => {
    content_paths = { for s in local.members : s => f.content_path }
  } }
}

# What the new active server still lacks of the other one's changes.
data "winfs_dfsr_backlog" "to_active" {
  for_each    = var.folders
  server      = var.admin_server
  group       = winfs_dfsr_replication_group.files.name
  folder      = each.key
  source      = local.other
  destination = var.active
}

resource "winfs_dfs_folder" "folders" {
  for_each        = var.folders
  server          = var.admin_server
  namespace       = winfs_dfs_namespace.files.path
  path            = "${winfs_dfs_namespace.files.path}\\${each.key}"
  ttl             = 60
  target_failback = true
  targets = {
    "\\\\${var.active}\\${each.value.share}"  = { priority_class = "global_high" }
    "\\\\${local.other}\\${each.value.share}" = { priority_class = "global_low" }
  }

  lifecycle {
    precondition {
      condition     = data.winfs_dfsr_backlog.to_active[each.key].files == 0
      error_message = "DFS Replication has not yet copied every change of ${local.other} to ${var.active} for ${each.key} (backlog ${data.winfs_dfsr_backlog.to_active[each.key].files}); apply again when it is in step."
    }
  }
}
