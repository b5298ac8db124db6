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
}

variable "winrm_password" {
  type      = string
  sensitive = true
}
