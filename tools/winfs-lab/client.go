package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

func readReady(path string) (lab.ReadyFile, error) {
	var rf lab.ReadyFile
	raw, err := os.ReadFile(path)
	if err != nil {
		return rf, err
	}
	return rf, json.Unmarshal(raw, &rf)
}

// tfvarsCmd prints the variables the examples take, pointing at the lab.
func tfvarsCmd(args []string) error {
	fs := flag.NewFlagSet("tfvars", flag.ExitOnError)
	readyFile := fs.String("ready-file", "", "the lab's ready file (required)")
	withSAN := fs.Bool("san", false, "also print the array's SSH variables: san_address, san_transport, san_dialect, san_vserver, san_host_key, san_username, san_password (for configurations that declare them)")
	withDNS := fs.Bool("dns", false, "also print dns_server, dns_tsig_key_name, dns_tsig_algorithm and dns_tsig_secret")
	_ = fs.Parse(args)
	rf, err := readReady(*readyFile)
	if err != nil {
		return err
	}
	// terraform warns about values for variables a configuration does not
	// declare, so the SAN and DNS ones are opt-in (examples/hardening has none).
	out := rf.Variables(*withSAN, *withDNS)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// adminCmd calls the lab's admin API and prints the JSON answer.
func adminCmd(args []string) error {
	fs := flag.NewFlagSet("admin", flag.ExitOnError)
	readyFile := fs.String("ready-file", "", "the lab's ready file (required)")
	_ = fs.Parse(args)
	rest := fs.Args()
	if len(rest) < 2 {
		return errors.New("admin: want METHOD URL-PATH [JSON-BODY]")
	}
	rf, err := readReady(*readyFile)
	if err != nil {
		return err
	}
	var body io.Reader
	if len(rest) > 2 {
		body = strings.NewReader(rest[2])
	}
	status, ok, out, err := adminRequest(strings.ToUpper(rest[0]), rf.AdminURL+rest[1], body)
	if err != nil {
		return err
	}
	os.Stdout.Write(out)
	if !ok {
		return fmt.Errorf("admin API answered %s", status)
	}
	return nil
}

// adminRequest sends one JSON request to the lab's admin API and reads
// the whole answer.
// adminRequest sends one admin API request and returns the answer's status
// line ("404 Not Found"), whether it is a success, and its body, read whole.
func adminRequest(method, url string, body io.Reader) (status string, ok bool, raw []byte, err error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return "", false, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", false, nil, err
	}
	defer resp.Body.Close()
	raw, _ = io.ReadAll(resp.Body)
	return resp.Status, resp.StatusCode < 300, raw, nil
}

// eventsCmd prints the lab's timeline, one event per line.
func eventsCmd(args []string) error {
	fs := flag.NewFlagSet("events", flag.ExitOnError)
	readyFile := fs.String("ready-file", "", "the lab's ready file (required)")
	since := fs.Uint64("since", 0, "only events after this sequence number")
	_ = fs.Parse(args)
	rf, err := readReady(*readyFile)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(fmt.Sprintf("%s/v1/events?since=%d", rf.AdminURL, *since))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Events []timeline.Event `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("reading events: %w", err)
	}
	for _, ev := range body.Events {
		fmt.Printf("%4d  %s  %-8s %-16s %s\n", ev.Seq, ev.Time.Format("15:04:05.000"), ev.Host, ev.Kind, ev.Detail)
	}
	return nil
}
