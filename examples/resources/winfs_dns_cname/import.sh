# The alias's fully qualified name; the zone is found from its SOA (rfc2136)
# or from the zones the Windows DNS server hosts (windows).
terraform import winfs_dns_cname.files files.corp.example.com.
