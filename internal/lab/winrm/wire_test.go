package winrm_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	lab "github.com/winfs/terraform-provider-winfs/internal/lab/winrm"
)

// rawExchange posts one client-built message and returns status, headers and body.
func rawExchange(t *testing.T, f *labFixture, msg *soap.SoapMessage, auth bool) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url(), strings.NewReader(msg.String()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if auth {
		req.SetBasicAuth(testUser, testPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func (f *labFixture) url() string { return fmt.Sprintf("http://127.0.0.1:%d/wsman", f.addr.Port) }

var messageID = regexp.MustCompile(`<a:MessageID>([^<]+)</a:MessageID>`)

// replyHeader is what every reply must carry.
type replyHeader struct {
	XMLName xml.Name
	Header  struct {
		Action    string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
		MessageID string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
		RelatesTo string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing RelatesTo"`
		Selectors []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet>Selector"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
}

func checkReply(t *testing.T, msg *soap.SoapMessage, status int, hdr http.Header, body string, wantStatus int, wantAction string) replyHeader {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/soap+xml;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(body, `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope"`) {
		t.Errorf("envelope does not look like Windows': %.120s", body)
	}
	var r replyHeader
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("reply is not XML: %v", err)
	}
	if r.Header.Action != wantAction {
		t.Errorf("Action %q, want %q", r.Header.Action, wantAction)
	}
	if want := messageID.FindStringSubmatch(msg.String())[1]; r.Header.RelatesTo != want {
		t.Errorf("RelatesTo %q, want the request's %q", r.Header.RelatesTo, want)
	}
	if !strings.HasPrefix(r.Header.MessageID, "uuid:") || r.Header.MessageID == r.Header.RelatesTo {
		t.Errorf("reply MessageID %q", r.Header.MessageID)
	}
	return r
}

const shellNS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"

func TestWireFormatOfEveryOperation(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	url := f.url()

	// Anonymous: the two schemes on offer, no SOAP body.
	create := winrm.NewOpenShellRequest(url, nil)
	status, hdr, _ := rawExchange(t, f, create, false)
	if status != 401 || strings.Join(hdr.Values("WWW-Authenticate"), "|") != `Negotiate|Basic realm="WSMAN"` {
		t.Fatalf("anonymous: %d %q", status, hdr.Values("WWW-Authenticate"))
	}

	status, hdr, body := rawExchange(t, f, create, true)
	r := checkReply(t, create, status, hdr, body, 200, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse")
	if len(r.Header.Selectors) != 1 || r.Header.Selectors[0].Name != "ShellId" {
		t.Fatalf("no ShellId selector in the Create reply header: %s", body)
	}
	shellID := r.Header.Selectors[0].Value
	if !strings.Contains(body, "<rsp:Shell xmlns:rsp=\""+shellNS+"\"><rsp:ShellId>"+shellID+"</rsp:ShellId>") {
		t.Errorf("no rsp:Shell in the body: %s", body)
	}
	if id, err := winrm.ParseOpenShellResponse(body); err != nil || id != shellID {
		t.Errorf("client parses ShellId %q, %v", id, err)
	}

	command := winrm.NewExecuteCommandRequest(url, shellID, "greet <raw>", []string{"a&b", "c"}, nil)
	status, hdr, body = rawExchange(t, f, command, true)
	checkReply(t, command, status, hdr, body, 200, shellNS+"/CommandResponse")
	commandID, err := winrm.ParseExecuteCommandResponse(body)
	if err != nil || commandID == "" {
		t.Fatalf("command id %q, %v", commandID, err)
	}

	var stdout, stderr strings.Builder
	exit, done := 0, false
	for !done {
		receive := winrm.NewGetOutputRequest(url, shellID, commandID, "stdout stderr", nil)
		status, hdr, body = rawExchange(t, f, receive, true)
		checkReply(t, receive, status, hdr, body, 200, shellNS+"/ReceiveResponse")
		done, exit, err = winrm.ParseSlurpOutputErrResponse(body, &stdout, &stderr)
		if err != nil {
			t.Fatal(err)
		}
	}
	if stdout.String() != "hello <raw>|a&b,c\r\n" || stderr.String() != "warning: lab\r\n" || exit != 3 {
		t.Fatalf("stdout %q stderr %q exit %d", stdout.String(), stderr.String(), exit)
	}
	if !strings.Contains(body, `End="true"`) || !strings.Contains(body, "<rsp:ExitCode>3</rsp:ExitCode>") {
		t.Errorf("final Receive lacks End streams or ExitCode: %s", body)
	}

	signal := winrm.NewSignalRequest(url, shellID, commandID, nil)
	status, hdr, body = rawExchange(t, f, signal, true)
	checkReply(t, signal, status, hdr, body, 200, shellNS+"/SignalResponse")

	del := winrm.NewDeleteShellRequest(url, shellID, nil)
	status, hdr, body = rawExchange(t, f, del, true)
	checkReply(t, del, status, hdr, body, 200, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse")

	// Deleting it again: the InvalidSelectors fault, as HTTP 500.
	del = winrm.NewDeleteShellRequest(url, shellID, nil)
	status, hdr, body = rawExchange(t, f, del, true)
	checkReply(t, del, status, hdr, body, 500, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault")
	for _, want := range []string{"<s:Value>w:InvalidSelectors</s:Value>", `Code="2150858843"`, shellID} {
		if !strings.Contains(body, want) {
			t.Errorf("fault lacks %q: %s", want, body)
		}
	}
}

func TestReceiveTimeoutFaultIsExactlyWindows(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	url := f.url()
	params := winrm.NewParameters("PT0.2S", "en-US", 153600)

	create := winrm.NewOpenShellRequest(url, params)
	_, _, body := rawExchange(t, f, create, true)
	shellID, _ := winrm.ParseOpenShellResponse(body)
	_, _, body = rawExchange(t, f, winrm.NewExecuteCommandRequest(url, shellID, "block", nil, params), true)
	commandID, _ := winrm.ParseExecuteCommandResponse(body)

	receive := winrm.NewGetOutputRequest(url, shellID, commandID, "stdout stderr", params)
	start := time.Now()
	status, hdr, body := rawExchange(t, f, receive, true)
	if held := time.Since(start); held < 200*time.Millisecond {
		t.Errorf("empty Receive answered after %v, before OperationTimeout", held)
	}
	checkReply(t, receive, status, hdr, body, 500, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault")
	for _, want := range []string{
		"<s:Value>s:Receiver</s:Value>", "<s:Value>w:TimedOut</s:Value>",
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
		`<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("timeout fault lacks %q: %s", want, body)
		}
	}
}

func TestNonWSManRequests(t *testing.T) {
	f := startLab(t, lab.Config{}, nil)
	resp, err := http.Get(f.url())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /wsman: %d", resp.StatusCode)
	}
	resp, err = http.Post(strings.Replace(f.url(), "/wsman", "/other", 1), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /other: %d", resp.StatusCode)
	}
}
