// Package bench measures what a Terraform run costs with this provider
// against the lab: the refresh of a large estate in both transport modes
// beside the same number of terraform_data resources (what Terraform itself
// costs), under the lab's latency models, the provider's peak memory, and
// the failover apply of examples/failover. It drives the real terraform
// binary and the built provider (dev_overrides), as a user would.
package bench

import (
	"fmt"
	"strings"
)

// Estate is the size of the refreshed configuration.
type Estate struct {
	Servers         []string
	ValuesPerServer int // winfs_registry_value per server
	ValuesPerKey    int // values under one registry key
	Shares          int // shares in all, spread over ShareSets per server
	ShareSets       int // winfs_smb_share_set per server, one scope root each
	// Volumes is the number of winfs_volume_mount resources, spread over
	// the servers: each mounts a LUN of its own the lab starts mounted
	// (see volumeSeeds), so the first apply adopts them.
	Volumes int
}

// LargeEstate is the estate: 2 servers x 500 registry values,
// 200 shares (4 volumes once winfs_volume_mount exists).
func LargeEstate() Estate {
	return Estate{Servers: []string{"server1", "server2"}, ValuesPerServer: 500, ValuesPerKey: 50, Shares: 200, ShareSets: 2, Volumes: 4}
}

// benchVolume is one of the estate's volumes: a LUN of its own, mapped to
// one server and mounted there at a letter the failover example leaves free.
type benchVolume struct {
	server, lun, serial, mountPoint string
	lunID                           int
}

func (e Estate) volumes() []benchVolume {
	var out []benchVolume
	for i := range e.Volumes {
		server := e.Servers[i%len(e.Servers)]
		n := i / len(e.Servers)
		out = append(out, benchVolume{
			server: server, lun: fmt.Sprintf("/vol/bench/%s_%d", server, n), serial: fmt.Sprintf("BENCH%03d%s", i, server[len(server)-1:]),
			mountPoint: fmt.Sprintf("%c:", 'P'+n), lunID: 10 + n,
		})
	}
	return out
}

// Resources is how many resources the estate declares.
func (e Estate) Resources() int {
	return len(e.Servers)*e.ValuesPerServer + len(e.Servers)*e.ShareSets + e.Volumes
}

// String describes the estate for the table.
func (e Estate) String() string {
	vol := fmt.Sprintf("%d volumes", e.Volumes)
	return fmt.Sprintf("%d servers x %d registry values (%d per key), %d shares in %d share sets, %s: %d resources",
		len(e.Servers), e.ValuesPerServer, e.ValuesPerKey, e.Shares, len(e.Servers)*e.ShareSets, vol, e.Resources())
}

// scopeRoots are the share sets' roots on every server. C: is the system
// volume, mounted on every host, so the shares do not depend on the SAN.
func (e Estate) scopeRoots() []string {
	roots := make([]string, e.ShareSets)
	for i := range roots {
		roots[i] = fmt.Sprintf(`C:\Bench\S%d`, i)
	}
	return roots
}

// winfsConfig is the estate in HCL. Credentials come from variables (a
// tfvars file), never from the text.
func (e Estate) winfsConfig(ports map[string]int) string {
	var b strings.Builder
	b.WriteString(`terraform {
  required_providers {
    winfs = { source = "winfs/winfs" }
  }
}

variable "transport" { type = string }
variable "winrm_username" { type = string }
variable "winrm_password" {
  type      = string
  sensitive = true
}
variable "winrm_ca_certificate_file" { type = string }

provider "winfs" {
  servers = {
`)
	for _, s := range e.Servers {
		fmt.Fprintf(&b, "    %s = { address = \"127.0.0.1\", port = %d }\n", s, ports[s])
	}
	perSet := 0
	if n := len(e.Servers) * e.ShareSets; n > 0 {
		perSet = e.Shares / n
	}
	quoted := make([]string, len(e.Servers))
	for i, s := range e.Servers {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	roots := make([]string, 0, len(e.scopeRoots()))
	for _, r := range e.scopeRoots() {
		roots = append(roots, fmt.Sprintf("%q", r))
	}
	fmt.Fprintf(&b, `  }
  winrm = {
    username       = var.winrm_username
    password       = var.winrm_password
    https          = true
    ca_certificate = file(var.winrm_ca_certificate_file)
    transport      = var.transport
  }
}

locals {
  servers = [%s]
  roots   = [%s]
  values = {
    for p in setproduct(local.servers, range(%d)) : format("%%s/%%04d", p[0], p[1]) => {
      server = p[0]
      path   = format("HKLM\\SOFTWARE\\WinfsBench\\Key%%03d", floor(p[1] / %d))
      name   = format("Value%%04d", p[1])
      value  = tostring(p[1])
    }
  }
  share_sets = {
    for p in setproduct(local.servers, range(length(local.roots))) : "${p[0]}/${p[1]}" => {
      server = p[0]
      root   = local.roots[p[1]]
      prefix = format("bench%%d-", p[1])
    }
  }
}

resource "winfs_registry_value" "v" {
  for_each = local.values
  server   = each.value.server
  path     = each.value.path
  name     = each.value.name
  type     = "dword"
  value    = each.value.value
}

resource "winfs_smb_share_set" "s" {
  for_each = local.share_sets
  server   = each.value.server
  scope    = [each.value.root]
  shares = {
    for i in range(%d) : format("%%s%%03d", each.value.prefix, i) => {
      path        = format("%%s\\%%03d", each.value.root, i)
      read_access = ["Everyone"]
    }
  }
}

`, strings.Join(quoted, ", "), strings.Join(roots, ", "), e.ValuesPerServer, max(e.ValuesPerKey, 1), perSet)
	for i, v := range e.volumes() {
		fmt.Fprintf(&b, "\nresource \"winfs_volume_mount\" \"v%d\" {\n  server      = %q\n  disk_serial = %q\n  mount_point = %q\n}\n",
			i, v.server, v.serial, v.mountPoint)
	}
	return b.String()
}

// floorConfig is the same number of terraform_data resources: Terraform's
// own cost of planning that many resources, with no provider at all. Like
// the estate, for_each names a local: Terraform evaluates a resource's
// for_each expression again for every instance, so an inline `for` over a
// thousand elements would cost a million evaluations and measure that
// instead (70 s here, against 6 s with count).
func floorConfig(n int) string {
	return fmt.Sprintf(`locals {
  keys = toset([for i in range(%d) : format("%%04d", i)])
}

resource "terraform_data" "r" {
  for_each = local.keys
  input    = each.key
}
`, n)
}
