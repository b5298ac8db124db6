// Package timeline records every state change of the lab estate in order,
// so that tests and the demo can check the order of a failover's steps.
package timeline

import (
	"sync"
	"time"
)

// Event is one state change on one host (or on the array or DNS server).
type Event struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Host   string    `json:"host"`   // "server1", "array", "dns", ...
	Kind   string    `json:"kind"`   // dotted, e.g. "registry.set", "lun.map"
	Detail string    `json:"detail"` // human-readable, never a secret
	// Cost is the latency model's wait this event starts (a rescan, a
	// repair, an array command, a DNS update, volumes surfacing): the
	// host spends it from Time on. Zero for plain state changes.
	Cost time.Duration `json:"cost,omitempty"`
}

// Timeline is an append-only, concurrency-safe list of events.
type Timeline struct {
	mu     sync.Mutex
	events []Event
	notify chan struct{}
}

// New returns an empty timeline.
func New() *Timeline { return &Timeline{notify: make(chan struct{})} }

// Record appends an event and returns it.
func (t *Timeline) Record(host, kind, detail string) Event {
	return t.RecordCost(host, kind, detail, 0)
}

// RecordCost appends an event that starts a modelled wait of cost.
func (t *Timeline) RecordCost(host, kind, detail string, cost time.Duration) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	ev := Event{Seq: uint64(len(t.events)) + 1, Time: time.Now().UTC(), Host: host, Kind: kind, Detail: detail, Cost: cost}
	t.events = append(t.events, ev)
	close(t.notify)
	t.notify = make(chan struct{})
	return ev
}

// Since returns the events with Seq > seq, and a channel closed when the
// next event is recorded (for followers that print as things happen).
func (t *Timeline) Since(seq uint64) ([]Event, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq > uint64(len(t.events)) {
		seq = uint64(len(t.events))
	}
	out := make([]Event, len(t.events)-int(seq))
	copy(out, t.events[seq:])
	return out, t.notify
}

// Events returns a copy of every event.
func (t *Timeline) Events() []Event {
	evs, _ := t.Since(0)
	return evs
}

// LastSeq is the sequence number of the newest event (0 when empty), a mark
// to read what happens after it with Since.
func (t *Timeline) LastSeq() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return uint64(len(t.events))
}
