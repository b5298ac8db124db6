package acctest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Provider is the provider under test, as the terraform driver runs it.
type Provider struct {
	// Bin is the built binary. Terraform starts it itself (dev_overrides),
	// as on a user's machine, for the commands that need the provider in a
	// process of its own: those run with an environment of their own
	// (RunEnv), such as the provider's TF_LOG file.
	Bin string
	// Server returns a new server of the provider and the function that
	// ends what it opened (agent sessions, array logins), as the binary
	// does when Terraform closes it. Every other command gets one, served
	// in this process, and terraform reattaches to it
	// (TF_REATTACH_PROVIDERS) instead of starting the binary three times
	// or so per command. nil: every command starts the binary.
	Server func() (tfprotov6.ProviderServer, func())
}

// reattachAddress is the provider's source address, in the short form
// both Terraform and OpenTofu read with their own registry host.
const reattachAddress = "winfs/winfs"

// serve serves one server of p in this process and returns the
// TF_REATTACH_PROVIDERS entry terraform reaches it with, and stop, which
// shuts the server down and ends its sessions.
func (p Provider) serve(t *testing.T) (env string, stop func(), err error) {
	server, closeSessions := p.Server()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(reattachAddress, func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// The provider's logs go where resource.Test sends them:
			// nowhere unless TF_LOG is set (terraform-plugin-log's sink).
			tf6server.WithLoggingSink(t),
			tf6server.WithoutLogStderrOverride())
	}()
	stop = func() {
		cancel()
		<-closed
		closeSessions()
	}
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-served:
		cancel()
		closeSessions()
		return "", nil, fmt.Errorf("serving the provider: it stopped before listening (%v)", err)
	case <-time.After(30 * time.Second):
		// Not stop: a server that never listened may never close.
		cancel()
		closeSessions()
		return "", nil, errors.New("serving the provider: no reattach configuration within 30s")
	}
	// The shape Terraform's TF_REATTACH_PROVIDERS takes (go-plugin's
	// ReattachConfig with its address spelled out).
	type addr struct{ Network, String string }
	type entry struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	raw, err := json.Marshal(map[string]entry{reattachAddress: {
		Protocol:        string(rc.Protocol),
		ProtocolVersion: rc.ProtocolVersion,
		Pid:             rc.Pid,
		Test:            rc.Test,
		Addr:            addr{rc.Addr.Network(), rc.Addr.String()},
	}})
	if err != nil {
		stop()
		return "", nil, err
	}
	return "TF_REATTACH_PROVIDERS=" + string(raw), stop, nil
}
