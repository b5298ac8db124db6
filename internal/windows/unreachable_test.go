package windows_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
)

// A dead server is unreachable; a server that answers with 401 is not: bad
// credentials must never pass for a dead (fenced) server.
func TestIsUnreachableOverLabWinRM(t *testing.T) {
	srv, _, ep, _ := startLabWinRM(t)
	bad := ep
	bad.Password = "wrong"
	st, _ := windows.NewWinRMStarter("server1", bad)
	_, err := newClientWith(t, st, windows.ModePersistent).ServerStatus(testCtx(t), nil)
	if err == nil || windows.IsUnreachable(err) {
		t.Fatalf("bad password: IsUnreachable(%v) = true", err)
	}
	srv.SetFaults(winrm.Faults{Unreachable: true})
	st, _ = windows.NewWinRMStarter("server1", ep)
	_, err = newClientWith(t, st, windows.ModePersistent).ServerStatus(testCtx(t), nil)
	if !windows.IsUnreachable(err) {
		t.Fatalf("dead server: IsUnreachable(%v) = false", err)
	}
}

func TestIsUnreachableClassifies(t *testing.T) {
	te := func(err error) error {
		return &windows.TransportError{Host: "server1", Addr: "a:1", Step: "creating a shell", Err: err}
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("some agent error"), false},
		{te(errors.New("HTTP 401 Unauthorized without a WS-Management answer")), false},
		{te(&url.Error{Op: "Post", URL: "https://a:1/wsman", Err: x509.UnknownAuthorityError{}}), false},
		{te(context.DeadlineExceeded), true},
		{te(&url.Error{Op: "Post", URL: "https://a:1/wsman", Err: context.DeadlineExceeded}), true},
	} {
		if got := windows.IsUnreachable(c.err); got != c.want {
			t.Errorf("IsUnreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
