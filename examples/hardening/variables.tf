variable "servers" {
  description = "The file servers: name => WinRM address (and port when not 5986)."
  type = map(object({
    address = string
    port    = optional(number)
  }))
}

variable "alias" {
  description = "The DNS alias clients use for the file service."
  type        = string
  default     = "files"
}

variable "winrm_username" {
  description = "WinRM account, e.g. CORP\\svc-terraform."
  type        = string
}

variable "winrm_password" {
  description = "Password of the WinRM account."
  type        = string
  sensitive   = true
}

variable "winrm_ca_certificate_file" {
  description = "PEM file of the CA that signed the WinRM HTTPS certificates (null: the system roots)."
  type        = string
  default     = null
}
