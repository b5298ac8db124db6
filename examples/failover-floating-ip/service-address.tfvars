# examples/failover with a service address: apply it with this file.
#
#   terraform -chdir=examples/failover apply -var-file=../failover-floating-ip/service-address.tfvars -var active=server2
#
# The name files-svc has an A record for the address, made once by an
# administrator; the alias files points at it and never changes.
service_address = {
  address         = "192.168.0.50"
  prefix_length   = 24
  interface_alias = "Ethernet"
  name            = "files-svc"
}
