# <server>:<key path>\\<value name> (two backslashes separate the key from the
# value name; nothing after them imports the key's default value).
terraform import winfs_registry_value.netbt_cache_timeout 'server1:HKLM\SYSTEM\CurrentControlSet\Services\NetBT\Parameters\\CacheTimeout'
