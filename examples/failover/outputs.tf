output "active" {
  description = "The server that serves the files (the alias's target, or the service address's holder)."
  value       = winfs_alias_spn.files.server
}

output "volumes" {
  description = "Mount point => this server's volume GUID (they differ per server for the same LUN)."
  value       = { for k, v in winfs_volume_mount.data : v.mount_point => v.volume_guid }
}
