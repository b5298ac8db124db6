package array

import (
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/timeline"
)

// The stock Debian telnet client, driven by expect, logs in and lists the
// mappings: the emulator speaks telnet, not just our client's dialect of it.
const expectScript = `
set timeout 5
log_user 1
spawn telnet 127.0.0.1 $env(ARRAY_PORT)
expect {
  timeout { puts "\nTIMEOUT waiting for login"; exit 2 }
  "login: "
}
send "root\r"
expect {
  timeout { puts "\nTIMEOUT waiting for Password"; exit 2 }
  "Password: "
}
send "$env(ARRAY_PASSWORD)\r"
expect {
  timeout { puts "\nTIMEOUT waiting for the prompt"; exit 2 }
  "Login incorrect" { exit 3 }
  "filer1> "
}
send "lun show -m\r"
expect {
  timeout { puts "\nTIMEOUT waiting for the table"; exit 2 }
  -re "/vol/vol1/files_x +server1 +0 +iSCSI"
}
expect "filer1> "
send "frobnicate\r"
expect "not found."
expect "filer1> "
send "logout telnet\r"
expect eof
`

func newTestArray(t *testing.T, password string) (*Array, string) {
	t.Helper()
	a := New(Config{Username: "root", Password: password, Timeline: timeline.New()})
	a.AddIGroup(IGroup{Name: "server1", Host: "server1", Initiators: []string{"iqn.1991-05.com.microsoft:server1.corp.example.com"}})
	a.AddIGroup(IGroup{Name: "server2", Host: "server2", Initiators: []string{"iqn.1991-05.com.microsoft:server2.corp.example.com"}})
	a.AddLUN(LUN{Path: "/vol/vol1/files_x", Serial: "P3OoG4WVLmC0", Size: 100 << 30})
	if _, err := a.Map("/vol/vol1/files_x", "server1", 0); err != nil {
		t.Fatal(err)
	}
	addr, err := a.Listen("127.0.0.1:0", DialectONTAP7)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	_, port, _ := strings.Cut(addr.String(), ":")
	return a, port
}

func TestStockTelnetClient(t *testing.T) {
	requireTools(t, "telnet expect", "a stock telnet client can use the lab array", "telnet", "expect")
	const password = "lab-pw$1"
	a, port := newTestArray(t, password)
	out := runExpect(t, "expect + telnet", expectScript, 20*time.Second, password, "ARRAY_PORT="+port)
	// telnet agreed to let the array echo: negotiation really happened.
	if login := lastLogin(a); !strings.Contains(login, "server echo on") {
		t.Errorf("login event %q: the client did not negotiate ECHO", login)
	}
	t.Logf("telnet session:\n%s", out)
}
