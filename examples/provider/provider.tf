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

  # The array, over telnet: the user name and password cross the network in
  # clear text. Keep the management network private.
  san = {
    address  = "filer1.corp.example.com" # port 23 unless given as host:port
    username = "root"                    # or WINFS_SAN_USERNAME
    password = var.san_password          # or WINFS_SAN_PASSWORD
    dialect  = "ontap7"                  # the default
    timeout  = "30s"
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
