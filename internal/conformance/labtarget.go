package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// LabLocales are the display languages the lab can run its hosts in: the
// lab's own list, so a language it learns is run by the suite too.
var LabLocales = secdesc.Locales

// SpareSerial is the serial of the spare LUN the lab target presents to
// the server under test, as an administrator would for a real run.
const SpareSerial = "WFSCONFSPARE"

// LabOptions choose the lab a run starts.
type LabOptions struct {
	Scenario string // a built-in name or a JSON file (lab.LoadScenario)
	Locale   string // one of LabLocales; "" is en-US
	Server   string // the host under test; "" is the scenario's first
}

// LabTarget is a running lab and everything a run against it needs.
type LabTarget struct {
	Lab    *lab.Lab
	Config Config // Client, Host, DiskSerial and DNSZone set
}

// CheckLocale refuses a locale the lab cannot run.
func CheckLocale(locale string) error {
	if locale == "" || slices.Contains(LabLocales, locale) {
		return nil
	}
	return fmt.Errorf("unsupported locale %q: the lab runs %s", locale, strings.Join(LabLocales, ", "))
}

// StartLab starts the lab with a spare disk presented to the server under
// test, and the provider's client for that server over WinRM HTTPS.
func StartLab(o LabOptions) (*LabTarget, error) {
	if err := CheckLocale(o.Locale); err != nil {
		return nil, err
	}
	sc, err := lab.LoadScenario(o.Scenario)
	if err != nil {
		return nil, err
	}
	server := o.Server
	if server == "" {
		server = sc.Servers[0]
	}
	if !slices.Contains(sc.Servers, server) {
		return nil, fmt.Errorf("server %q is not in scenario %s (%s)", server, sc.Name, strings.Join(sc.Servers, ", "))
	}
	if err := addSpare(&sc, server); err != nil {
		return nil, err
	}
	l, err := lab.Start(lab.Options{Scenario: sc, Locale: o.Locale})
	if err != nil {
		return nil, err
	}
	// The administrator presented the spare LUN and the server has seen it.
	l.Host(server).Rescan()
	_, httpsPort, _ := l.Ports(server)
	ep := windows.Endpoint{Host: "127.0.0.1", Port: httpsPort, HTTPS: true,
		CACertPEM: l.CACertPEM(), TLSServerName: server, Auth: "ntlm", Username: l.Username(), Password: l.Password(), Timeout: time.Minute}
	starter, err := windows.NewWinRMStarter(server, ep)
	if err != nil {
		l.Close()
		return nil, err
	}
	c, err := NewClient(server, starter)
	if err != nil {
		l.Close()
		return nil, err
	}
	cfg := Config{Target: fmt.Sprintf("lab %s (scenario %s, %s)", server, sc.Name, localeOr(o.Locale)), Client: c,
		Host: labHost{l.Host(server)}, DiskSerial: SpareSerial, Endpoint: &ep, Directory: true}
	if sc.DNSServers == nil || slices.Contains(sc.DNSServers, server) {
		cfg.DNSZone = strings.TrimSuffix(lab.DNSZone, ".")
	}
	cfg.DFSServer = server
	// An address of the servers' subnet that nothing on the lab's LAN has.
	cfg.SpareAddress, cfg.Interface = "192.168.0.77/24", lab.InterfaceAlias
	return &LabTarget{Lab: l, Config: cfg}, nil
}

// Close ends the client and the lab.
func (t *LabTarget) Close() {
	_ = t.Config.Client.Close()
	t.Lab.Close()
}

func localeOr(l string) string {
	if l == "" {
		return "en-US"
	}
	return l
}

// addSpare adds a 1 GiB LUN mapped to server's igroup at a free LUN id.
func addSpare(sc *lab.Scenario, server string) error {
	san := lab.SANSeed{}
	if sc.SAN != nil {
		san = *sc.SAN
	}
	if len(san.IGroups) == 0 {
		for _, s := range sc.Servers {
			san.IGroups = append(san.IGroups, array.IGroup{Name: s, Host: s, Initiators: []string{"iqn.1991-05.com.microsoft:" + s + ".corp.example.com"}})
		}
	}
	group := ""
	for _, g := range san.IGroups {
		if g.Host == server {
			group = g.Name
		}
	}
	if group == "" {
		return fmt.Errorf("scenario %s has no igroup for %s", sc.Name, server)
	}
	id := 0
	for _, m := range san.Mappings {
		if m.IGroup == group && m.ID >= id {
			id = m.ID + 1
		}
	}
	lun := array.LUN{Path: "/vol/vol1/winfs_conformance", Serial: SpareSerial, Size: 1 << 30}
	san.LUNs = append(slices.Clone(san.LUNs), lun)
	san.Mappings = append(slices.Clone(san.Mappings), array.Mapping{LUN: lun.Path, IGroup: group, ID: id})
	sc.SAN = &san
	return nil
}

// labHost makes folders on the lab host's C: as an administrator would.
// The lab has no scratch key or folders to remove beyond what the
// contract removes: it is thrown away after the run.
type labHost struct{ h *winhost.Host }

func (l labHost) MakeFolders(_ context.Context, paths []string) error {
	for _, p := range paths {
		if err := l.h.MakeFolder(p); err != nil {
			return err
		}
	}
	return nil
}

func (labHost) RemoveScratch(context.Context, string) error { return nil }
