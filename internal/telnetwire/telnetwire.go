// Package telnetwire is the RFC 854 byte stream over a TCP connection: it
// separates data from commands, escapes IAC in data, maps the NVT line ends
// (CR NUL is a bare CR) and answers option negotiation (RFC 855) by a fixed
// policy. Both the array client (internal/san) and the lab's array speak it.
//
// Why not github.com/reiver/go-telnet for this: its Conn cannot dial with a
// timeout or set deadlines (the net.Conn is unexported), its reader discards
// DO/WILL without answering them, fails on any other IAC command (NOP, AYT,
// GA) and blocks until the caller's whole buffer is full, so a client cannot
// wait for a prompt. Its writer cannot send IAC commands at all. We keep it
// where it fits: the lab tests use it as an independent, non-negotiating
// client; here we borrow go-oi's LongWrite for short writes.
package telnetwire

import (
	"bufio"
	"net"
	"sync"

	oi "github.com/reiver/go-oi"
)

// Telnet command and option codes (RFC 854, 857, 858, 1091, 1073).
const (
	SE   byte = 240
	NOP  byte = 241
	GA   byte = 249
	SB   byte = 250
	WILL byte = 251
	WONT byte = 252
	DO   byte = 253
	DONT byte = 254
	IAC  byte = 255

	OptEcho  byte = 1
	OptSGA   byte = 3
	OptTType byte = 24
	OptNAWS  byte = 31
)

// Policy says which options this side agrees to. Anything else is refused
// (WONT/DONT), as RFC 854 requires of a side that does not support it.
type Policy struct {
	Will []byte // options we perform when the peer asks (DO x -> WILL x)
	Do   []byte // options we let the peer perform (WILL x -> DO x)
}

// Conn is a net.Conn whose Read returns data only and whose Write escapes
// data; negotiation is answered while reading.
type Conn struct {
	net.Conn
	r   *bufio.Reader
	wmu sync.Mutex

	mu     sync.Mutex
	local  direction // the options we perform (the peer says DO/DONT, we WILL/WONT)
	remote direction // the options the peer performs (it says WILL/WONT, we DO/DONT)
	state  int
	cmd    byte
}

// direction is the state of every option in one direction of a connection.
type direction struct {
	allowed [256]bool // policy: what we agree to
	enabled [256]bool
	pending [256]bool // we asked to enable it and await the answer
	yes, no byte      // our answers: WILL/WONT or DO/DONT
}

// enable answers the peer's request (or its answer to ours) that option o be
// enabled; it returns the reply to send, 0 for none.
func (d *direction) enable(o byte) byte {
	switch {
	case d.pending[o]:
		d.pending[o], d.enabled[o] = false, true
	case d.enabled[o]:
	case d.allowed[o]:
		d.enabled[o] = true
		return d.yes
	default:
		return d.no
	}
	return 0
}

// disable answers the peer's request (or its refusal of ours) that option o
// be disabled; it returns the reply to send, 0 for none.
func (d *direction) disable(o byte) byte {
	switch {
	case d.pending[o]:
		d.pending[o] = false
	case d.enabled[o]:
		d.enabled[o] = false
		return d.no
	}
	return 0
}

// offerEnable records that we ask for option o to be enabled and says
// whether the request is to be sent (not when it would change nothing).
func (d *direction) offerEnable(o byte) bool {
	send := !d.enabled[o] && !d.pending[o]
	d.pending[o] = send
	return send
}

// offerDisable disables option o and says whether to tell the peer.
func (d *direction) offerDisable(o byte) bool {
	send := d.enabled[o]
	d.enabled[o] = false
	return send
}

const (
	stData = iota
	stIAC
	stOpt
	stSB
	stSBIAC
	stCR
)

// New wraps c.
func New(c net.Conn, p Policy) *Conn {
	t := &Conn{Conn: c, r: bufio.NewReader(c),
		local: direction{yes: WILL, no: WONT}, remote: direction{yes: DO, no: DONT}}
	for _, o := range p.Will {
		t.local.allowed[o] = true
	}
	for _, o := range p.Do {
		t.remote.allowed[o] = true
	}
	return t
}

