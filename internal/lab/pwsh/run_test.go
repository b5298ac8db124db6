package pwsh

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/masterzen/winrm"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/winhost"
)

func TestSplitCommandLine(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{`hostname`, []string{"hostname"}},
		{`  powershell.exe  -NoProfile   -enc  QQ==  `, []string{"powershell.exe", "-NoProfile", "-enc", "QQ=="}},
		{`"C:\Program Files\x.exe" a`, []string{`C:\Program Files\x.exe`, "a"}},
		{`C:\dir\"q".exe "a b" c`, []string{`C:\dir\q.exe`, "a b", "c"}},
		{`p a\\\"b`, []string{"p", `a\"b`}},
		{`p a\\"b c"`, []string{"p", `a\b c`}},
		{`p a\b\c`, []string{"p", `a\b\c`}},
		{`p "a""b"`, []string{"p", `a"b`}},
		{`p ""`, []string{"p", ""}},
		{"p\ta", []string{"p", "a"}},
		{``, nil},
	}
	for _, c := range cases {
		if got := splitCommandLine(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitCommandLine(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestRecognisesTheLoader(t *testing.T) {
	enc := agent.EncodeCommand(agent.Loader)
	cases := []struct {
		name string
		line string
		want bool // true: the agent loader is served
	}{
		{"our loader", agent.LoaderCommandLine(), true},
		{"masterzen Powershell()", winrm.Powershell(agent.Loader), true},
		{"pywinrm style", "powershell -encodedcommand " + enc, true},
		{"upper case", "POWERSHELL.EXE -ENCODEDCOMMAND " + enc, true},
		{"-e", "powershell -e " + enc, true},
		{"-ec", "powershell -ec " + enc, true},
		{"-enc", "powershell -NoP -NonI -ep Bypass -enc " + enc, true},
		{"slash switches", `powershell /NoLogo /EncodedCommand ` + enc, true},
		{"full path", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -EncodedCommand ` + enc, true},
		{"quoted path", `"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.exe" -EncodedCommand ` + enc, true},
		{"other script", winrm.Powershell("Get-Date"), false},
		{"-Command", "powershell -Command Get-Date", false},
		{"script text", "powershell Get-Date", false},
		{"-Command before -enc", "powershell -Command x -EncodedCommand " + enc, false},
		{"no value", "powershell -EncodedCommand", false},
		{"bad base64", "powershell -EncodedCommand %%%", false},
		{"-ex is ExecutionPolicy", "powershell -ex " + enc, false},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), c.line, nil, strings.NewReader(""), &stdout, &stderr, winhost.New("server1", nil))
		served := code == 0 && stderr.Len() == 0
		if served != c.want {
			t.Errorf("%s: served=%v (exit %d, stderr %q), want %v", c.name, served, code, stderr.String(), c.want)
		}
		if !c.want && !strings.HasPrefix(stderr.String(), "#< CLIXML\r\n") {
			t.Errorf("%s: stderr is not CLIXML: %q", c.name, stderr.String())
		}
	}
}

func TestWinRMArgumentsAreAppended(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), "powershell.exe", []string{"-EncodedCommand", agent.EncodeCommand(agent.Loader)},
		strings.NewReader(""), &stdout, &stderr, winhost.New("server1", nil))
	if code != 0 || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestOtherPrograms(t *testing.T) {
	h := winhost.New("server1", nil)
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), "hostname", nil, strings.NewReader(""), &stdout, &stderr, h); code != 0 || stdout.String() != "SERVER1\r\n" {
		t.Fatalf("hostname: exit %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	if code := Run(context.Background(), `C:\Windows\System32\HOSTNAME.EXE`, nil, strings.NewReader(""), &stdout, &stderr, h); code != 0 || stdout.String() != "SERVER1\r\n" {
		t.Fatalf("hostname by path: exit %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	code := Run(context.Background(), "ipconfig /all", nil, strings.NewReader(""), &stdout, &stderr, h)
	want := "'ipconfig' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Fatalf("unknown program: exit %d, stderr %q", code, stderr.String())
	}
}

// session feeds stdin lines to the emulated agent and returns its responses.
func session(t *testing.T, commandLine string, script string, requests ...string) (int, []agent.Response) {
	t.Helper()
	var in strings.Builder
	in.WriteString(script)
	in.WriteString(agent.EndOfScript + "\r\n") // CRLF must work too, as ReadLine allows it
	for _, r := range requests {
		in.WriteString(r + "\n")
	}
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), commandLine, nil, strings.NewReader(in.String()), &stdout, &stderr, winhost.New("server1", nil))
	if stderr.Len() != 0 {
		t.Fatalf("stderr: %q", stderr.String())
	}
	var out []agent.Response
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		resp, err := agent.DecodeResponse(sc.Bytes())
		if err != nil {
			t.Fatalf("response %q: %v", sc.Text(), err)
		}
		out = append(out, resp)
	}
	return code, out
}

func line(t *testing.T, id uint64, op string, params any) string {
	t.Helper()
	raw, err := agent.EncodeLine(struct {
		ID     uint64 `json:"id"`
		Op     string `json:"op"`
		Params any    `json:"params"`
	}{id, op, params})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(raw), "\n")
}

func TestLoaderServesTheAgent(t *testing.T) {
	hello := line(t, 1, agent.Hello.Name, agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: agent.ScriptSHA256})
	set := line(t, 2, agent.RegistrySet.Name, agent.RegistrySetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyNetBTParameters},
		Name: "CacheTimeout", Value: agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}})
	get := line(t, 3, agent.RegistryGet.Name, agent.RegistryGetParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: winhost.KeyComputerName}, Name: "computername"})
	code, list := session(t, winrm.Powershell(agent.Loader), agent.Script, hello, "", set, get, line(t, 4, "nope", nil), "{not json")
	// The agent runs requests concurrently: answers are matched by id.
	resps := map[uint64]agent.Response{}
	for _, r := range list {
		resps[r.ID] = r
	}
	if code != 0 || len(list) != 5 || len(resps) != 5 {
		t.Fatalf("exit %d, %d responses: %+v", code, len(list), list)
	}
	if resps[1].Error != nil || !strings.Contains(string(resps[1].Result), `"computer_name":"SERVER1"`) ||
		!strings.Contains(string(resps[1].Result), agent.ScriptSHA256) {
		t.Errorf("hello: %+v %s", resps[1], resps[1].Result)
	}
	if resps[2].Error != nil {
		t.Errorf("set: %+v", resps[2])
	}
	if !strings.Contains(string(resps[3].Result), `"data":"SERVER1"`) {
		t.Errorf("get: %s", resps[3].Result)
	}
	if resps[4].Error == nil || resps[4].Error.Code != agent.CodeUnknownOp {
		t.Errorf("unknown op: %+v", resps[4])
	}
	if resps[0].Error == nil || resps[0].Error.Code != agent.CodeInvalidParams {
		t.Errorf("bad line: %+v", resps[0])
	}
}

func TestHelloChecks(t *testing.T) {
	cases := []struct {
		name   string
		script string
		hello  agent.HelloParams
		code   string
	}{
		{"unknown script", agent.Script + "# tampered\n", agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: agent.HashScript(agent.Script + "# tampered\n")}, agent.CodeScriptMismatch},
		{"client hash differs", agent.Script, agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: strings.Repeat("0", 64)}, agent.CodeScriptMismatch},
		{"protocol", agent.Script, agent.HelloParams{Protocol: agent.ProtocolVersion + 1, ScriptSHA256: agent.ScriptSHA256}, agent.CodeProtocol},
	}
	for _, c := range cases {
		_, resps := session(t, agent.LoaderCommandLine(), c.script, line(t, 7, agent.Hello.Name, c.hello))
		if len(resps) != 1 || resps[0].ID != 7 || resps[0].Error == nil || resps[0].Error.Code != c.code {
			t.Errorf("%s: %+v", c.name, resps)
		}
	}
	// An unknown script may not touch the host at all.
	_, resps := session(t, agent.LoaderCommandLine(), "Remove-Item -Recurse C:\\\n",
		line(t, 8, agent.RegistryList.Name, agent.RegistryListParams{RegistryKeyRef: agent.RegistryKeyRef{Hive: "HKLM", Key: "SOFTWARE"}}))
	if len(resps) != 1 || resps[0].Error == nil || resps[0].Error.Code != agent.CodeScriptMismatch {
		t.Errorf("unknown script served a request: %+v", resps)
	}
}

func TestStdinEndsBeforeTheMarker(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), agent.LoaderCommandLine(), nil, strings.NewReader("partial script"), &stdout, &stderr, winhost.New("server1", nil))
	if code != 0 || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
}

func TestContextEndsTheAgent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan int)
	go func() {
		done <- Run(ctx, agent.LoaderCommandLine(), nil, r, &bytes.Buffer{}, &bytes.Buffer{}, winhost.New("server1", nil))
	}()
	_, _ = w.Write([]byte(agent.Script + agent.EndOfScript + "\n"))
	cancel()
	if code := <-done; code == 0 {
		t.Fatal("a cancelled agent must not report success")
	}
	_ = w.Close()
}

type consoleReader struct{ io.Reader }

func (consoleReader) IsConsole() bool { return true }

// On a console stdin ([Console]::IsInputRedirected false) the loader
// writes its refusal to stderr and exits before reading anything.
func TestLoaderRefusesAConsoleStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	in := consoleReader{strings.NewReader(agent.Script + agent.EndOfScript + "\r\n")}
	code := Run(context.Background(), agent.LoaderCommandLine(), nil, in, &stdout, &stderr, winhost.New("server1", nil))
	if code != agent.ExitConsoleStdin || stdout.Len() != 0 || stderr.String() != agent.ConsoleStdinRefusal+"\r\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
