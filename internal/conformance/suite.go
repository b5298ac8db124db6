// Package conformance is one suite of cases that holds any Windows host
// speaking the agent contract (internal/agent) to the same expectations:
// the lab's emulation and a real Windows Server alike. Every case goes
// through the provider's own client (internal/windows, persistent
// transport) and checks the answer; nothing in a case depends on which
// target it runs against.
//
// The suite only touches what it creates: values under ScratchKey, folders
// under the scratch directory, shares whose names start with SharePrefix,
// aliases in a scratch DNS zone, and a spare disk named by its serial. It
// removes them at the start (a previous run may have been interrupted) and
// at the end.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// The names of what the suite creates on a host.
const (
	ScratchHive = "HKLM"
	ScratchKey  = `SOFTWARE\winfs-conformance`
	// ScratchDirName is what the scratch directory's own name must start
	// with: it is removed with everything below it.
	ScratchDirName    = "winfs-conformance"
	DefaultScratchDir = `C:\ProgramData\winfs-conformance`
	SharePrefix       = "winfs-conformance-"
	DNSPrefix         = "winfs-conformance-"
)

// Needs says what a case needs beyond a server.
type Needs int

const (
	// NeedsServer: read-only cases and writes confined to the scratch key,
	// folders and shares. They always run.
	NeedsServer Needs = iota
	// NeedsDisk: cases that change a disk; they run on the spare disk only.
	NeedsDisk
	// NeedsDNS: cases that change a DNS zone; they run in the scratch zone only.
	NeedsDNS
	// NeedsDirectory: cases that add and remove a scratch SPN on the
	// server's own computer account; they run only when asked (--directory).
	NeedsDirectory
	// NeedsDFS: cases that make a standalone DFS namespace of their own
	// on the server named by DFSServer.
	NeedsDFS
	// NeedsAddress: cases that add the spare address to Interface and
	// remove it.
	NeedsAddress
)

// Case is one expectation about one operation of the contract.
type Case struct {
	Op    string // the operation's wire name (agent.Ops)
	Name  string // what is checked, unique within the suite
	Needs Needs
	Run   func(ctx context.Context, r *Run) error
}

// Host is what the suite needs from a target beyond the agent contract,
// which has no operation to create a folder or remove a registry key.
type Host interface {
	// MakeFolders creates the folders (with their parents) if missing.
	MakeFolders(ctx context.Context, paths []string) error
	// RemoveScratch removes the scratch directory with its content and the
	// scratch registry key with its values.
	RemoveScratch(ctx context.Context, dir string) error
}

// Config is one run of the suite against one target.
type Config struct {
	Target     string // described in the report, e.g. "lab (default, en-US)" or "https://fs1:5986"
	Client     *windows.Client
	Host       Host
	ScratchDir string // default DefaultScratchDir
	DiskSerial string // the spare disk; "" skips the cases that change a disk
	DNSZone    string // the scratch zone; "" skips the DNS cases
	// Directory allows the cases that add a scratch SPN (ScratchSPNClass/
	// <computer>) to the server's own computer account and remove it.
	Directory bool
	DFSServer string // the server's host name for its scratch DFS namespace; "" skips the DFS cases
	// SpareAddress (address/prefix length, e.g. 192.168.0.77/24) is an
	// address of Interface's subnet that no host uses; "" skips the cases
	// that add and remove it.
	SpareAddress string
	Interface    string // the network adapter's name, e.g. Ethernet
	// Endpoint reaches the server's WinRM listener directly, for the case
	// that starts the loader with a console stdin; nil skips it.
	Endpoint *windows.Endpoint
	// Wait bounds the cases that wait for Windows to catch up (a volume
	// appearing after its disk comes online); default 60 seconds.
	Wait time.Duration
	// Progress, when set, receives each result line as the case ends.
	Progress io.Writer
}

// Run is the state of one run, shared by its cases in order.
type Run struct {
	Config
	C *windows.Client

	// The spare disk: whether it was offline at the start (restored at the
	// end) and its data volume once online.
	diskWasOffline bool
	diskSeen       bool
	volumeGUID     string
}

// Status of a case.
const (
	Pass = "PASS"
	Fail = "FAIL"
	Skip = "SKIP"
)

