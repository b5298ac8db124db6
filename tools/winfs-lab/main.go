// Command winfs-lab runs the emulated estate (Windows hosts over WinRM, the
// SAN array over SSH and telnet, DNS) that the provider is tested and demonstrated
// against, and talks to a running one.
//
//	winfs-lab serve  --ready-file PATH [--scenario NAME|FILE] [--latency none|realistic] [--rtt D] [--process-start D] [--rescan D] [--full-check-base D] [--full-check-per-tb D] [--check-per-million-files D] [--spot-fix D] [--volume-arrival D] [--array-command D] [--dns-update D] [--san-dialect ontap7|msa] [--locale en-US|de-DE|fr-FR]
//	winfs-lab tfvars --ready-file PATH [--san]   # Terraform variables (JSON) for the examples
//	winfs-lab admin  --ready-file PATH METHOD PATH [BODY]  # call the admin API
//	winfs-lab events --ready-file PATH [--since N]         # print the timeline
//	winfs-lab probe  --ready-file PATH write|read|watch ... # a client of \\files; outage watcher
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  winfs-lab serve  --ready-file PATH [--scenario NAME|FILE] [--latency none|realistic] [--rtt D] [--process-start D] [--rescan D] [--full-check-base D] [--full-check-per-tb D] [--check-per-million-files D] [--spot-fix D] [--volume-arrival D] [--array-command D] [--dns-update D] [--san-dialect ontap7|msa] [--locale en-US|de-DE|fr-FR]
  winfs-lab tfvars --ready-file PATH [--san] [--dns]
  winfs-lab admin  --ready-file PATH METHOD URL-PATH [JSON-BODY]
  winfs-lab events --ready-file PATH [--since N]
  winfs-lab probe  --ready-file PATH write SHARE PATH CONTENT
  winfs-lab probe  --ready-file PATH read SHARE PATH
  winfs-lab probe  --ready-file PATH watch start [--interval 100ms] [--alias NAME] SHARE...
  winfs-lab probe  --ready-file PATH watch report|stop [--json]`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serveCmd(os.Args[2:])
	case "tfvars":
		err = tfvarsCmd(os.Args[2:])
	case "admin":
		err = adminCmd(os.Args[2:])
	case "events":
		err = eventsCmd(os.Args[2:])
	case "probe":
		err = probeCmd(os.Args[2:], os.Stdout)
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "winfs-lab:", err)
		os.Exit(1)
	}
}
