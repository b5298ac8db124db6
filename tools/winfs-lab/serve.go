package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
)

func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	readyFile := fs.String("ready-file", "", "write the endpoints and credentials here (JSON) once everything listens (required)")
	scenario := fs.String("scenario", "default", "built-in scenario name or JSON scenario file")
	latency := fs.String("latency", "none", "latency model: none or realistic; the figures below override it")
	figures := map[string]*string{}
	for _, f := range lab.LatencyFigures {
		figures[f.Name] = fs.String(f.Name, "", f.Usage)
	}
	sanDialect := fs.String("san-dialect", "ontap7", "the array's CLI: ontap7 or msa (drive msa with the provider's generic dialect)")
	locale := fs.String("locale", "en-US", "the Windows servers' display language: en-US, de-DE or fr-FR (localized built-in account names and tool output)")
	kerberos := fs.Bool("kerberos", false, "join the hosts to realm "+lab.KerberosRealm+" served by a real MIT KDC (krb5kdc, Debian package krb5-kdc) on loopback; written into the ready file")
	_ = fs.Parse(args)
	if *readyFile == "" {
		return errors.New("serve: --ready-file is required")
	}
	sc, err := lab.LoadScenario(*scenario)
	if err != nil {
		return err
	}
	overrides := map[string]string{}
	for name, v := range figures {
		overrides[name] = *v
	}
	lat, err := lab.ParseLatency(*latency, overrides)
	if err != nil {
		return fmt.Errorf("--latency: %w", err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc, Latency: lat, SANDialect: *sanDialect, Locale: *locale, Kerberos: *kerberos})
	if err != nil {
		return err
	}
	defer l.Close()
	if err := l.WriteReadyFile(*readyFile); err != nil {
		return fmt.Errorf("writing ready file: %w", err)
	}
	fmt.Fprintf(os.Stderr, "winfs-lab: scenario %s, latency %s, admin API %s, array telnet %s (%s), ssh %s (%s), ready file %s\n",
		sc.Name, lat, l.AdminURL(), l.SANAddress(), l.SANDialect(), l.SANSSHAddress(), l.SANSSHDialect(), *readyFile)
	if *kerberos {
		fmt.Fprintf(os.Stderr, "winfs-lab: Kerberos realm %s, KDC %s, krb5.conf %s\n", lab.KerberosRealm, l.KerberosKDC(), l.KerberosKrb5Conf())
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	fmt.Fprintln(os.Stderr, "winfs-lab: stopping")
	return nil
}
