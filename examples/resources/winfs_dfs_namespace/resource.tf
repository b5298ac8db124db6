# A domain namespace served by both file servers; each shares its root as "files".
resource "winfs_dfs_namespace" "files" {
  server          = "server1"
  path            = "\\\\corp.example.com\\files"
  type            = "domain_v2"
  root_targets    = ["\\\\server1\\files", "\\\\server2\\files"]
  ttl             = 300
  target_failback = true
}
