package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/pwsh"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// Latency is the lab's cost model of a real network, real Windows and a
// real array. Each figure applies in exactly one place:
//
//   - RTT: before the answer to every WinRM HTTP request, every array CLI
//     command (and login prompt) and every DNS message;
//   - ProcessStart: every powershell.exe a WinRM command starts;
//   - Rescan: every storage.rescan the agent runs (Update-HostStorageCache);
//   - the NTFS checks (FullCheckBase, FullCheckPerTB, CheckPerMillionFiles,
//     SpotFix): every volume.repair, volume.scan and volume.spotfix, by
//     the volume's size and file count (CheckCost);
//   - VolumeArrival: how long after a disk comes online Plug and Play
//     surfaces its volumes (the host model's clock: disk.set waits for
//     them; a disk that comes back online by itself shows none until then);
//   - ArrayCommand: the array's own work on every CLI command, after RTT;
//   - DNSUpdate: applying every RFC 2136 UPDATE on the lab DNS server, and
//     every dns.cname.set or dns.cname.delete on a host's DNS role;
//   - DFSReplication: how long after a file changes on one member of a DFS
//     replication group it is copied to the others (dfsr_replication.go);
//   - DAD: how long a new IPv4 address stays tentative on a host while
//     duplicate address detection runs (every address.add, and each
//     address a host restores at boot).
//
// Rescans and checks are charged by the agent operation (see opCost), so
// the host model needs no clock of its own. The agent runs them
// concurrently (agent.Serial): checks of different volumes overlap.
type Latency struct {
	Name         string        `json:"name"`
	RTT          time.Duration `json:"rtt"`
	ProcessStart time.Duration `json:"process_start"`
	Rescan       time.Duration `json:"rescan"`
	// The NTFS checks, by CheckCost. A full check (chkdsk /F /X, offline
	// all along) costs FullCheckBase, plus CheckPerMillionFiles per million
	// files and FullCheckPerTB per TB; an online scan (Repair-Volume
	// -Scan, the volume stays mounted) costs CheckPerMillionFiles per
	// million files; a spot-fix costs SpotFix whatever the volume.
	FullCheckBase        time.Duration `json:"full_check_base"`
	FullCheckPerTB       time.Duration `json:"full_check_per_tb"`
	CheckPerMillionFiles time.Duration `json:"check_per_million_files"`
	SpotFix              time.Duration `json:"spot_fix"`
	// VolumeArrival is zero in "none", but a look right after onlining
	// still misses the volumes (see winhost).
	VolumeArrival time.Duration `json:"volume_arrival"`
	ArrayCommand  time.Duration `json:"array_command"`
	DNSUpdate     time.Duration `json:"dns_update"`
	// DFSReplication is a guess for a LAN (no documented figure): DFS
	// Replication notices a change through the USN journal and stages it
	// before it sends it.
	DFSReplication time.Duration `json:"dfs_replication"`
	// DAD is DadTransmits probes DadRetransmitTime apart, as
	// Get-NetIPInterface reports them on an IPv4 interface (3 and 1000 ms
	// on Windows Server by default: a belief from its output, the cmdlet
	// reference documents the settings without their defaults).
	DAD time.Duration `json:"dad"`
}

// LatencyProfiles are the named models: none, and realistic (a LAN round
// trip, a Windows PowerShell 5.1 cold start, a storage rescan and NTFS
// checks on a Windows Server VM, a NetApp 7-mode CLI command, an
// AD-integrated zone update).
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
			// A full check of a 100 GB volume of 100,000 files takes 3 s
			// (0.5 + 1.5 + 1). chkdsk's time "was proportional to the number
			// of files on the volume" (NTFS Health and Chkdsk, Windows Server
			// 2012); the online scan walks the same metadata at the same
			// rate; a spot-fix "takes only seconds" whatever the volume's
			// size, being proportional to the corruptions it fixes.
			FullCheckBase:        500 * time.Millisecond,
			FullCheckPerTB:       10 * time.Second,
			CheckPerMillionFiles: 15 * time.Second,
			SpotFix:              time.Second,
			// Volume devices and the remembered letter of a 100 GB LUN.
			VolumeArrival: 500 * time.Millisecond,
			ArrayCommand:  150 * time.Millisecond,
			DNSUpdate:     20 * time.Millisecond,
			// DFSReplication: see its field.
			DFSReplication: 2 * time.Second,
			DAD:            3 * time.Second,
		}, true
	}
	return Latency{}, false
}

