package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// A new operation of the contract without a case fails here, and fails
// every run of the suite: one case beyond the strict-params case generated
// for every operation.
func TestEveryOperationHasACase(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Cases {
		if _, ok := agent.Lookup(c.Op); !ok {
			t.Errorf("case %q is for %q, which is not an operation of agent.Ops", c.Name, c.Op)
		}
		key := c.Op + " " + c.Name
		if names[key] {
			t.Errorf("case %q of %s twice", c.Name, c.Op)
		}
		names[key] = true
	}
	if ops := Uncovered(Cases); len(ops) != 0 {
		t.Errorf("operations without a conformance case of their own: %v", ops)
	}
	// Without the registry cases, those operations are reported.
	var rest []Case
	for _, c := range Cases {
		if !strings.HasPrefix(c.Op, "registry.") || c.Name == StrictParamsCase {
			rest = append(rest, c)
		}
	}
	if got := Uncovered(rest); strings.Join(got, ",") != "registry.get,registry.set,registry.delete,registry.list" {
		t.Errorf("Uncovered without the registry cases: %v", got)
	}
}

// The lab passes the whole suite, every case run (none skipped): the lab
// target gives a spare disk and a scratch zone. Once per lab locale.
func TestLabPassesTheSuite(t *testing.T) {
	for _, locale := range LabLocales {
		t.Run(locale, func(t *testing.T) {
			acctest.RequireAcc(t)
			t.Parallel()
			target, err := StartLab(LabOptions{Locale: locale})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rep := Execute(ctx, target.Config)
			for _, res := range rep.Results {
				if res.Status != Pass {
					t.Error(res.Line())
				}
			}
			if !rep.OK() {
				t.Errorf("setup %q, cleanup %q", rep.Setup, rep.Cleanup)
			}
			if rep.Passed != len(Cases) || rep.Cases != len(Cases) || rep.Operations != len(agent.Ops) {
				t.Errorf("report: %s", rep.Summary())
			}
			// The run left nothing behind: no scratch share, value or alias.
			h := target.Lab.Host(target.Config.Client.Name())
			for _, s := range h.Shares() {
				if strings.HasPrefix(s.Name, SharePrefix) {
					t.Errorf("share %s left behind", s.Name)
				}
			}
			for _, a := range h.Addresses() {
				if a.SkipAsSource {
					t.Errorf("address %s left behind", a.Address)
				}
			}
		})
	}
}

func TestUnsupportedLocaleIsRefused(t *testing.T) {
	err := CheckLocale("xx-XX")
	if err == nil || !strings.Contains(err.Error(), "unsupported locale") {
		t.Fatalf("got %v", err)
	}
	if _, err := StartLab(LabOptions{Locale: "xx-XX"}); err == nil || !strings.Contains(err.Error(), "unsupported locale") {
		t.Fatalf("StartLab: %v", err)
	}
}

func TestPSQuote(t *testing.T) {
	for in, want := range map[string]string{
		`C:\a`:         `'C:\a'`,
		`d'équipe $x`:  `'d''équipe $x'`,
		"a\u2019b`\"c": "'a\u2019\u2019b`\"c'",
	} {
		if got := psQuote(in); got != want {
			t.Errorf("psQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainErrors(t *testing.T) {
	in := `#< CLIXML <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">Access to the path &apos;C:\x&apos; is denied._x000D__x000A_</S></Objs>`
	if got, want := plainErrors(in), `Access to the path 'C:\x' is denied.`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

type disks []agent.Disk

func (d disks) DiskList(context.Context, string) ([]agent.Disk, error) { return d, nil }

// The spare disk check refuses the system disk, a disk with a mounted
// volume, and a serial that names no disk or several.
func TestPreflight(t *testing.T) {
	ctx := context.Background()
	spare := agent.Disk{Number: 3, SerialNumber: "S", Partitions: []agent.Partition{{Number: 1, Type: agent.PartitionReserved}, {Number: 2, Type: agent.PartitionBasic, VolumeGUID: "g"}}}
	if err := Preflight(ctx, disks{spare}, "S"); err != nil {
		t.Fatalf("a spare disk: %v", err)
	}
	system := agent.Disk{Number: 0, Partitions: []agent.Partition{{Number: 1, Type: "System"}, {Number: 3, Type: agent.PartitionBasic, AccessPaths: []string{`C:\`}}}}
	mounted := agent.Disk{Number: 4, Partitions: []agent.Partition{{Number: 2, Type: agent.PartitionBasic, AccessPaths: []string{`E:\`}}}}
	for name, tc := range map[string]struct {
		d    disks
		want string
	}{
		"system":  {disks{system}, "holds the system"},
		"mounted": {disks{mounted}, "mounted volume (E:\\)"},
		"none":    {disks{}, "0 disks"},
		"two":     {disks{spare, spare}, "2 disks"},
	} {
		if err := Preflight(ctx, tc.d, "S"); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--disk-serial") {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
