package lab

import (
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/lundata"
)

// SANSeed is the array part of a scenario: LUNs, one igroup per host and
// the mappings the estate starts with.
type SANSeed struct {
	LUNs     []array.LUN     `json:"luns"`
	IGroups  []array.IGroup  `json:"igroups"`
	Mappings []array.Mapping `json:"mappings"`
}

// defaultSAN is the initial estate's storage: the two data LUNs (X: and Y:) mapped to
// the active server, server1.
func defaultSAN(servers []string) SANSeed {
	sd := SANSeed{
		LUNs: []array.LUN{
			{Path: "/vol/vol1/files_x", Serial: "P3OoG4WVLmC0", Size: 100 << 30},
			{Path: "/vol/vol1/files_y", Serial: "P3OoG4WVLmC1", Size: 50 << 30},
		},
		Mappings: []array.Mapping{
			{LUN: "/vol/vol1/files_x", IGroup: "server1", ID: 0},
			{LUN: "/vol/vol1/files_y", IGroup: "server1", ID: 1},
		},
	}
	sd.IGroups = igroupsFor(servers)
	return sd
}

// igroupsFor is one igroup per host, named after it, holding its IQN.
func igroupsFor(servers []string) []array.IGroup {
	var out []array.IGroup
	for _, s := range servers {
		out = append(out, array.IGroup{Name: s, Host: s, Initiators: []string{"iqn.1991-05.com.microsoft:" + s + ".corp.example.com"}})
	}
	return out
}

func (l *Lab) startArray(sd SANSeed) error {
	a := array.New(array.Config{Hostname: "filer1", Username: l.opts.SANUsername, Password: l.opts.SANPassword, Timeline: l.Timeline})
	for _, g := range sd.IGroups {
		a.AddIGroup(g)
	}
	for _, lun := range sd.LUNs {
		a.AddLUN(lun)
	}
	for _, m := range sd.Mappings {
		if _, err := a.Map(m.LUN, m.IGroup, m.ID); err != nil {
			return fmt.Errorf("scenario: mapping %s to %s: %w", m.LUN, m.IGroup, err)
		}
	}
	addr, err := a.Listen("127.0.0.1:0", l.opts.SANDialect)
	if err != nil {
		return fmt.Errorf("lab array: %w", err)
	}
	// SSH serves the same array: the ONTAP 9 clustershell next to the
	// 7-mode telnet CLI, or the MSA CLI on both.
	sshAddr, err := a.ListenSSH("127.0.0.1:0", l.SANSSHDialect())
	if err != nil {
		a.Close()
		return fmt.Errorf("lab array over SSH: %w", err)
	}
	l.sanSSHPort = sshAddr.(*net.TCPAddr).Port
	l.array = a
	// Hosts see the array's LUNs through their rescans; the LUNs' contents
	// live in one store all hosts share.
	l.lunData = lundata.New()
	for _, s := range l.servers {
		s.host.AttachStorage(a, l.lunData)
		s.host.Subscribe(a)
	}
	l.sanPort = addr.(*net.TCPAddr).Port
	l.closeFns = append(l.closeFns, a.Close)
	return nil
}

// LUNData is what is written on the LUNs, shared by every host.
func (l *Lab) LUNData() *lundata.Store { return l.lunData }

// Array is the lab's SAN array (state, faults and the disk-visibility hook).
func (l *Lab) Array() *array.Array { return l.array }

// SANAddress is the array's telnet address, 127.0.0.1:port.
func (l *Lab) SANAddress() string { return fmt.Sprintf("127.0.0.1:%d", l.sanPort) }

// SANSSHAddress is the array's SSH address, 127.0.0.1:port.
func (l *Lab) SANSSHAddress() string { return fmt.Sprintf("127.0.0.1:%d", l.sanSSHPort) }

// SANSSHDialect is the CLI the array speaks over SSH: ontap (the ONTAP 9
// clustershell) when telnet speaks ontap7, msa when telnet speaks msa.
func (l *Lab) SANSSHDialect() string {
	if l.opts.SANDialect == array.DialectMSA {
		return array.DialectMSA
	}
	return array.DialectONTAP
}

// SANHostKey is the array's SSH host key as an authorized_keys line.
func (l *Lab) SANHostKey() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(l.array.HostKey())))
}

// SANVserver is the SVM of the array's clustershell.
func (l *Lab) SANVserver() string { return l.array.Vserver() }

// SANUsername and SANPassword are the array's login.
func (l *Lab) SANUsername() string { return l.opts.SANUsername }
func (l *Lab) SANPassword() string { return l.opts.SANPassword }

// SANDialect is the CLI the array speaks: ontap7 or msa.
func (l *Lab) SANDialect() string { return l.opts.SANDialect }

// lunMappedOnce: a LUN mapped to two initiator groups at once lets two
// hosts write the same NTFS volume.
func lunMappedOnce(l *Lab) []Violation {
	if l.array == nil {
		return nil
	}
	return heldTwice(OneHostPerLUN, l.array.DoubleMapped(), func(lun, igroups string) string {
		return fmt.Sprintf("LUN %s is mapped to initiator groups %s at once", lun, igroups)
	})
}
