variable "active" {
  description = "The server that should see the data LUNs: server1 or server2."
  type        = string
  default     = "server1"
}

# The LUN behind X: is presented to the active server only. Changing
# var.active replaces the mapping: Terraform unmaps the LUN from the old
# server first and maps it to the new one second, never both at once.
resource "winfs_san_lun_mapping" "files_x" {
  lun    = "/vol/vol1/files_x"
  igroup = var.active
}

# A fixed LUN ID, and takeover: if the LUN is found mapped to another igroup
# (the old server died before its mapping could be removed), unmap it there
# first instead of refusing. Only when that server no longer uses the disk.
resource "winfs_san_lun_mapping" "files_y" {
  lun      = "/vol/vol1/files_y"
  igroup   = var.active
  lun_id   = 1
  takeover = true
}

# The serial number is how the volume resource finds the disk on the host.
output "files_x_disk_serial" {
  value = winfs_san_lun_mapping.files_x.serial
}
