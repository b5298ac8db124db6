# The shares of the active server under the failover volumes X:\ and Y:\.
# Changing var.active moves them: removed from the old server, created on
# the new one once its volumes are mounted.
resource "winfs_smb_share_set" "files" {
  server = var.active
  scope  = ["X:\\", "Y:\\"]

  shares = {
    "Finance Team" = {
      path         = "X:\\Finance"
      description  = "Ledgers; closed at month end"
      full_access  = ["CORP\\Finance", "BUILTIN\\Administrators"]
      read_access  = ["CORP\\Auditors"]
      no_access    = ["BUILTIN\\Guests"]
      caching_mode = "none"
    }
    "Public$" = {
      path                     = "Y:\\Public"
      change_access            = ["NT AUTHORITY\\Authenticated Users"]
      access_based_enumeration = true
      concurrent_user_limit    = 50
      encrypt_data             = true
    }
  }
}
