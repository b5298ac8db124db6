variable "active" {
  description = "The server whose folder targets clients are referred to first."
  type        = string
  default     = "server1"
  validation {
    condition     = contains(["server1", "server2"], var.active)
    error_message = "The active server must be one of the file servers: server1 or server2."
  }
}

variable "admin_server" {
  description = "The server whose agent runs the DFS cmdlets (the namespace and replication settings live in Active Directory, so any member will do; it must be up for an apply)."
  type        = string
  default     = "server1"
}

variable "servers" {
  description = "The file servers: name => WinRM address (and port when not 5986)."
  type = map(object({
    address = string
    port    = optional(number)
  }))
}

variable "domain" {
  description = "The Active Directory domain of the namespace."
  type        = string
  default     = "corp.example.com"
}

variable "namespace" {
  description = "The namespace name; each server shares its namespace root under this name."
  type        = string
  default     = "files"
}

variable "replication_group" {
  description = "The DFS Replication group keeping the folders' copies in step."
  type        = string
  default     = "Files"
}

variable "folders" {
  description = "The namespace folders: name => the share each server serves and the local folder it replicates."
  type = map(object({
    share        = string
    content_path = string
  }))
  default = {
    Finance = { share = "Finance", content_path = "D:\\Finance" }
  }
}

variable "winrm_username" {
  type = string
}

variable "winrm_password" {
  type      = string
  sensitive = true
}

variable "winrm_ca_certificate_file" {
  description = "PEM file of the CA that signed the WinRM HTTPS certificates (null: the system roots)."
  type        = string
  default     = null
}
