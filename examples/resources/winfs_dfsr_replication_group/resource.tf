# Both servers keep D:\Finance in step, each replicating with the other.
resource "winfs_dfsr_replication_group" "files" {
  server  = "server1"
  name    = "Files"
  members = ["server1", "server2"]
  folders = {
    Finance = { content_paths = { server1 = "D:\\Finance", server2 = "D:\\Finance" } }
  }
  topology = "full_mesh"
}