// Result is one case's outcome.
type Result struct {
	Op         string `json:"op"`
	Case       string `json:"case"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Report is a whole run: --json writes it as is.
type Report struct {
	Target     string   `json:"target"`
	Operations int      `json:"operations"`
	Cases      int      `json:"cases"`
	Passed     int      `json:"passed"`
	Failed     int      `json:"failed"`
	Skipped    int      `json:"skipped"`
	DurationMS int64    `json:"duration_ms"`
	Setup      string   `json:"setup_error,omitempty"`
	Cleanup    string   `json:"cleanup_error,omitempty"`
	Results    []Result `json:"results"`
}

// OK says whether nothing failed.
func (r Report) OK() bool { return r.Failed == 0 && r.Setup == "" && r.Cleanup == "" }

// Summary is the closing line.
func (r Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped (%d cases over %d operations, %.1fs)",
		r.Passed, r.Failed, r.Skipped, r.Cases, r.Operations, float64(r.DurationMS)/1000)
}

// Line is one result as printed.
func (res Result) Line() string {
	line := fmt.Sprintf("%s  %-22s %s", res.Status, res.Op, res.Case)
	if res.Reason != "" {
		line += ": " + res.Reason
	}
	return line
}

// skipped is a case that cannot run here; its text is the reason.
type skipped string

func (s skipped) Error() string { return string(s) }

// Execute runs every case of Cases against the target and cleans up.
func Execute(ctx context.Context, cfg Config) Report {
	if cfg.ScratchDir == "" {
		cfg.ScratchDir = DefaultScratchDir
	}
	if cfg.Wait == 0 {
		cfg.Wait = 60 * time.Second
	}
	began := time.Now()
	r := &Run{Config: cfg, C: cfg.Client}
	rep := Report{Target: cfg.Target, Operations: len(agent.Ops), Cases: len(Cases)}
	if err := r.setUp(ctx); err != nil {
		rep.Setup = err.Error()
	}
	for _, c := range Cases {
		res := Result{Op: c.Op, Case: c.Name}
		start := time.Now()
		switch {
		case rep.Setup != "":
			res.Status, res.Reason = Skip, "setup failed"
		case c.Needs == NeedsDisk && cfg.DiskSerial == "":
			res.Status, res.Reason = Skip, "no spare disk given (--disk-serial)"
		case c.Needs == NeedsDNS && cfg.DNSZone == "":
			res.Status, res.Reason = Skip, "no scratch DNS zone given (--dns-zone)"
		case c.Needs == NeedsDirectory && !cfg.Directory:
			res.Status, res.Reason = Skip, "directory changes not allowed (--directory)"
		case c.Needs == NeedsDFS && cfg.DFSServer == "":
			res.Status, res.Reason = Skip, "no DFS namespace server given (--dfs-server)"
		case c.Needs == NeedsAddress && cfg.SpareAddress == "":
			res.Status, res.Reason = Skip, "no spare address given (--spare-address, --interface)"
		default:
			res.Status, res.Reason = r.runCase(ctx, c)
		}
		res.DurationMS = time.Since(start).Milliseconds()
		switch res.Status {
		case Pass:
			rep.Passed++
		case Fail:
			rep.Failed++
		default:
			rep.Skipped++
		}
		rep.Results = append(rep.Results, res)
		if cfg.Progress != nil {
			fmt.Fprintln(cfg.Progress, res.Line())
		}
	}
	for _, op := range Uncovered(Cases) {
		res := Result{Op: op, Case: "has a conformance case", Status: Fail, Reason: "no case checks this operation of the contract: add one to internal/conformance"}
		rep.Results = append(rep.Results, res)
		rep.Cases++
		rep.Failed++
		if cfg.Progress != nil {
			fmt.Fprintln(cfg.Progress, res.Line())
		}
	}
	if err := r.cleanUp(ctx); err != nil {
		rep.Cleanup = err.Error()
	}
	rep.DurationMS = time.Since(began).Milliseconds()
	return rep
}

// caseTimeout bounds one case, waits included.
const caseTimeout = 3 * time.Minute

func (r *Run) runCase(ctx context.Context, c Case) (status, reason string) {
	ctx, cancel := context.WithTimeout(ctx, caseTimeout+r.Wait)
	defer cancel()
	err := c.Run(ctx, r)
	var s skipped
	switch {
	case err == nil:
		return Pass, ""
	case errors.As(err, &s):
		return Skip, s.Error()
	}
	return Fail, oneLine(err.Error())
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// setUp removes what an interrupted run left and creates the scratch folders.
func (r *Run) setUp(ctx context.Context) error {
	if err := r.removeLeftovers(ctx); err != nil {
		return fmt.Errorf("removing what a previous run left: %w", err)
	}
	if err := r.Host.MakeFolders(ctx, r.folders()); err != nil {
		return fmt.Errorf("creating the scratch folders under %s: %w", r.ScratchDir, err)
	}
	return nil
}

// cleanUp puts the spare disk back as it was and removes everything created.
func (r *Run) cleanUp(ctx context.Context) error {
	var errs []error
	if r.DiskSerial != "" && r.diskSeen {
		errs = append(errs, r.restoreDisk(ctx))
	}
	errs = append(errs, r.removeLeftovers(ctx))
	return errors.Join(errs...)
}

// removeLeftovers removes the suite's shares, aliases, mounts and scratch
// key and folders, whatever state a run left them in.
func (r *Run) removeLeftovers(ctx context.Context) error {
	var errs []error
	if r.DFSServer != "" { // before the shares it stands on
		_, err := r.C.DFSNamespaceRemove(ctx, r.dfsRoot())
		errs = append(errs, err)
		_, err = r.C.DFSRGroupRemove(ctx, dfsrGroup)
		errs = append(errs, err)
	}
	list, err := r.C.ShareList(ctx, []string{r.ScratchDir})
	errs = append(errs, err)
	for _, s := range list.Shares {
		if strings.HasPrefix(strings.ToLower(s.Name), SharePrefix) {
			_, err := r.C.ShareRemove(ctx, agent.ShareRemoveParams{Name: s.Name, Scope: []string{r.ScratchDir}})
			errs = append(errs, err)
		}
	}
	if r.DNSZone != "" {
		for _, name := range dnsNames {
			_, err := r.C.DNSCNAMEDelete(ctx, agent.DNSNameRef{Zone: r.DNSZone, Name: name})
			errs = append(errs, err)
		}
	}
	if r.Directory {
		if me, err := r.ownComputer(ctx); err == nil {
			_, err = r.C.ADSPNMove(ctx, agent.ADSPNMoveParams{SPNs: []string{ScratchSPNClass + "/" + strings.ToLower(me)}, Release: []string{me}})
			var absent skipped
			if !errors.As(adAbsent(err), &absent) {
				errs = append(errs, err)
			}
		} else {
			errs = append(errs, err)
		}
	}
	if r.SpareAddress != "" {
		_, err := r.C.AddressRemove(ctx, r.spareParams().Address)
		errs = append(errs, err)
	}
	errs = append(errs, r.dismountScratch(ctx))
	values, err := r.C.RegistryList(ctx, agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey})
	errs = append(errs, err)
	for name := range values.Values {
		_, err := r.C.RegistryDelete(ctx, agent.RegistryDeleteParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: ScratchHive, Key: ScratchKey}, Name: name})
		errs = append(errs, err)
	}
	errs = append(errs, r.Host.RemoveScratch(ctx, r.ScratchDir))
	return errors.Join(errs...)
}

// The scratch folders: shares point at them, and the spare volume is
// mounted at one.
func (r *Run) folders() []string {
	return []string{r.path("share"), r.path(awkwardFolder), r.path("other"), r.path("mount")}
}

func (r *Run) path(name string) string { return r.ScratchDir + `\` + name }

// scope is the share scope of every share case.
func (r *Run) scope() []string { return []string{r.ScratchDir} }

// Uncovered lists the operations of agent.Ops that no case checks beyond
// the strict-params case every operation gets.
func Uncovered(cases []Case) []string {
	covered := map[string]bool{}
	for _, c := range cases {
		if c.Name != StrictParamsCase {
			covered[c.Op] = true
		}
	}
	var out []string
	for _, o := range agent.Ops {
		if name := o.Describe().Name; !covered[name] {
			out = append(out, name)
		}
	}
	return out
}
