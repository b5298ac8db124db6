# What server2 still lacks of server1's changes to Finance.
data "winfs_dfsr_backlog" "finance" {
  server      = "server1"
  group       = "Files"
  folder      = "Finance"
  source      = "server1"
  destination = "server2"
}

check "finance_in_step" {
  assert {
    condition     = data.winfs_dfsr_backlog.finance.files == 0
    error_message = "server2 lacks ${data.winfs_dfsr_backlog.finance.files} change(s) of server1 to Finance."
  }
}
