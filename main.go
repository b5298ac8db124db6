// Command terraform-provider-winfs serves the winfs provider to Terraform.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"

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
	writeHeapProfile(os.Getenv("WINFS_HEAP_PROFILE"))
	if err != nil {
		log.Fatal(err)
	}
}

// writeHeapProfile writes what the provider still holds when Terraform
// closes it (after a collection) to prefix.<pid>, for measurements (see
// docs/guides/benchmarks.md); nothing when prefix is empty. A heap profile
// holds allocation sizes and call stacks, no data.
func writeHeapProfile(prefix string) {
	if prefix == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(fmt.Sprintf("%s.%d", prefix, os.Getpid()))
	if err != nil {
		log.Printf("WINFS_HEAP_PROFILE: %v", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Printf("WINFS_HEAP_PROFILE: %v", err)
	}
}
