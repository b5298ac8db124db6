# The primary target first among all targets, the backup last: clients use
# the backup only while the primary fails, and come back to it when their
# referral (60 s) expires.
resource "winfs_dfs_folder" "finance" {
  server          = "server1"
  namespace       = winfs_dfs_namespace.files.path
  path            = "${winfs_dfs_namespace.files.path}\\Finance"
  ttl             = 60
  target_failback = true
  targets = {
    "\\\\server1\\Finance" = { priority_class = "global_high" }
    "\\\\server2\\Finance" = { priority_class = "global_low" }
  }
}
