package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pwsh"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// Latency is the lab's cost model of a real network, real Windows and a
// real array. Each figure applies in exactly one place:
//
//   - RTT: before the answer to every WinRM HTTP request, every array CLI
//     command (and login prompt) and every DNS message;
//   - ProcessStart: every powershell.exe a WinRM command starts;
//   - Rescan: every storage.rescan the agent runs (Update-HostStorageCache);
//   - Repair: every volume.repair the agent runs (chkdsk /F /X);
//   - VolumeArrival: how long after a disk comes online Plug and Play
//     surfaces its volumes (the host model's clock: disk.set waits for
//     them; a disk that comes back online by itself shows none until then);
//   - ArrayCommand: the array's own work on every CLI command, after RTT;
//   - DNSUpdate: applying every RFC 2136 UPDATE on the lab DNS server, and
//     every dns.cname.set or dns.cname.delete on a host's DNS role;
//   - DFSReplication: how long after a file changes on one member of a DFS
//     replication group it is copied to the others (dfsr_replication.go).
//
// Rescan and Repair are charged by the agent operation (see opCost), so the
// host model needs no clock of its own.
type Latency struct {
	Name         string        `json:"name"`
	RTT          time.Duration `json:"rtt"`
	ProcessStart time.Duration `json:"process_start"`
	Rescan       time.Duration `json:"rescan"`
	Repair       time.Duration `json:"repair"`
	// VolumeArrival is zero in "none", but a look right after onlining
	// still misses the volumes (see winhost).
	VolumeArrival time.Duration `json:"volume_arrival"`
	ArrayCommand  time.Duration `json:"array_command"`
	DNSUpdate     time.Duration `json:"dns_update"`
	// DFSReplication is a guess for a LAN (no documented figure): DFS
	// Replication notices a change through the USN journal and stages it
	// before it sends it.
	DFSReplication time.Duration `json:"dfs_replication"`
}

// LatencyProfiles are the named models: none, and realistic (a LAN round
// trip, a Windows PowerShell 5.1 cold start, a storage rescan and a chkdsk
// of a clean 100 GB volume on a Windows Server VM, a NetApp 7-mode CLI
// command, an AD-integrated zone update).
var LatencyProfiles = []string{"none", "realistic"}

// LatencyProfile returns a named profile: "none" or "realistic".
func LatencyProfile(name string) (Latency, bool) {
	switch name {
	case "", "none":
		return Latency{Name: "none"}, true
	case "realistic":
		return Latency{
			Name:         "realistic",
			RTT:          2 * time.Millisecond,
			ProcessStart: 400 * time.Millisecond,
			Rescan:       1500 * time.Millisecond,
			Repair:       3 * time.Second,
			// Volume devices and the remembered letter of a 100 GB LUN.
			VolumeArrival: 500 * time.Millisecond,
			ArrayCommand:  150 * time.Millisecond,
			DNSUpdate:     20 * time.Millisecond,
			// DFSReplication: see its field.
			DFSReplication: 2 * time.Second,
		}, true
	}
	return Latency{}, false
}

// String lists every figure, for logs and the benchmark table.
func (l Latency) String() string {
	return fmt.Sprintf("%s (rtt %s, process start %s, rescan %s, chkdsk %s, volume arrival %s, array command %s, dns update %s, dfs replication %s)",
		l.Name, l.RTT, l.ProcessStart, l.Rescan, l.Repair, l.VolumeArrival, l.ArrayCommand, l.DNSUpdate, l.DFSReplication)
}

// opCost is the time an agent operation takes on the host beyond its
// round trip. Add an operation here when it waits on something slow.
func opCost(op string, l Latency) time.Duration {
	switch op {
	case agent.DNSCNAMESet.Name, agent.DNSCNAMEDelete.Name:
		return l.DNSUpdate
	}
	switch op {
	case agent.StorageRescan.Name:
		return l.Rescan
	case agent.VolumeRepair.Name:
		return l.Repair
	}
	return 0
}

// WaitKind is the timeline kind of the modelled wait of an agent
// operation (opCost), e.g. "wait.storage.rescan": the bench reads the
// failover's floor from these events.
func WaitKind(op string) string { return "wait." + op }

// SetLatency replaces the latency model of a running lab (between
// benchmark phases). Injected latency faults are cleared with it.
func (l *Lab) SetLatency(lat Latency) {
	l.applyLatency(lat)
	l.Timeline.Record("lab", "latency", lat.String())
}

func (l *Lab) applyLatency(lat Latency) {
	l.mu.Lock()
	l.latency = lat
	l.mu.Unlock()
	for _, s := range l.servers {
		s.winrm.SetFaults(winrm.Faults{Latency: lat.RTT})
		s.host.SetVolumeArrival(lat.VolumeArrival)
	}
	if l.array != nil {
		l.array.SetLatency(lat.RTT, lat.ArrayCommand)
	}
	if l.dns != nil {
		l.dns.server.SetLatency(lat.RTT, lat.DNSUpdate)
	}
}

// Latency is the current model.
func (l *Lab) Latency() Latency {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.latency
}

// hostExec is what a host's agent runs: next (the host model and its
// faults), with the latency model's operation costs and the per-operation
// counters in front.
type hostExec struct {
	ctx  context.Context
	lab  *Lab
	s    *server
	next pwsh.Executor
}

var _ pwsh.Executor = hostExec{}

func (e hostExec) ComputerName() string { return e.s.host.ComputerName() }

func (e hostExec) Execute(op string, params json.RawMessage) (any, *agent.Error) {
	e.s.stats.add(func(st *Stats) {
		st.AgentRequests++
		if st.Ops == nil {
			st.Ops = map[string]int{}
		}
		st.Ops[op]++
	})
	if d := opCost(op, e.lab.Latency()); d > 0 {
		e.lab.Timeline.RecordCost(e.s.name, WaitKind(op), op, d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-e.ctx.Done():
			t.Stop()
			return nil, agent.Errorf(agent.CodeInternal, "%s interrupted: the command was stopped", op)
		}
	}
	return e.next.Execute(op, params)
}

// ParseLatency reads --latency and the per-figure overrides, e.g.
// ParseLatency("realistic", map[string]string{"rtt": "5ms"}).
func ParseLatency(profile string, overrides map[string]string) (Latency, error) {
	lat, ok := LatencyProfile(profile)
	if !ok {
		return Latency{}, fmt.Errorf("latency profile %q: use one of %s", profile, strings.Join(LatencyProfiles, ", "))
	}
	fields := map[string]*time.Duration{
		"rtt": &lat.RTT, "process-start": &lat.ProcessStart, "rescan": &lat.Rescan,
		"chkdsk": &lat.Repair, "volume-arrival": &lat.VolumeArrival, "array-command": &lat.ArrayCommand, "dns-update": &lat.DNSUpdate,
	}
	custom := false
	for k, v := range overrides {
		if v == "" {
			continue
		}
		p, ok := fields[k]
		if !ok {
			return Latency{}, fmt.Errorf("unknown latency figure %q", k)
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return Latency{}, fmt.Errorf("--%s %q: want a duration such as 2ms or 1.5s", k, v)
		}
		*p, custom = d, true
	}
	if custom {
		lat.Name += "+custom"
	}
	return lat, nil
}
