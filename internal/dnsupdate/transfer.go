package dnsupdate

import (
	"context"
	"fmt"
	"sort"

	"github.com/miekg/dns"

	"github.com/winfs/terraform-provider-winfs/internal/secret"
)

// CNAMEOwners lists the owners of the CNAME records of zone (canonical
// FQDNs, sorted), read from the primary by a full zone transfer (AXFR,
// RFC 5936) over TCP, signed with the client's key: BIND answers one only
// to the keys its `allow-transfer` names.
func (c *Client) CNAMEOwners(ctx context.Context, zone string) ([]string, error) {
	zone = Canonical(zone)
	m := new(dns.Msg)
	m.SetAxfr(zone)
	tr := &dns.Transfer{DialTimeout: c.timeout, ReadTimeout: c.timeout, WriteTimeout: c.timeout}
	if c.key != nil {
		m.SetTsig(c.keyName, c.alg, 300, c.now().Unix())
		tr.TsigSecret = map[string]string{c.keyName: c.key.Secret}
	}
	if dl, ok := ctx.Deadline(); ok {
		tr.ReadTimeout = min(tr.ReadTimeout, max(0, dl.Sub(c.now())))
	}
	envs, err := tr.In(m, c.server)
	if err != nil {
		return nil, c.transferError(zone, err)
	}
	var owners []string
	for env := range envs {
		if env.Error != nil {
			return nil, c.transferError(zone, env.Error)
		}
		for _, rr := range env.RR {
			if rr.Header().Rrtype == dns.TypeCNAME {
				owners = append(owners, dns.CanonicalName(rr.Header().Name))
			}
		}
	}
	sort.Strings(owners)
	return owners, nil
}

func (c *Client) transferError(zone string, err error) error {
	if c.key != nil {
		err = secret.Error(err, c.key.Secret)
	}
	return fmt.Errorf("zone transfer (AXFR) of %s from %s: %w", zone, c.server, err)
}
