variable "active" {
  description = "The server that serves the files: it sees the LUNs, mounts the volumes, has the shares and the alias."
  type        = string
  default     = "server1"
  validation {
    condition     = contains(["server1", "server2"], var.active)
    error_message = "The active server must be one of the file servers: server1 or server2."
  }
}

variable "servers" {
  description = "The file servers: name => WinRM address (and port when not 5986; with Kerberos, the spn when not HTTP/<address>). The names are the array's igroup names."
  type = map(object({
    address = string
    port    = optional(number)
    spn     = optional(string)
  }))
}

variable "zone" {
  description = "The DNS zone of the alias, with the trailing dot."
  type        = string
  default     = "corp.example.com."
}

variable "alias" {
  description = "The alias clients use (\\\\files), relative to the zone."
  type        = string
  default     = "files"
}

variable "service_address" {
  description = "An IPv4 address of the file service that moves with it (examples/failover-floating-ip), on the servers' adapter interface_alias, and the name (relative to the zone) whose A record an administrator made for it once. null: the alias follows the active server."
  type = object({
    address         = string
    prefix_length   = number
    interface_alias = optional(string, "Ethernet")
    name            = string
  })
  default = null
}

variable "unreachable_delete" {
  description = "fail (default), or fenced for a crash failover away from a dead server."
  type        = string
  default     = "fail"
}

variable "winrm_username" {
  type = string
}

variable "winrm_password" {
  type      = string
  sensitive = true
}

variable "winrm_auth" {
  description = "ntlm (default) or kerberos (then set winrm_kerberos)."
  type        = string
  default     = "ntlm"
}

variable "winrm_kerberos" {
  description = "With winrm_auth = kerberos: the realm (upper case) and its KDCs."
  type = object({
    realm = string
    kdcs  = optional(list(string))
  })
  default = null
}

variable "winrm_ca_certificate_file" {
  description = "PEM file of the CA that signed the WinRM HTTPS certificates (null: the system roots)."
  type        = string
  default     = null
}

variable "san_address" {
  description = "The array's management address (host:port; SSH port 22 by default)."
  type        = string
}

variable "san_transport" {
  description = "ssh (recommended) or telnet (clear text, for arrays that offer nothing else)."
  type        = string
  default     = "ssh"
}

variable "san_vserver" {
  description = "The SVM that holds the LUNs (dialect ontap only)."
  type        = string
  default     = null
}

variable "san_host_key" {
  description = "The array's SSH host key, as ssh-keyscan prints it (verify its fingerprint with the array's administrator)."
  type        = string
  default     = null
}

variable "san_username" {
  type = string
}

variable "san_password" {
  description = "The array password (over telnet it crosses the network in clear text)."
  type        = string
  sensitive   = true
}

variable "san_dialect" {
  description = "ontap (ONTAP 9 clustershell), ontap7 or generic."
  type        = string
  default     = "ontap"
}

variable "dns_server" {
  description = "The zone's primary DNS server (host:port) that accepts TSIG-signed updates."
  type        = string
}

variable "dns_tsig_key_name" {
  type = string
}

variable "dns_tsig_algorithm" {
  type    = string
  default = "hmac-sha256"
}

variable "dns_tsig_secret" {
  type      = string
  sensitive = true
}
