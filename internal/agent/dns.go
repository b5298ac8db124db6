package agent

// Error codes of the dns area.
const (
	CodeDNSUnavailable = "dns_unavailable" // the host does not run the DNS Server role
	CodeZoneNotFound   = "zone_not_found"  // the DNS server does not host the zone
	CodeDNSConflict    = "dns_conflict"    // a CNAME cannot coexist with the other data at the name
	CodeRecordExists   = "record_exists"   // create_only found an alias pointing elsewhere
)

// DNSNameRef names a node of a zone hosted by the Windows DNS Server role:
// Zone as Get-DnsServerZone names it ("corp.example.com", no trailing dot)
// and Name relative to it ("files"), as -ZoneName and -Name take them.
type DNSNameRef struct {
	Zone string `json:"zone"`
	Name string `json:"name"`
}

// DNSCNAMEGetParams reads what the zone holds at one name.
type DNSCNAMEGetParams struct {
	DNSNameRef
}

// DNSCNAMEGetResult: Exists says there is a CNAME; Target is its
// HostNameAlias as the server holds it (an FQDN, normally with the trailing
// dot) and TTL its TimeToLive in seconds. OtherTypes lists the other record
// types at the name (sorted, never null), which a CNAME cannot coexist with.
type DNSCNAMEGetResult struct {
	Exists     bool     `json:"exists"`
	Target     string   `json:"target,omitempty"`
	TTL        int64    `json:"ttl,omitempty"`
	OtherTypes []string `json:"other_types"`
}

// DNSCNAMESetParams points Name at Target (an FQDN) with TTL seconds. An
// existing CNAME is replaced in one step (Set-DnsServerResourceRecord with a
// cloned record), so the name is never without its alias; otherwise one is
// added. A name holding other data is CodeDNSConflict. With CreateOnly, an
// existing CNAME pointing at another target is CodeRecordExists (one with
// the same target only gets the TTL).
type DNSCNAMESetParams struct {
	DNSNameRef
	Target     string `json:"target"`
	TTL        int64  `json:"ttl"`
	CreateOnly bool   `json:"create_only"`
}

// DNSCNAMESetResult says whether an alias was replaced (rather than added).
type DNSCNAMESetResult struct {
	Replaced bool `json:"replaced"`
}

// DNSCNAMEDeleteParams removes the CNAME at a name; a missing one succeeds
// with Existed false.
type DNSCNAMEDeleteParams struct {
	DNSNameRef
}

// DNSCNAMEDeleteResult says whether there was an alias to delete.
type DNSCNAMEDeleteResult struct {
	Existed bool `json:"existed"`
}

// MaxDNSTTL is the largest TTL (RFC 2181: 2^31 - 1 seconds).
const MaxDNSTTL = 2147483647
