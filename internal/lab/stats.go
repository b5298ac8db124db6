package lab

import (
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// Stats counts what a host was asked to do: the cost model of the
// provider is round trips, shells and process starts.
type Stats struct {
	mu            sync.Mutex
	HTTPRequests  int `json:"http_requests"`
	Shells        int `json:"shells"`
	Commands      int `json:"commands"`
	ProcessStarts int `json:"process_starts"`
}

func (s *Stats) observe(st winrm.Stat) {
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

func (s *Stats) add(f func(*Stats)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *Stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{HTTPRequests: s.HTTPRequests, Shells: s.Shells, Commands: s.Commands, ProcessStarts: s.ProcessStarts}
}

func (s *Stats) reset() {
	s.add(func(s *Stats) { s.HTTPRequests, s.Shells, s.Commands, s.ProcessStarts = 0, 0, 0, 0 })
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
}

// Latency is the lab's cost model of a real network and real Windows.
type Latency struct {
	Name         string        `json:"name"`
	RTT          time.Duration `json:"rtt"`           // added to every WinRM HTTP request
	ProcessStart time.Duration `json:"process_start"` // powershell.exe start
}

// LatencyProfile returns a named profile: "none" or "realistic" (a LAN
// round trip and a Windows PowerShell 5.1 cold start).
func LatencyProfile(name string) (Latency, bool) {
	switch name {
	case "", "none":
		return Latency{Name: "none"}, true
	case "realistic":
		return Latency{Name: "realistic", RTT: 2 * time.Millisecond, ProcessStart: 400 * time.Millisecond}, true
	}
	return Latency{}, false
}
