package lab

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Scenario is the estate a lab starts with. The default is seed 000's:
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

// DefaultScenario is the estate of seed 000: server1 (active) and server2,
// and the array presenting the data LUNs of X: and Y: to server1, which
// has them online at X: and Y:.
func DefaultScenario() Scenario {
	servers := []string{"server1", "server2"}
	san := defaultSAN(servers)
	return Scenario{Name: "seed000", Servers: servers, SAN: &san, Volumes: []VolumeSeed{
		{Server: "server1", Serial: san.LUNs[0].Serial, MountPoint: "X:"},
		{Server: "server1", Serial: san.LUNs[1].Serial, MountPoint: "Y:"},
	}}
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
	case "", "seed000", "default":
		return DefaultScenario(), nil
	}
	raw, err := os.ReadFile(nameOrFile)
	if err != nil {
		return Scenario{}, fmt.Errorf("scenario %q is neither a built-in name (seed000) nor a readable file: %w", nameOrFile, err)
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

func (sc Scenario) apply(l *Lab) error {
	for _, v := range sc.Volumes {
		h := l.Host(v.Server)
		if h == nil {
			return fmt.Errorf("scenario %s: volume seed for unknown server %q", sc.Name, v.Server)
		}
		if err := h.SeedMount(v.Serial, v.MountPoint); err != nil {
			return fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	for _, r := range sc.Registry {
		h := l.Host(r.Server)
		if h == nil {
			return fmt.Errorf("scenario %s: registry seed for unknown server %q", sc.Name, r.Server)
		}
		if err := h.SetRegistryValue(r.Hive, r.Key, r.Name, r.Value); err != nil {
			return fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	return nil
}
