# <server whose agent reads it>:<group name>
terraform import winfs_dfsr_replication_group.files server1:Files
