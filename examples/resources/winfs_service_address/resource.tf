# The file service's address on server2's adapter, taken off every other
# server of the provider first. Its A record (files-svc) is made once by
# hand; the alias files points at that name.
resource "winfs_service_address" "files" {
  server          = "server2"
  address         = "192.168.0.50"
  prefix_length   = 24
  interface_alias = "Ethernet"
}
