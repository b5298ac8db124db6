package winhost

import "github.com/winfs/terraform-provider-winfs/internal/agent"

// Registry keys the provider and the initial estate touch, below HKLM.
const (
	KeyLanmanServerParameters = `SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters`
	KeyLanmanServerShares     = `SYSTEM\CurrentControlSet\Services\LanmanServer\Shares`
	KeyShareSecurity          = `SYSTEM\CurrentControlSet\Services\LanmanServer\Shares\Security`
	KeyLsa                    = `SYSTEM\CurrentControlSet\Control\Lsa`
	KeyNetBTParameters        = `SYSTEM\CurrentControlSet\Services\NetBT\Parameters`
	KeyMountedDevices         = `SYSTEM\MountedDevices`
	KeyComputerName           = `SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
	KeyWindowsNTCurrentVer    = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
)

// seedRegistry creates what a fresh Windows Server 2022 has under those
// keys. It is not recorded on the timeline: it is the starting state.
func (h *Host) seedRegistry() {
	for _, key := range []string{KeyLanmanServerParameters, KeyShareSecurity, KeyLsa, KeyMountedDevices} {
		h.reg.create(mustPath(key))
	}
	h.seedValue(KeyNetBTParameters, "CacheTimeout", agent.RegistryValue{Type: agent.RegDWord, Data: "600000"}) // 0x927c0
	h.seedValue(KeyComputerName, "ComputerName", agent.RegistryValue{Type: agent.RegSZ, Data: h.ComputerName()})
	h.seedValue(KeyWindowsNTCurrentVer, "ProductName", agent.RegistryValue{Type: agent.RegSZ, Data: "Windows Server 2022 Standard"})
}

func (h *Host) seedValue(key, name string, value agent.RegistryValue) {
	v, err := valueFromWire(name, value)
	if err != nil {
		panic("winhost: bad seed value: " + err.Error())
	}
	h.reg.create(mustPath(key)).values[fold(name)] = v
}

func mustPath(key string) keyPath {
	p, err := parseKeyRef(agent.RegistryKeyRef{Hive: "HKLM", Key: key})
	if err != nil {
		panic("winhost: bad seed key: " + err.Error())
	}
	return p
}
