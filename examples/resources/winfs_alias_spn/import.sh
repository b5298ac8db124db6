# <server>:<spn>,<spn>...: the server whose computer account holds the names.
terraform import winfs_alias_spn.files server1:HOST/files,HOST/files.corp.example.com
