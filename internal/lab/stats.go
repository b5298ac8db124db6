package lab

import (
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
	"github.com/winfs/terraform-provider-winfs/internal/lab/dnsserver"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// Stats counts what a host was asked to do: the cost model of the
// provider is round trips, shells and process starts.
type Stats struct {
	HTTPRequests  int `json:"http_requests"`
	Shells        int `json:"shells"`
	Commands      int `json:"commands"`
	ProcessStarts int `json:"process_starts"`
	// AgentRequests counts agent operations (hello included), Ops each
	// operation by name: what the provider asked, however it was batched.
	AgentRequests int            `json:"agent_requests"`
	Ops           map[string]int `json:"ops,omitempty"`
	// HostWait is the time the latency model charged the agent's
	// operations on the host (rescans, NTFS checks, DNS updates), summed
	// over operations that may have overlapped.
	HostWait time.Duration `json:"host_wait"`
}

// hostStats is one host's counters behind a lock.
type hostStats struct {
	mu sync.Mutex
	s  Stats
}

func (s *hostStats) observe(st winrm.Stat) {
	s.add(func(s *Stats) {
		switch st.Kind {
		case "http_request":
			s.HTTPRequests++
		case "shell_create":
			s.Shells++
		case "command_start":
			s.Commands++
		}
	})
}

func (s *hostStats) add(f func(*Stats)) {
	s.mu.Lock()
	f(&s.s)
	s.mu.Unlock()
}

func (s *hostStats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.s
	out.Ops = nil
	if len(s.s.Ops) > 0 {
		out.Ops = make(map[string]int, len(s.s.Ops))
		for k, v := range s.s.Ops {
			out.Ops[k] = v
		}
	}
	return out
}

func (s *hostStats) reset() {
	s.mu.Lock()
	s.s = Stats{}
	s.mu.Unlock()
}

// Stats returns each server's counters.
func (l *Lab) Stats() map[string]Stats {
	out := map[string]Stats{}
	for name, s := range l.servers {
		out[name] = s.stats.snapshot()
	}
	return out
}

// ResetStats zeroes every counter (between benchmark phases).
func (l *Lab) ResetStats() {
	for _, s := range l.servers {
		s.stats.reset()
	}
	if l.array != nil {
		l.array.ResetStats()
	}
	if l.dns != nil {
		l.dns.server.ResetStats()
	}
}

// AllStats is GET /v1/stats: every Windows host, the array and the DNS
// server.
type AllStats struct {
	Servers map[string]Stats `json:"servers"`
	Array   array.Stats      `json:"array"`
	DNS     dnsserver.Stats  `json:"dns"`
}

// AllStats returns every counter of the estate.
func (l *Lab) AllStats() AllStats {
	out := AllStats{Servers: l.Stats()}
	if l.array != nil {
		out.Array = l.array.Stats()
	}
	if l.dns != nil {
		out.DNS = l.dns.server.Stats()
	}
	return out
}
