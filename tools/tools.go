//go:build tools

// Package tools pins the versions of the tools the build runs (tfplugindocs)
// in go.mod, the way HashiCorp's provider scaffolding does.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
