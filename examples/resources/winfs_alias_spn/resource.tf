# The alias's names on the computer account of the server that serves the
# shares; moving server moves them, first off the other account.
resource "winfs_alias_spn" "files" {
  server       = "server2"
  spns         = ["HOST/files", "HOST/files.corp.example.com"]
  release_from = ["SERVER1", "SERVER2"]
}
