provider "winfs" {
  # The two file servers, by the names resources use in `server`.
  servers = {
    server1 = { address = "server1.corp.example.com" }
    server2 = { address = "server2.corp.example.com" }
  }

  winrm = {
    # username and password default to WINFS_WINRM_USERNAME / WINFS_WINRM_PASSWORD.
    username       = "CORP\\svc-terraform"
    password       = var.winrm_password
    https          = true # port 5986
    auth           = "ntlm"
    ca_certificate = file("corp-root-ca.pem")
  }

  # Where winfs_dns_cname manages the alias: RFC 2136 updates signed with
  # TSIG to the zone's primary (BIND), or backend = "windows" with
  # windows_server = "server1" for the Windows DNS Server role.
  dns = {
    backend = "rfc2136"
    server  = "ns1.corp.example.com:53"
    tsig = {
      key_name  = "winfs-update"
      algorithm = "hmac-sha256"
      # secret defaults to WINFS_DNS_TSIG_SECRET
    }
  }

  # The array, over telnet (legacy: a Data ONTAP 7-mode filer with nothing
  # else): the user name and password cross the network in clear text. Keep
  # the management network private. Arrays with SSH: see san-ontap9-ssh.tf.
  san = {
    address   = "filer1.corp.example.com" # port 23 unless given as host:port
    transport = "telnet"                  # the default with ontap7
    username  = "root"                    # or WINFS_SAN_USERNAME
    password  = var.san_password          # or WINFS_SAN_PASSWORD
    dialect   = "ontap7"                  # the default
    timeout   = "30s"
  }
}

variable "winrm_password" {
  type      = string
  sensitive = true
}

variable "san_password" {
  type      = string
  sensitive = true
}