// Local says whether we perform option o (the peer said DO).
func (t *Conn) Local(o byte) bool { t.mu.Lock(); defer t.mu.Unlock(); return t.local.enabled[o] }

// Remote says whether the peer performs option o (the peer said WILL).
func (t *Conn) Remote(o byte) bool { t.mu.Lock(); defer t.mu.Unlock(); return t.remote.enabled[o] }

// Offer starts a negotiation: WILL/WONT (about us) or DO/DONT (about the
// peer). Requests that would not change anything are not sent, which is
// what keeps two conforming sides out of a loop.
func (t *Conn) Offer(cmd, o byte) error {
	t.mu.Lock()
	send := false
	switch cmd {
	case WILL:
		send = t.local.offerEnable(o)
	case DO:
		send = t.remote.offerEnable(o)
	case WONT:
		send = t.local.offerDisable(o)
	case DONT:
		send = t.remote.offerDisable(o)
	}
	t.mu.Unlock()
	if !send {
		return nil
	}
	return t.raw(IAC, cmd, o)
}

func (t *Conn) raw(b ...byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := oi.LongWrite(t.Conn, b)
	return err
}

// Write sends p as NVT data: IAC doubled, a CR not followed by LF sent as
// CR NUL. It returns len(p) on success.
func (t *Conn) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+8)
	for i, b := range p {
		switch {
		case b == IAC:
			out = append(out, IAC, IAC)
		case b == '\r' && (i+1 >= len(p) || p[i+1] != '\n'):
			out = append(out, '\r', 0)
		default:
			out = append(out, b)
		}
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if _, err := oi.LongWrite(t.Conn, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Read returns the next data bytes, at least one unless there is an error.
// It blocks only while it has nothing to return, so a caller waiting for a
// prompt sees partial lines; deadlines set on the Conn apply.
func (t *Conn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if n > 0 && t.r.Buffered() == 0 {
			break
		}
		b, err := t.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if d, ok, err := t.step(b); err != nil {
			return n, err
		} else if ok {
			p[n] = d
			n++
		}
	}
	return n, nil
}

// step advances the receive state machine by one byte and says whether it
// is a data byte.
func (t *Conn) step(b byte) (byte, bool, error) {
	switch t.state {
	case stIAC:
		switch b {
		case IAC:
			t.state = stData
			return IAC, true, nil
		case WILL, WONT, DO, DONT:
			t.cmd, t.state = b, stOpt
		case SB:
			t.state = stSB
		default: // NOP, GA, AYT, IP...: nothing to do for a line-oriented CLI
			t.state = stData
		}
		return 0, false, nil
	case stOpt:
		t.state = stData
		return 0, false, t.negotiate(t.cmd, b)
	case stSB:
		if b == IAC {
			t.state = stSBIAC
		}
		return 0, false, nil
	case stSBIAC:
		if b == SE {
			t.state = stData
		} else {
			t.state = stSB
		}
		return 0, false, nil
	case stCR:
		t.state = stData
		if b == 0 {
			return 0, false, nil // CR NUL is a bare CR, already delivered
		}
		if b == IAC {
			t.state = stIAC
			return 0, false, nil
		}
		if b == '\r' {
			t.state = stCR
		}
		return b, true, nil
	}
	switch b {
	case IAC:
		t.state = stIAC
		return 0, false, nil
	case '\r':
		t.state = stCR
	}
	return b, true, nil
}

// negotiate answers one option command (RFC 854's rules, in the spirit of
// RFC 1143: acknowledge our own requests silently, never answer a request
// that changes nothing).
func (t *Conn) negotiate(cmd, o byte) error {
	t.mu.Lock()
	var reply byte
	switch cmd {
	case DO:
		reply = t.local.enable(o)
	case DONT:
		reply = t.local.disable(o)
	case WILL:
		reply = t.remote.enable(o)
	case WONT:
		reply = t.remote.disable(o)
	}
	t.mu.Unlock()
	if reply == 0 {
		return nil
	}
	return t.raw(IAC, reply, o)
}
