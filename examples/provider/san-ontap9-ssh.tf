# A clustered ONTAP 9 array over SSH: the clustershell, in one SVM. The
# array's host key is pinned: get it with `ssh-keyscan -t ed25519
# cluster1.corp.example.com`, and compare its fingerprint with the one the
# cluster shows (`security ssh ...` on the console) before trusting it.
provider "winfs" {
  servers = {
    server1 = { address = "server1.corp.example.com" }
    server2 = { address = "server2.corp.example.com" }
  }

  san = {
    address     = "cluster1.corp.example.com" # port 22 unless given as host:port
    dialect     = "ontap"                     # transport = "ssh" is its default
    vserver     = "svm1"
    username    = "winfs"             # a role limited to lun mapping
    private_key = var.san_private_key # or private_key_file, or WINFS_SAN_PRIVATE_KEY
    host_key    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuTBiuaAvPaC+8BdnI2AOdj3C4UGv9Z82T2IVRBwWWg"
  }
}

variable "san_private_key" {
  type      = string
  sensitive = true
}
