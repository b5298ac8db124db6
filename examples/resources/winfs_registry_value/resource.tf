# Let the servers answer to the \\files alias (DisableStrictNameChecking, KB281308).
resource "winfs_registry_value" "strict_name_checking" {
  server = "server1"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  name   = "DisableStrictNameChecking"
  type   = "dword"
  value  = "1"
}

# NetBIOS name cache of 60 s instead of 10 min, to match the alias TTL.
# 0xea60 and 60000 are the same value: no diff either way.
resource "winfs_registry_value" "netbt_cache_timeout" {
  server             = "server1"
  path               = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters"
  name               = "CacheTimeout"
  type               = "dword"
  value              = "0xea60"
  restore_on_destroy = true # put 600000 back on destroy
}

# Extra names the Server service answers to.
resource "winfs_registry_value" "optional_names" {
  server = "server1"
  path   = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
  name   = "OptionalNames"
  type   = "multi_string"
  values = ["files"]
}
