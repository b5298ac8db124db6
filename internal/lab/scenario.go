package lab

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

// Scenario is the estate a lab starts with. The default is the initial estate:
// two Windows Server hosts as a fresh install leaves them; later layers
// (array, DNS) add their own parts.
type Scenario struct {
	Name    string   `json:"name"`
	Servers []string `json:"servers"`
	// DNSServers run the Windows DNS role for the scenario's zone (the
	// "windows" DNS backend drives them through the agent). Nil means every
	// server, as with an AD-integrated zone on two domain controllers; an
	// empty list means none.
	DNSServers []string `json:"dns_servers,omitempty"`
	// Registry values set on top of each host's fresh-install registry.
	Registry []RegistrySeed `json:"registry,omitempty"`
	// SAN is the array's LUNs, igroups and mappings; when absent, one
	// igroup per server and no LUNs.
	SAN *SANSeed `json:"san,omitempty"`
	// Volumes mounted at start: the LUN is brought online on the server
	// and its data partition mounted, as an estate set up by hand.
	Volumes []VolumeSeed `json:"volumes,omitempty"`
	// Shares an administrator made by hand, stored as Windows stores them.
	Shares []ShareSeed `json:"shares,omitempty"`
	// Files on the volumes at start, written through a server's mount.
	Files []FileSeed `json:"files,omitempty"`
	// AliasSPNs are registered at start on the computer account of the
	// server the alias points at (the runbook's setspn), and the lab then
	// checks they follow the alias (invariant AliasSPNsOnTarget).
	AliasSPNs []string `json:"alias_spns,omitempty"`
}

// ShareSeed is one share that exists at start.
type ShareSeed struct {
	Server string      `json:"server"`
	Share  agent.Share `json:"share"`
}

// FileSeed is one file on a mounted volume at start.
type FileSeed struct {
	Server  string `json:"server"`
	Path    string `json:"path"`
	Content string `json:"content"`
}

// VolumeSeed is one volume a scenario starts mounted.
type VolumeSeed struct {
	Server     string `json:"server"`
	Serial     string `json:"serial"`
	MountPoint string `json:"mount_point"`
}

// RegistrySeed is one value a scenario sets on a host before start.
type RegistrySeed struct {
	Server string              `json:"server"`
	Hive   string              `json:"hive"`
	Key    string              `json:"key"`
	Name   string              `json:"name"`
	Value  agent.RegistryValue `json:"value"`
}

// DefaultScenario is the initial estate, as an administrator set it up by hand:
// server1 (active) and server2; the array presenting the data LUNs of X:
// and Y: to server1, which has them online at X: and Y: with their shares
// and files; DisableStrictNameChecking and DisableLoopbackCheck set on both
// servers (what a CNAME alias for a file server needs); the alias files -> server1 with the 24-hour
// TTL (the lab's DNS layer adds that).
func DefaultScenario() Scenario {
	servers := []string{"server1", "server2"}
	san := defaultSAN(servers)
	sc := Scenario{Name: "default", Servers: servers, SAN: &san, Volumes: []VolumeSeed{
		{Server: "server1", Serial: san.LUNs[0].Serial, MountPoint: "X:"},
		{Server: "server1", Serial: san.LUNs[1].Serial, MountPoint: "Y:"},
	}}
	one := agent.RegistryValue{Type: agent.RegDWord, Data: "1"}
	for _, srv := range servers {
		sc.Registry = append(sc.Registry,
			RegistrySeed{Server: srv, Hive: "HKLM", Key: `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`, Name: "DisableStrictNameChecking", Value: one},
			RegistrySeed{Server: srv, Hive: "HKLM", Key: `SYSTEM\CurrentControlSet\Control\Lsa`, Name: "DisableLoopbackCheck", Value: one})
	}
	sc.Shares = SeedShares()
	sc.AliasSPNs = AliasSPNs()
	sc.Files = []FileSeed{
		{Server: "server1", Path: `X:\Finance\budget-2026.txt`, Content: "Q1 42000\nQ2 45500\n"},
		{Server: "server1", Path: `X:\Projets\plan été.txt`, Content: "phase 1: études\n"},
		{Server: "server1", Path: `Y:\Public\welcome.txt`, Content: "Files are at \\\\files\\Public\n"},
	}
	return sc
}

