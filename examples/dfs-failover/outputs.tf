output "paths" {
  description = "The namespace paths clients use, by folder."
  value       = { for name, f in winfs_dfs_folder.folders : name => f.path }
}

output "active_targets" {
  description = "The target clients are referred to first, by folder."
  value       = { for name, f in var.folders : name => "\\\\${var.active}\\${f.share}" }
}
