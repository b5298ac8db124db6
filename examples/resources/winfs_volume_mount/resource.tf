# The active server sees the LUN (the mapping) and mounts its volume at X:.
# Changing var.active moves both: dismount and offline on the old server,
# unmap, map, then rescan, repair and mount on the new one.
variable "active" {
  type    = string
  default = "server1"
}

resource "winfs_san_lun_mapping" "files_x" {
  lun    = "/vol/vol1/files_x"
  igroup = var.active
}

resource "winfs_volume_mount" "files_x" {
  server      = var.active
  disk_serial = winfs_san_lun_mapping.files_x.serial
  mount_point = "X:"
  repair      = "full" # chkdsk /F /X when the volume is dirty (the default, "spotfix", scans online, then spot-fixes)

  timeouts = {
    create = "5m" # how long to rescan for the disk, and then to check it, before giving up
  }
}

# A second volume at an empty NTFS folder instead of a drive letter.
resource "winfs_san_lun_mapping" "archive" {
  lun    = "/vol/vol1/archive"
  igroup = var.active
}

resource "winfs_volume_mount" "archive" {
  server      = var.active
  disk_serial = winfs_san_lun_mapping.archive.serial
  mount_point = "C:\\Mounts\\Archive"
}
