package lab

import (
	"encoding/json"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// ReadyFile is what `winfs-lab serve --ready-file` writes once everything
// listens: where each service is and how to log in.
type ReadyFile struct {
	AdminURL string                 `json:"admin_url"`
	Scenario string                 `json:"scenario"`
	Latency  string                 `json:"latency"`
	Servers  map[string]ReadyServer `json:"servers"`
	WinRM    ReadyWinRM             `json:"winrm"`
	DNS      ReadyDNS               `json:"dns"`
	SAN      ReadySAN               `json:"san"`
	// Kerberos is set when the lab runs a KDC (winfs-lab serve --kerberos).
	Kerberos *ReadyKerberos `json:"kerberos,omitempty"`
}

// ReadyKerberos is the lab's realm: its KDC, a krb5.conf naming it, and
// the service principals of each host's WinRM listener. The WinRM account
// is a user principal of the realm with the same password.
type ReadyKerberos struct {
	Realm    string              `json:"realm"`
	KDC      string              `json:"kdc"` // 127.0.0.1:port, UDP and TCP
	Krb5Conf string              `json:"krb5_conf"`
	SPNs     map[string][]string `json:"spns"`
}

// ReadyDNS is the lab's authoritative DNS server and the TSIG key it
// accepts updates with.
type ReadyDNS struct {
	Server string    `json:"server"` // 127.0.0.1:port, UDP and TCP
	Zone   string    `json:"zone"`
	TSIG   ReadyTSIG `json:"tsig"`
	// WindowsServers run the Windows DNS role for the same zone.
	WindowsServers []string `json:"windows_servers"`
}

// ReadyTSIG is a TSIG key as BIND declares it.
type ReadyTSIG struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Secret    string `json:"secret"`
}

// ReadySAN is the array's CLI. Address and Dialect are telnet: ontap7
// (the provider's default dialect) or msa (drive it with the provider's
// generic dialect). SSHAddress serves SSHDialect: ontap (the ONTAP 9
// clustershell, in SVM Vserver) or msa, with the host key HostKey
// (authorized_keys form) whose fingerprint is HostKeyFingerprint.
type ReadySAN struct {
	Address            string `json:"address"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	Dialect            string `json:"dialect"`
	SSHAddress         string `json:"ssh_address"`
	SSHDialect         string `json:"ssh_dialect"`
	Vserver            string `json:"vserver"`
	HostKey            string `json:"host_key"`
	HostKeyFingerprint string `json:"host_key_fingerprint"`
}

// ReadyServer is one host's WinRM endpoint.
type ReadyServer struct {
	Address   string `json:"address"`
	HTTPPort  int    `json:"http_port"`
	HTTPSPort int    `json:"https_port"`
}

// ReadyWinRM holds the lab account and the CA of its HTTPS listeners.
type ReadyWinRM struct {
	Username          string `json:"username"`
	Password          string `json:"password"`
	CACertificateFile string `json:"ca_certificate_file"`
}

// Ready describes the running lab. caFile is where the CA PEM was written.
func (l *Lab) Ready(caFile string) ReadyFile {
	rf := ReadyFile{
		AdminURL: l.AdminURL(),
		Scenario: l.opts.Scenario.Name,
		Latency:  l.Latency().Name,
		Servers:  map[string]ReadyServer{},
		WinRM:    ReadyWinRM{Username: l.opts.Username, Password: l.opts.Password, CACertificateFile: caFile},
		SAN: ReadySAN{Address: l.SANAddress(), Username: l.opts.SANUsername, Password: l.opts.SANPassword, Dialect: l.opts.SANDialect,
			SSHAddress: l.SANSSHAddress(), SSHDialect: l.SANSSHDialect(), Vserver: l.SANVserver(),
			HostKey: l.SANHostKey(), HostKeyFingerprint: ssh.FingerprintSHA256(l.array.HostKey())},
	}
	rf.DNS = ReadyDNS{Server: l.DNSAddr(), Zone: DNSZone, TSIG: l.DNSKey(), WindowsServers: []string{}}
	for _, name := range l.ServerNames() {
		if l.Host(name).HasDNSRole() {
			rf.DNS.WindowsServers = append(rf.DNS.WindowsServers, name)
		}
	}
	for name, s := range l.servers {
		rf.Servers[name] = ReadyServer{Address: "127.0.0.1", HTTPPort: s.httpPort, HTTPSPort: s.httpsPort}
	}
	if l.krb != nil {
		rf.Kerberos = &ReadyKerberos{Realm: KerberosRealm, KDC: l.KerberosKDC(), Krb5Conf: l.KerberosKrb5Conf(), SPNs: map[string][]string{}}
		for name := range l.servers {
			rf.Kerberos.SPNs[name] = HostSPNs(name)
		}
	}
	return rf
}

// WriteReadyFile writes the CA next to path and then path itself, atomically
// (rename), so a watcher never reads half a file. The file holds the lab
// password, so it is private to the user.
func (l *Lab) WriteReadyFile(path string) error {
	caFile := filepath.Join(filepath.Dir(path), "winfs-lab-ca.pem")
	if err := os.WriteFile(caFile, l.CACertPEM(), 0o644); err != nil {
		return err
	}
	abs, err := filepath.Abs(caFile)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(l.Ready(abs), "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Variables are the Terraform variables the examples take, pointing at
// this lab (examples/hardening uses the first four; examples/failover all).
// withSAN and withDNS add the array's and the DNS server's.
func (rf ReadyFile) Variables(withSAN, withDNS bool) map[string]any {
	servers := map[string]any{}
	for name, s := range rf.Servers {
		server := map[string]any{"address": s.Address, "port": s.HTTPSPort}
		if rf.Kerberos != nil {
			// The address is 127.0.0.1: name the host's principal.
			server["spn"] = rf.Kerberos.SPNs[name][len(rf.Kerberos.SPNs[name])-1]
		}
		servers[name] = server
	}
	out := map[string]any{
		"servers":                   servers,
		"winrm_username":            rf.WinRM.Username,
		"winrm_password":            rf.WinRM.Password,
		"winrm_ca_certificate_file": rf.WinRM.CACertificateFile,
	}
	if rf.Kerberos != nil {
		out["winrm_auth"] = "kerberos"
		out["winrm_kerberos"] = map[string]any{"realm": rf.Kerberos.Realm, "kdcs": []string{rf.Kerberos.KDC}}
	}
	if withSAN {
		// The array over SSH, as the docs recommend; TelnetVariables has
		// the legacy path.
		out["san_address"], out["san_username"], out["san_password"] = rf.SAN.SSHAddress, rf.SAN.Username, rf.SAN.Password
		out["san_transport"], out["san_dialect"], out["san_host_key"] = "ssh", rf.SAN.SSHDialect, rf.SAN.HostKey
		if rf.SAN.SSHDialect == "ontap" {
			out["san_vserver"] = rf.SAN.Vserver
		}
	}
	if withDNS {
		out["dns_server"], out["dns_tsig_key_name"], out["dns_tsig_algorithm"], out["dns_tsig_secret"] = rf.DNS.Server, rf.DNS.TSIG.Name, rf.DNS.TSIG.Algorithm, rf.DNS.TSIG.Secret
	}
	return out
}

// TelnetVariables override the SAN variables of Variables to reach the
// array over telnet instead.
func (rf ReadyFile) TelnetVariables() map[string]any {
	return map[string]any{"san_address": rf.SAN.Address, "san_transport": "telnet", "san_dialect": rf.SAN.Dialect, "san_vserver": nil, "san_host_key": nil}
}
