# The address: the server that has it is found.
terraform import winfs_service_address.files 192.168.0.50
