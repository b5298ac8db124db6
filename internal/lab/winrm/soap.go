package winrm

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"strings"
)

// Namespaces of the WS-Management messages (MS-WSMV).
const (
	nsSoap       = "http://www.w3.org/2003/05/soap-envelope"
	nsAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsTransfer   = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
	nsWsman      = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsWsmanMsft  = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	nsShell      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	nsFault      = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
	anonymousTo  = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	shellCmdURI  = nsShell + "/cmd"
	serverHeader = "Microsoft-HTTPAPI/2.0"
	contentType  = "application/soap+xml;charset=UTF-8"
)

// Actions of requests and their replies.
const (
	actionCreate   = nsTransfer + "/Create"
	actionDelete   = nsTransfer + "/Delete"
	actionCommand  = nsShell + "/Command"
	actionSend     = nsShell + "/Send"
	actionReceive  = nsShell + "/Receive"
	actionSignal   = nsShell + "/Signal"
	actionFault    = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	stateRunning   = nsShell + "/CommandState/Running"
	stateDone      = nsShell + "/CommandState/Done"
	responseSuffix = "Response"
)

type requestEnvelope struct {
	XMLName xml.Name      `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  requestHeader `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body    requestBody   `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

type requestHeader struct {
	Action           string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
	MessageID        string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
	ResourceURI      string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
	OperationTimeout string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
	MaxEnvelopeSize  string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
	SelectorSet      struct {
		Selectors []nameValue `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Selector"`
	} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet"`
	OptionSet struct {
		Options []nameValue `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Option"`
	} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OptionSet"`
}

type nameValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type requestBody struct {
	Shell *struct {
		InputStreams  string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell InputStreams"`
		OutputStreams string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell OutputStreams"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Shell"`
	CommandLine *struct {
		Command   string   `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Command"`
		Arguments []string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Arguments"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
	Send *struct {
		Streams []struct {
			Name      string `xml:"Name,attr"`
			CommandID string `xml:"CommandId,attr"`
			End       string `xml:"End,attr"`
			Data      string `xml:",chardata"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Stream"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
	Receive *struct {
		DesiredStream struct {
			CommandID string `xml:"CommandId,attr"`
			Streams   string `xml:",chardata"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell DesiredStream"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
	Signal *struct {
		CommandID string `xml:"CommandId,attr"`
		Code      string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Code"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
}

func parseEnvelope(body []byte) (*requestEnvelope, error) {
	var env requestEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	trim(&env.Header.Action)
	trim(&env.Header.MessageID)
	trim(&env.Header.ResourceURI)
	trim(&env.Header.OperationTimeout)
	trim(&env.Header.MaxEnvelopeSize)
	return &env, nil
}

func (h *requestHeader) selector(name string) (string, bool) {
	for _, s := range h.SelectorSet.Selectors {
		if strings.EqualFold(s.Name, name) {
			return strings.TrimSpace(s.Value), true
		}
	}
	return "", false
}

// reply is a finished answer: written as is, or discarded when the connection is dropped.
type reply struct {
	status int
	body   []byte
}

// soapReply wraps body in an envelope as Windows writes it: s: prefix, xml:lang, a fresh
// upper-case MessageID, RelatesTo the request.
func soapReply(status int, action, relatesTo, extraHeader, body string) reply {
	var b bytes.Buffer
	b.WriteString(`<s:Envelope xml:lang="en-US" xmlns:s="` + nsSoap + `" xmlns:a="` + nsAddressing +
		`" xmlns:x="` + nsTransfer + `" xmlns:w="` + nsWsman + `" xmlns:rsp="` + nsShell +
		`" xmlns:p="` + nsWsmanMsft + `">`)
	b.WriteString(`<s:Header><a:Action>` + esc(action) + `</a:Action>`)
	b.WriteString(`<a:MessageID>uuid:` + newGUID() + `</a:MessageID>`)
	b.WriteString(`<a:To>` + anonymousTo + `</a:To>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>` + esc(relatesTo) + `</a:RelatesTo>`)
	}
	b.WriteString(extraHeader)
	b.WriteString(`</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
	return reply{status: status, body: b.Bytes()}
}

// wsmanFault is a SOAP fault with Microsoft's WSManFault detail.
type wsmanFault struct {
	code    string // s:Sender or s:Receiver
	subcode string // w:TimedOut, w:InvalidSelectors...
	reason  string
	number  uint32 // WSManFault Code
	message string // detail message; reason when empty
}

// Faults Windows returns, with their recorded texts (Windows ends them with spaces).
var (
	faultTimedOut = wsmanFault{code: "s:Receiver", subcode: "w:TimedOut", number: 2150858793,
		reason: "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "}
	faultInvalidSelectors = wsmanFault{code: "s:Sender", subcode: "w:InvalidSelectors", number: 2150858843,
		reason: "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. "}
	faultInvalidParameter = wsmanFault{code: "s:Sender", subcode: "w:InvalidParameter", number: 2147942487,
		reason: "The parameter is incorrect. "}
	// The number is ERROR_NO_DATA as an HRESULT; Windows' exact fault for a Send to an
	// exited process is unverified.
	faultPipeClosed = wsmanFault{code: "s:Receiver", subcode: "w:InternalError", number: 2147942632,
		reason: "The pipe is being closed. "}
	// Unverified codes: the lab only needs these to be well-formed faults.
	faultActionNotSupported = wsmanFault{code: "s:Sender", subcode: "a:ActionNotSupported", number: 2150858757,
		reason: "The action is not supported by the service. "}
	faultSchemaValidation = wsmanFault{code: "s:Sender", subcode: "w:SchemaValidationError", number: 2150858817,
		reason: "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. "}
)

func (f wsmanFault) with(message string) wsmanFault {
	f.message = message
	return f
}

// reply renders the fault as HTTP 500, as WinRM does for every WS-Man fault.
func (f wsmanFault) reply(relatesTo, machine string) reply {
	msg := f.message
	if msg == "" {
		msg = f.reason
	}
	body := `<s:Fault><s:Code><s:Value>` + f.code + `</s:Value><s:Subcode><s:Value>` + f.subcode +
		`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">` + esc(f.reason) +
		`</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="` + nsFault + `" Code="` +
		fmt.Sprint(f.number) + `" Machine="` + esc(machine) + `"><f:Message>` + esc(msg) +
		`</f:Message></f:WSManFault></s:Detail></s:Fault>`
	return soapReply(500, actionFault, relatesTo, "", body)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// newGUID is a random GUID in Windows' upper-case form.
func newGUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]))
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
