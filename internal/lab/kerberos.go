package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/kdc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// KerberosRealm is the lab domain's realm: the DNS zone in upper case, as
// Active Directory names it.
const KerberosRealm = "CORP.EXAMPLE.COM"

// kerberosRealm is the lab's KDC and where its files live.
type kerberosRealm struct {
	kdc *kdc.KDC
	dir string
}

// HostSPNs are the service principals of a host's WinRM listener: the
// short and the fully qualified name, as `setspn -L` lists them for a
// domain member (HTTP is served by the computer account's HOST keys on
// Windows; the lab's KDC gives each its own key).
func HostSPNs(name string) []string {
	return []string{"HTTP/" + name, "HTTP/" + name + "." + strings.TrimSuffix(DNSZone, ".")}
}

// startKerberos starts the realm's KDC with the lab account as a user
// principal; each host then gets its keytab in joinRealm.
func (l *Lab) startKerberos() error {
	dir, err := os.MkdirTemp("", "winfs-lab-kdc-")
	if err != nil {
		return err
	}
	l.closeFns = append(l.closeFns, func() { _ = os.RemoveAll(dir) })
	k, err := kdc.Start(dir, KerberosRealm)
	if err != nil {
		return fmt.Errorf("lab: starting the KDC: %w", err)
	}
	l.closeFns = append(l.closeFns, k.Stop)
	user := l.opts.Username
	if i := strings.LastIndexAny(user, `\`); i >= 0 {
		user = user[i+1:]
	}
	user, _, _ = strings.Cut(user, "@")
	if err := k.AddUser(user, l.opts.Password); err != nil {
		return fmt.Errorf("lab: adding the WinRM account to the realm: %w", err)
	}
	l.krb = &kerberosRealm{kdc: k, dir: dir}
	return nil
}

// joinRealm gives a host its keytab, as joining the domain does, and
// returns what its WinRM listener needs to accept tickets. The host's clock
// is the real one plus the host's skew (fault clock_skew).
func (l *Lab) joinRealm(name string, skew *atomic.Int64) (*winrm.Kerberos, error) {
	path := filepath.Join(l.krb.dir, name+".keytab")
	kt, err := l.krb.kdc.ServiceKeytab(path, HostSPNs(name)...)
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", name, err)
	}
	return &winrm.Kerberos{Keytab: kt, Clock: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}, nil
}

// KerberosKDC is the KDC's address (127.0.0.1:port), "" without Kerberos.
func (l *Lab) KerberosKDC() string {
	if l.krb == nil {
		return ""
	}
	return l.krb.kdc.Addr
}

// KerberosKrb5Conf is a krb5.conf naming the lab's realm and KDC.
func (l *Lab) KerberosKrb5Conf() string {
	if l.krb == nil {
		return ""
	}
	return l.krb.kdc.Krb5Conf
}

// KerberosUserKeytab writes the lab account's keys to a keytab at path
// (for password-less logins) without changing them.
func (l *Lab) KerberosUserKeytab(path string) error {
	if l.krb == nil {
		return fmt.Errorf("lab: Kerberos is off")
	}
	user, _, _ := strings.Cut(l.opts.Username, "@")
	return l.krb.kdc.Keytab(user, path)
}

// injectClockSkew sets how far a server's clock is ahead of the real time
// (negative: behind), as a Windows host whose time source failed. Past 5
// minutes, Windows refuses Kerberos tickets with KRB_AP_ERR_SKEW; NTLM
// does not care.
func injectClockSkew(l *Lab, fr FaultRequest) (string, error) {
	d := time.Duration(fr.SkewSeconds) * time.Second
	l.servers[fr.Server].clockSkew.Store(int64(d))
	return fmt.Sprintf("the host's clock is %s off (Kerberos tolerates %s)", d, winrm.MaxClockSkew), nil
}
