# An array with another line-oriented CLI, an HP MSA here, needs no new Go
# code: the generic dialect takes its commands as templates and reads its
# answers with regular expressions. LUNs are then MSA volume names
# (lun = "files_x") and igroups MSA host names. Over SSH, the host key
# checked against a known_hosts file.
provider "winfs" {
  servers = {
    server1 = { address = "server1.corp.example.com" }
    server2 = { address = "server2.corp.example.com" }
  }

  san = {
    address          = "msa1.corp.example.com"
    transport        = "ssh"
    known_hosts_file = "/etc/ssh/ssh_known_hosts"
    username         = "manage"
    password         = var.san_password
    dialect          = "generic"
    prompt           = "^# ?$"
    generic = {
      map_command     = "map volume {lun} host {igroup} lun {lun_id}"
      unmap_command   = "unmap volume {lun} host {igroup}"
      list_command    = "show volume-maps"
      list_pattern    = "^(?P<lun>\\S+)\\s+(?P<igroup>\\S+)\\s+(?P<lun_id>\\d+)\\s+read-write"
      serial_command  = "show volumes {lun}"
      serial_pattern  = "(?m)^\\S+\\s+\\S+\\s+(?P<serial>\\S+)\\s*$"
      success_pattern = "Success: Command completed successfully"
      error_pattern   = "(?m)^Error:.*$"
    }
  }
}
