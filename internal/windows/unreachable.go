package windows

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"
)

// IsUnreachable says whether err means the server could not be reached at
// all: a WinRM transport failure at the network level (connection refused
// or reset, no route, no answer in time), as opposed to an answer. A server
// that answers, even with HTTP 401 (bad credentials) or a certificate the
// client rejects, is up: those stay errors, so that fencing ("fencing by unmap") and the
// status data source never mistake a misconfiguration for a dead server.
func IsUnreachable(err error) bool {
	var te *TransportError
	if !errors.As(err, &te) || te.Err == nil {
		return false
	}
	var (
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalid    x509.CertificateInvalidError
		verify     *tls.CertificateVerificationError
		record     tls.RecordHeaderError
		dnsErr     *net.DNSError
		opErr      *net.OpError
		netErr     net.Error
		reachedTLS = errors.As(te.Err, &unknownCA) || errors.As(te.Err, &hostname) || errors.As(te.Err, &invalid) ||
			errors.As(te.Err, &verify) || errors.As(te.Err, &record)
	)
	switch {
	case reachedTLS:
		return false
	case errors.As(te.Err, &dnsErr) && dnsErr.IsNotFound:
		return false // the address does not resolve: a configuration error
	case errors.As(te.Err, &opErr):
		return true
	case errors.As(te.Err, &netErr) && netErr.Timeout():
		return true
	}
	return errors.Is(te.Err, context.DeadlineExceeded) || errors.Is(te.Err, io.EOF) || errors.Is(te.Err, io.ErrUnexpectedEOF)
}

// startWasDropped says whether an agent start failed because the
// connection dropped under it (the server accepted, then the connection
// ended without an answer): worth another start. A refusal, a timeout, an
// HTTP answer or a certificate problem is not: another start would meet
// the same, or wait as long again.
func startWasDropped(err error) bool {
	var te *TransportError
	if !errors.As(err, &te) || te.Err == nil {
		return false
	}
	return errors.Is(te.Err, io.EOF) || errors.Is(te.Err, io.ErrUnexpectedEOF) ||
		errors.Is(te.Err, syscall.ECONNRESET) || errors.Is(te.Err, syscall.EPIPE)
}
