package windows_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/kdc"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
	labwinrm "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

const (
	realm = "CORP.EXAMPLE.COM"
	spn   = "HTTP/server1.corp.example.com"
)

// kerberosLab is a real KDC and the lab listener joined to its realm, with
// a clock that can be skewed.
type kerberosLab struct {
	kdc  *kdc.KDC
	host *winhost.Host
	ep   windows.Endpoint
	skew *atomic.Int64
	dir  string
}

func startKerberosLab(t *testing.T) *kerberosLab {
	t.Helper()
	k := kdc.StartForTest(t, realm)
	if err := k.AddUser("Administrator", secret); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kt := k.ServiceKeytabForTest(t, spn)
	skew := new(atomic.Int64)
	_, host, ep, _ := startLabWinRMWith(t, func(c *labwinrm.Config) {
		c.DisableNTLM, c.DisableBasic = true, true // a host that only allows Kerberos
		c.Kerberos = &labwinrm.Kerberos{Keytab: kt, Clock: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}
	})
	kl := &kerberosLab{kdc: k, host: host, skew: skew, dir: dir}
	ep.Auth = "kerberos"
	ep.Kerberos = &windows.Kerberos{Realm: realm, KDCs: []string{k.Addr}, SPN: spn}
	kl.ep = ep
	return kl
}

func kerberosFailure(t *testing.T, ep windows.Endpoint) *windows.KerberosError {
	t.Helper()
	st, err := windows.NewWinRMStarter("server1", ep)
	if err != nil {
		t.Fatal(err)
	}
	c := newClientWith(t, st, windows.ModePersistent)
	_, err = c.Hello(testCtx(t))
	var ke *windows.KerberosError
	if !errors.As(err, &ke) {
		t.Fatalf("want a Kerberos error, got %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the error holds the password: %v", err)
	}
	return ke
}

func TestKerberosOverLabWinRM(t *testing.T) {
	t.Parallel()
	kl := startKerberosLab(t)
	for _, mode := range []windows.Mode{windows.ModePersistent, windows.ModePerRequest} {
		st, err := windows.NewWinRMStarter("server1", kl.ep)
		if err != nil {
			t.Fatal(err)
		}
		c := newClientWith(t, st, mode)
		ctx := testCtx(t)
		p := agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyLanmanServerShares},
			Name: "Mode " + string(mode), Value: agent.RegistryValue{Type: agent.RegSZ, Data: "over kerberos"}}
		if err := c.RegistrySet(ctx, p); err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, kl.kdc.Log())
		}
		if got, ok := kl.host.RegistryValue("HKLM", winhost.KeyLanmanServerShares, p.Name); !ok || got.Data != "over kerberos" {
			t.Fatalf("%s: host holds %+v", mode, got)
		}
	}

	t.Run("keytab", func(t *testing.T) {
		ep := kl.ep
		ep.Kerberos = &windows.Kerberos{Realm: realm, KDCs: []string{kl.kdc.Addr}, SPN: spn, Keytab: filepath.Join(kl.dir, "admin.keytab")}
		if err := kl.kdc.Keytab("Administrator", ep.Kerberos.Keytab); err != nil {
			t.Fatal(err)
		}
		ep.Password = ""
		st, err := windows.NewWinRMStarter("server1", ep)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newClientWith(t, st, windows.ModePersistent).Hello(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("krb5.conf", func(t *testing.T) {
		ep := kl.ep
		ep.Kerberos = &windows.Kerberos{Realm: realm, Krb5Conf: kl.kdc.Krb5Conf, SPN: spn}
		st, err := windows.NewWinRMStarter("server1", ep)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newClientWith(t, st, windows.ModePersistent).Hello(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestKerberosFailures(t *testing.T) {
	t.Parallel()
	kl := startKerberosLab(t)
	with := func(f func(ep *windows.Endpoint)) windows.Endpoint {
		ep := kl.ep
		k := *ep.Kerberos
		ep.Kerberos = &k
		f(&ep)
		return ep
	}
	// A principal that exists, but on another account than this host's.
	if err := kl.kdc.AddService("HTTP/server2.corp.example.com", filepath.Join(kl.dir, "server2.keytab")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		ep     windows.Endpoint
		code   int32
		phrase string
	}{
		{"wrong password", with(func(ep *windows.Endpoint) { ep.Password = "not-" + secret }), errorcode.KDC_ERR_PREAUTH_FAILED, "refused the password"},
		{"unknown user", with(func(ep *windows.Endpoint) { ep.Username = "nobody" }), errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "does not know the user nobody@"},
		{"unregistered spn", with(func(ep *windows.Endpoint) { ep.Kerberos.SPN = "HTTP/nowhere.corp.example.com" }), errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, "holds the service principal HTTP/nowhere"},
		{"spn of another host", with(func(ep *windows.Endpoint) { ep.Kerberos.SPN = "HTTP/server2.corp.example.com" }), errorcode.KRB_AP_ERR_MODIFIED, "registered on another account"},
		{"kdc unreachable", with(func(ep *windows.Endpoint) { ep.Kerberos.KDCs = []string{"127.0.0.1:1"} }), 0, "no KDC of CORP.EXAMPLE.COM could be reached at 127.0.0.1:1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ke := kerberosFailure(t, c.ep)
			if ke.Code != c.code || !strings.Contains(ke.Error(), c.phrase) {
				t.Fatalf("want code %d and %q, got %v", c.code, c.phrase, ke)
			}
		})
	}
}

// TestKerberosClockSkew: a host whose clock is 10 minutes ahead refuses the
// authenticator (RFC 4120's and Active Directory's default tolerance is 5
// minutes), and the error says by how much the clocks differ.
func TestKerberosClockSkew(t *testing.T) {
	t.Parallel()
	kl := startKerberosLab(t)
	kl.skew.Store(int64(10 * time.Minute))
	ke := kerberosFailure(t, kl.ep)
	if ke.Code != errorcode.KRB_AP_ERR_SKEW || !strings.Contains(ke.Error(), "10m0s from this machine's") {
		t.Fatalf("got %v", ke)
	}
	kl.skew.Store(int64(4 * time.Minute)) // within tolerance
	st, err := windows.NewWinRMStarter("server1", kl.ep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newClientWith(t, st, windows.ModePersistent).Hello(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}
