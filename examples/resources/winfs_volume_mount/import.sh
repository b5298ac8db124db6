# <server>/<mount point>: a drive letter, or a folder mount point.
terraform import winfs_volume_mount.files_x 'server1/X:'
terraform import winfs_volume_mount.archive 'server1/C:\Mounts\Archive'
