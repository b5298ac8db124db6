# Copy the primary's shares to the standby, as a daily script copying the
# LanmanServer\Shares registry values would.
data "winfs_smb_shares" "primary" {
  server = "server1"
  scope  = ["X:\\", "Y:\\"]
}

resource "winfs_smb_share_set" "standby" {
  server = "server2"
  scope  = data.winfs_smb_shares.primary.scope
  shares = data.winfs_smb_shares.primary.shares
}