// String lists every figure, for logs and the benchmark table.
func (l Latency) String() string {
	return fmt.Sprintf("%s (rtt %s, process start %s, rescan %s, full check %s + %s/TB + %s per million files, online scan %s per million files, spot-fix %s, volume arrival %s, array command %s, dns update %s, dfs replication %s, dad %s)",
		l.Name, l.RTT, l.ProcessStart, l.Rescan, l.FullCheckBase, l.FullCheckPerTB, l.CheckPerMillionFiles, l.CheckPerMillionFiles, l.SpotFix,
		l.VolumeArrival, l.ArrayCommand, l.DNSUpdate, l.DFSReplication, l.DAD)
}

// CheckCost is what an NTFS check of a volume of size bytes and files
// files costs: op is volume.repair (the full check), volume.scan or
// volume.spotfix; 0 for any other operation.
func (l Latency) CheckCost(op string, size, files int64) time.Duration {
	perFiles := time.Duration(float64(l.CheckPerMillionFiles) * float64(files) / 1e6)
	switch op {
	case agent.VolumeRepair.Name:
		return l.FullCheckBase + perFiles + time.Duration(float64(l.FullCheckPerTB)*float64(size)/(1<<40))
	case agent.VolumeScan.Name:
		return perFiles
	case agent.VolumeSpotFix.Name:
		return l.SpotFix
	}
	return 0
}

// opCost is the time an agent operation takes on the host beyond its
// round trip. Add an operation here when it waits on something slow.
func opCost(op string, params json.RawMessage, l Latency, h *winhost.Host) time.Duration {
	switch op {
	case agent.DNSCNAMESet.Name, agent.DNSCNAMEDelete.Name:
		return l.DNSUpdate
	case agent.StorageRescan.Name:
		return l.Rescan
	case agent.VolumeRepair.Name, agent.VolumeScan.Name, agent.VolumeSpotFix.Name:
		var p agent.VolumeParams
		if json.Unmarshal(params, &p) != nil {
			return 0
		}
		size, files, ok := h.VolumeShape(p.VolumeGUID)
		if !ok {
			return 0 // the operation fails at once: no such volume
		}
		return l.CheckCost(op, size, files)
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
		s.host.SetDADTime(lat.DAD)
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
	if d := opCost(op, params, e.lab.Latency(), e.s.host); d > 0 {
		e.s.stats.add(func(st *Stats) { st.HostWait += d })
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
	fields := map[string]*time.Duration{}
	for _, f := range LatencyFigures {
		fields[f.Name] = f.Field(&lat)
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

// LatencyFigure is one figure of the model that --latency's overrides (and
// PUT /v1/latency) may set, by its flag name.
type LatencyFigure struct {
	Name  string
	Usage string
	Field func(*Latency) *time.Duration
}

// LatencyFigures is the table of settable figures: winfs-lab serve's
// flags, ParseLatency and the admin API's latency answer all read it.
var LatencyFigures = []LatencyFigure{
	{"rtt", "network round trip, before every WinRM HTTP answer, array CLI answer and DNS answer (e.g. 2ms)", func(l *Latency) *time.Duration { return &l.RTT }},
	{"process-start", "powershell.exe start (e.g. 400ms)", func(l *Latency) *time.Duration { return &l.ProcessStart }},
	{"rescan", "storage rescan on a host (e.g. 1.5s)", func(l *Latency) *time.Duration { return &l.Rescan }},
	{"full-check-base", "chkdsk /F /X of a volume, beyond its per-TB and per-file parts (e.g. 500ms)", func(l *Latency) *time.Duration { return &l.FullCheckBase }},
	{"full-check-per-tb", "chkdsk /F /X, per TB of volume (e.g. 10s)", func(l *Latency) *time.Duration { return &l.FullCheckPerTB }},
	{"check-per-million-files", "chkdsk /F /X and the online scan, per million files (e.g. 15s)", func(l *Latency) *time.Duration { return &l.CheckPerMillionFiles }},
	{"spot-fix", "Repair-Volume -SpotFix of a volume (e.g. 1s)", func(l *Latency) *time.Duration { return &l.SpotFix }},
	{"volume-arrival", "volumes surfacing after a disk comes online (e.g. 500ms)", func(l *Latency) *time.Duration { return &l.VolumeArrival }},
	{"array-command", "the array's work on every CLI command (e.g. 150ms)", func(l *Latency) *time.Duration { return &l.ArrayCommand }},
	{"dns-update", "applying a DNS update (e.g. 20ms)", func(l *Latency) *time.Duration { return &l.DNSUpdate }},
	{"dad", "duplicate address detection of a new IPv4 address (e.g. 3s)", func(l *Latency) *time.Duration { return &l.DAD }},
}
