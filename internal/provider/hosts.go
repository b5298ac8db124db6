package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/dnsupdate"
	"github.com/winfs/terraform-provider-winfs/internal/san"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// providerData is what Configure hands to every resource: the resolved
// settings and one client per server, created on first use so that a plan
// touching one server never connects to the other.
type providerData struct {
	settings providerSettings

	mu        sync.Mutex
	clients   map[string]*windows.Client
	caches    map[string]*windows.ReadCache // by host:port: two names for one endpoint share it
	dnsClient *dnsupdate.Client             // rfc2136 backend, created on first use
	array     *san.Client                   // the array's sessions for the provider run, opened on first use
	scopes    plannedScopes                 // share set scopes planned in this command
}

// sessions tracks the providerData a provider configured, so that what
// they opened (agent sessions, WinRM shells, array logins) can be ended
// when Terraform is done with the provider: the binary ends them all when
// Terraform closes the plugin, and a test serving the provider in its own
// process ends each command's, as that binary's exit would.
type sessions struct {
	sync.Mutex
	data []*providerData
}

// live is the binary's: every provider this process serves.
var live sessions

func (s *sessions) newProviderData(settings providerSettings) *providerData {
	d := &providerData{settings: settings, clients: map[string]*windows.Client{}, caches: map[string]*windows.ReadCache{}}
	s.Lock()
	s.data = append(s.data, d)
	s.Unlock()
	return d
}

// closeAll ends the agent sessions of every providerData s tracks.
func (s *sessions) closeAll() {
	s.Lock()
	data := s.data
	s.data = nil
	s.Unlock()
	for _, d := range data {
		d.close()
	}
}

// CloseAllHosts ends the agent sessions of every configured provider.
func CloseAllHosts() { live.closeAll() }

func (d *providerData) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, c := range d.clients {
		_ = c.Close()
		delete(d.clients, name)
	}
	if d.array != nil {
		_ = d.array.Close()
		d.array = nil
	}
}

// errNoSAN explains a SAN resource used without a san block.
const errNoSAN = "The provider has no `san` block, so it cannot reach the array. Add one: " +
	`san = { address = "filer1.corp.example.com", username = "root", password = var.san_password }`

// sanClient returns the array client, created on first use; its sessions
// open with the first commands. The mapping resources of one run share its
// listing of the mappings for as long as a host's listings are shared
// (WINFS_READ_CACHE_AGE).
func (d *providerData) sanClient() (*san.Client, error) {
	if d.settings.san == nil {
		return nil, errors.New("the provider has no `san` block, so it cannot reach the array")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.array == nil {
		cfg := d.settings.san.config
		cfg.ListingAge = d.settings.readCacheAge
		d.array = san.NewClient(cfg, d.settings.san.dialect)
	}
	return d.array, nil
}

// checkServer explains a server name that is not configured, or one the
// provider has no credentials for. Only resources that act on a server
// call it: the servers and winrm blocks are needed by them alone.
func (d *providerData) checkServer(name string) error {
	if _, ok := d.settings.servers[name]; ok {
		if d.settings.noCredentials[name] {
			return errors.New(missingCredentials(name))
		}
		return nil
	}
	if len(d.settings.servers) == 0 {
		return fmt.Errorf("server %q: the provider has no `servers` block, so it reaches no Windows server; "+
			"add servers = { %s = { address = \"...\" } } and a winrm block with the credentials", name, name)
	}
	known := d.settings.names()
	sort.Strings(known)
	return fmt.Errorf("server %q is not one of the provider's servers; configured servers are: %s", name, strings.Join(known, ", "))
}

// host returns the client for a server, starting it on first use.
func (d *providerData) host(ctx context.Context, name string) (*windows.Client, error) {
	if err := d.checkServer(name); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[name]; ok {
		return c, nil
	}
	ep := d.settings.servers[name]
	starter, err := windows.NewWinRMStarter(name, ep)
	if err != nil {
		return nil, err
	}
	// Sibling reads share listings for a few seconds, within this
	// configured provider (one Terraform command) only: drift made between
	// two commands is always seen.
	opts := []windows.Option{windows.WithLogger(logToTflog), windows.WithCallTimeout(ep.Timeout), windows.WithStartTimeout(ep.Timeout)}
	if d.settings.readCacheAge > 0 {
		addr := strings.ToLower(ep.Addr())
		rc := d.caches[addr]
		if rc == nil {
			rc = windows.NewReadCache(d.settings.readCacheAge)
			d.caches[addr] = rc
		}
		opts = append(opts, windows.WithReadCache(rc))
	}
	c, err := windows.New(name, starter, d.settings.transport, opts...)
	if err != nil {
		return nil, err
	}
	d.clients[name] = c
	return c, nil
}

// logToTflog routes the WinRM client's log lines to Terraform's log.
func logToTflog(ctx context.Context, level, msg string, fields map[string]any) {
	if ctx == nil {
		ctx = context.Background()
	}
	if level == windows.LevelWarn {
		tflog.Warn(ctx, msg, fields)
		return
	}
	tflog.Debug(ctx, msg, fields)
}

// configureData is the common Configure step of resources and data sources.
func configureData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil // not configured yet (validation before Configure)
	}
	d, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; this is a bug in the provider", raw))
		return nil
	}
	return d
}

// asAgentError finds the agent's structured error in err.
func asAgentError(err error, target **agent.Error) bool { return errors.As(err, target) }
