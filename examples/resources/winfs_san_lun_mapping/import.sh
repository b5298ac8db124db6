# <lun>:<igroup>: the LUN path (ontap7) or name (generic), a colon, the
# initiator group. The LUN must be mapped to that igroup on the array.
terraform import winfs_san_lun_mapping.files_x '/vol/vol1/files_x:server1'
