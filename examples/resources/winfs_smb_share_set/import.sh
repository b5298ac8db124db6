# <server>:<root>[,<root>...]: the server, then the scope roots separated by
# commas (X: and X:\ are the same root). Every share under them is imported.
terraform import winfs_smb_share_set.files 'server1:X:\,Y:\'
