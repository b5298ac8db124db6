# <server whose agent reads it>:<namespace path>
terraform import winfs_dfs_namespace.files 'server1:\\corp.example.com\files'
