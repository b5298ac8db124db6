# Copy the primary's shares to the standby, as seed 000's daily script copies
# the LanmanServer\Shares registry values.
data "winfs_smb_shares" "primary" {
  server = "server1"
  scope  = ["X:\\", "Y:\\"]
}

resource "winfs_smb_share_set" "standby" {
  server = "server2"
  scope  = data.winfs_smb_shares.primary.scope
  shares = data.winfs_smb_shares.primary.shares
}
