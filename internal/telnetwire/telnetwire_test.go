package telnetwire

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func pair(t *testing.T, p Policy) (*Conn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return New(a, p), b
}

// readAll collects what the peer receives until it has n bytes.
func expectBytes(t *testing.T, peer net.Conn, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	_ = peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatalf("peer read: %v (got %v)", err, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("peer got %v, want %v", got, want)
	}
}

func TestNegotiationAnswers(t *testing.T) {
	c, peer := pair(t, Policy{Will: []byte{OptSGA}, Do: []byte{OptEcho}})
	go func() {
		// DO TTYPE (refused), DO SGA (accepted), WILL ECHO (accepted),
		// WILL NAWS (refused), DO SGA again (no answer: nothing changes),
		// a subnegotiation, NOP, then data with an escaped IAC and CR NUL.
		_, _ = peer.Write([]byte{IAC, DO, OptTType, IAC, DO, OptSGA, IAC, WILL, OptEcho, IAC, WILL, OptNAWS, IAC, DO, OptSGA,
			IAC, SB, OptNAWS, 0, 80, 0, 24, IAC, SE, IAC, NOP, 'a', IAC, IAC, 'b', '\r', 0, 'c', '\r', '\n'})
	}()
	done := make(chan []byte)
	go func() {
		var data []byte
		buf := make([]byte, 64)
		for len(data) < 7 {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			data = append(data, buf[:n]...)
		}
		done <- data
	}()
	expectBytes(t, peer, []byte{IAC, WONT, OptTType, IAC, WILL, OptSGA, IAC, DO, OptEcho, IAC, DONT, OptNAWS})
	data := <-done
	if want := []byte{'a', IAC, 'b', '\r', 'c', '\r', '\n'}; !bytes.Equal(data, want) {
		t.Fatalf("data %v, want %v", data, want)
	}
	if !c.Local(OptSGA) || !c.Remote(OptEcho) || c.Remote(OptNAWS) {
		t.Fatal("option state")
	}
}

func TestOfferIsAcknowledgedSilently(t *testing.T) {
	c, peer := pair(t, Policy{Will: []byte{OptEcho}})
	go func() { _ = c.Offer(WILL, OptEcho) }()
	expectBytes(t, peer, []byte{IAC, WILL, OptEcho})
	go func() { _, _ = peer.Write([]byte{IAC, DO, OptEcho, 'x'}) }()
	buf := make([]byte, 8)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "x" || !c.Local(OptEcho) {
		t.Fatalf("read %q %v, echo %v", buf[:n], err, c.Local(OptEcho))
	}
	// The acknowledgement is not answered: the peer receives nothing more.
	_ = peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := peer.Read(buf); n != 0 {
		t.Fatalf("answered an acknowledgement: %v", buf[:n])
	}
}

func TestWriteEscapes(t *testing.T) {
	c, peer := pair(t, Policy{})
	go func() { _, _ = c.Write([]byte{'a', IAC, 'b', '\r', 'c', '\r', '\n'}) }()
	expectBytes(t, peer, []byte{'a', IAC, IAC, 'b', '\r', 0, 'c', '\r', '\n'})
}
