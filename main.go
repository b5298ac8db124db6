// Command terraform-provider-winfs serves the winfs provider to Terraform.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/winfs/terraform-provider-winfs/internal/provider"
)

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/winfs/winfs",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	// Terraform has closed the plugin: end the agents on every host so no
	// PowerShell process or WinRM shell outlives the run.
	provider.CloseAllHosts()
	if err != nil {
		log.Fatal(err)
	}
}