// SeedShares are the shares the administrator made on server1 under
// X:\ and Y:\, names with spaces and non-ASCII included.
func SeedShares() []ShareSeed {
	full := func(acct string) agent.ShareAccess {
		return agent.ShareAccess{Account: acct, Right: "full", Type: "allow"}
	}
	change := func(acct string) agent.ShareAccess {
		return agent.ShareAccess{Account: acct, Right: "change", Type: "allow"}
	}
	read := func(acct string) agent.ShareAccess {
		return agent.ShareAccess{Account: acct, Right: "read", Type: "allow"}
	}
	return []ShareSeed{
		{Server: "server1", Share: agent.Share{Name: "Finance Team", Path: `X:\Finance`, Description: "Ledgers and budgets",
			CachingMode: "manual", Access: []agent.ShareAccess{full(`BUILTIN\Administrators`), full(`CORP\Finance`), read(`CORP\Auditors`)}}},
		{Server: "server1", Share: agent.Share{Name: "Projets Été", Path: `X:\Projets`, Description: "Bureau d'études",
			CachingMode: "manual", Access: []agent.ShareAccess{full(`BUILTIN\Administrators`), change(`CORP\Design`)}}},
		{Server: "server1", Share: agent.Share{Name: "Public", Path: `Y:\Public`, Description: "",
			CachingMode: "manual", Access: []agent.ShareAccess{full(`BUILTIN\Administrators`), change(`NT AUTHORITY\Authenticated Users`)}}},
	}
}

func (sc Scenario) san() SANSeed {
	if sc.SAN != nil {
		return *sc.SAN
	}
	return SANSeed{IGroups: igroupsFor(sc.Servers)}
}

// LoadScenario resolves --scenario: a built-in name or a JSON file.
func LoadScenario(nameOrFile string) (Scenario, error) {
	switch nameOrFile {
	case "", "default":
		return DefaultScenario(), nil
	case "dfs":
		return DFSScenario(), nil
	}
	raw, err := os.ReadFile(nameOrFile)
	if err != nil {
		return Scenario{}, fmt.Errorf("scenario %q is neither a built-in name (default, dfs) nor a readable file: %w", nameOrFile, err)
	}
	var sc Scenario
	if err := json.Unmarshal(raw, &sc); err != nil {
		return Scenario{}, fmt.Errorf("scenario file %s: %w", nameOrFile, err)
	}
	if len(sc.Servers) == 0 {
		return Scenario{}, fmt.Errorf("scenario file %s: no servers", nameOrFile)
	}
	if sc.Name == "" {
		sc.Name = nameOrFile
	}
	return sc, nil
}

// seed runs do on server's host, for a seed of kind (volume, share...).
func (sc Scenario) seed(l *Lab, kind, server string, do func(h *winhost.Host) error) error {
	h := l.Host(server)
	if h == nil {
		return fmt.Errorf("scenario %s: %s seed for unknown server %q", sc.Name, kind, server)
	}
	if err := do(h); err != nil {
		return fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	return nil
}

func (sc Scenario) apply(l *Lab) error {
	for _, v := range sc.Volumes {
		if err := sc.seed(l, "volume", v.Server, func(h *winhost.Host) error { return h.SeedMount(v.Serial, v.MountPoint) }); err != nil {
			return err
		}
	}
	for _, sh := range sc.Shares {
		err := sc.seed(l, "share", sh.Server, func(h *winhost.Host) error {
			// The administrator worked on the whole volume: its drive root is the scope.
			params, _ := json.Marshal(agent.ShareSetParams{Share: sh.Share, Scope: []string{sh.Share.Path[:3]}})
			if _, aerr := h.Execute(agent.ShareSet.Name, params); aerr != nil {
				return fmt.Errorf("share %q: %v", sh.Share.Name, aerr)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range sc.Files {
		if err := sc.seed(l, "file", f.Server, func(h *winhost.Host) error { return h.WriteFile(f.Path, f.Content) }); err != nil {
			return err
		}
	}
	// The seeded files were written long before the lab starts: no disk
	// cache still holds them.
	for _, name := range l.ServerNames() {
		l.Host(name).FlushWriteCaches()
	}
	for _, r := range sc.Registry {
		if err := sc.seed(l, "registry", r.Server, func(h *winhost.Host) error { return h.SetRegistryValue(r.Hive, r.Key, r.Name, r.Value) }); err != nil {
			return err
		}
	}
	// The estate was set up by hand long ago: the servers have rebooted
	// since, so the seeded settings are in effect.
	for _, name := range l.ServerNames() {
		l.Host(name).SettingsReadNow()
	}
	return nil
}
