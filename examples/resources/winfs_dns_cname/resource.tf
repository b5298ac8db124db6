# The alias clients use (\\files), pointing at the active file server. Switching
# var.active changes target in place: one DNS UPDATE replaces the record, so
# the name is never without its alias. A TTL of 60 s lets clients follow a
# failover within a minute.
variable "active" {
  type    = string
  default = "server1"
}

resource "winfs_dns_cname" "files" {
  zone   = "corp.example.com."
  name   = "files"
  target = "${var.active}.corp.example.com."
  ttl    = 60

  # Wait until every authoritative server of the zone answers the new target.
  wait_for_propagation = true
  timeouts = {
    create = "2m"
    update = "2m"
  }
}
