# <server whose agent reads it>:<folder path>
terraform import winfs_dfs_folder.finance 'server1:\\corp.example.com\files\Finance'
