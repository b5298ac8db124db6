# <server>/<service name>
terraform import winfs_service.server server1/LanmanServer
