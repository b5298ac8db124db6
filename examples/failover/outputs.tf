output "active" {
  description = "The server the alias points at."
  value       = winfs_dns_cname.files.target
}

output "volumes" {
  description = "Mount point => this server's volume GUID (they differ per server for the same LUN)."
  value       = { for k, v in winfs_volume_mount.data : v.mount_point => v.volume_guid }
}
