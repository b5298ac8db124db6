package agent

import (
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A file added to ps/ but not to ScriptFiles would silently not be sent.
func TestScriptFilesAreTheDirectory(t *testing.T) {
	var inDir []string
	err := fs.WalkDir(ScriptDir, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			inDir = append(inDir, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	listed := slices.Clone(ScriptFiles)
	slices.Sort(listed)
	if !slices.Equal(inDir, listed) {
		t.Fatalf("ps/ holds %q, ScriptFiles lists %q", inDir, ScriptFiles)
	}
	if !strings.HasPrefix(Script, "# winfs agent") || !strings.HasSuffix(Script, "\nexit 0\n") {
		t.Error("the joined script must start with the framing file and end with the main loop")
	}
}

func TestScriptWireForm(t *testing.T) {
	if strings.Contains(Script, "\r") || !strings.HasSuffix(Script, "\n") || strings.HasSuffix(Script, "\n\n") {
		t.Fatal("Script must use LF line ends and end with exactly one LF")
	}
	for i, r := range Script {
		if r >= 0x80 || (r < 0x20 && r != '\n' && r != '\t') {
			t.Fatalf("agent.ps1 must be printable ASCII (Windows PowerShell reads it in the console code page): %q at byte %d", r, i)
		}
	}
	for _, l := range strings.Split(Script, "\n") {
		if strings.EqualFold(l, EndOfScript) { // the loader compares with -eq, case-insensitively
			t.Fatal("agent.ps1 contains the end-of-script line")
		}
	}
	if len(ScriptSHA256) != 64 {
		t.Fatalf("ScriptSHA256 = %q", ScriptSHA256)
	}
}

func TestLoaderCommandLine(t *testing.T) {
	cl := LoaderCommandLine()
	if len(cl) > 8191 {
		t.Fatalf("command line is %d characters, Windows allows 8191", len(cl))
	}
	b64 := cl[strings.LastIndex(cl, " ")+1:]
	got, err := DecodeCommand(b64)
	if err != nil || got != Loader {
		t.Fatalf("DecodeCommand: %q, %v", got, err)
	}
	if s, err := DecodeCommand(EncodeCommand("\U0001F600 \u00e9")); err != nil || s != "\U0001F600 \u00e9" {
		t.Fatalf("EncodeCommand round trip: %q, %v", s, err)
	}
	if _, err := DecodeCommand("QQ="); err == nil {
		t.Fatal("odd byte count accepted")
	}
}

// The agent cannot run here; at least make sure it dispatches every
// operation and uses every error code of the contract.
func TestScriptCoversTheContract(t *testing.T) {
	for _, op := range Ops {
		name := op.Describe().Name
		if !strings.Contains(Script, "'"+name+"' { return (") {
			t.Errorf("agent.ps1 does not dispatch %q", name)
		}
	}
	for _, code := range []string{CodeInvalidParams, CodeUnknownOp, CodeKeyNotFound, CodeAccessDenied, CodeScriptMismatch, CodeProtocol, CodeInternal,
		CodeDNSUnavailable, CodeZoneNotFound, CodeDNSConflict, CodeRecordExists,
		CodeVolumeNotMounted, CodePathNotFound, CodeUnknownAccount, CodeShareConflict,
		CodeDiskNotFound, CodeVolumeNotFound, CodeMountPointInUse, CodeFolderNotEmpty, CodeFolderNotFound, CodeNotNTFS, CodeVolumeInUse, CodeDiskOffline, CodeDiskReadOnly, CodeInvalidMountPath, CodeWriteCacheNotChangeable, CodeServiceNotFound} {
		if !strings.Contains(Script, "'"+code+"'") {
			t.Errorf("agent.ps1 never reports %q", code)
		}
	}
	for _, state := range []string{ServiceRunning, ServiceStopped, ServiceStartPending, ServiceStopPending, ServiceContinuePending, ServicePausePending, ServicePaused, ServiceNotFound} {
		if !strings.Contains(Script, "'"+state+"'") {
			t.Errorf("agent.ps1 never reports service state %q", state)
		}
	}
	for _, field := range []string{"computer_name", "services", "display_name", "volumes", "mount_point", "volume_guid", "disk_serial", "online", "read_only", "dirty", "shares", "available"} {
		if !strings.Contains(Script, field+" ") && !strings.Contains(Script, field+" =") {
			t.Errorf("agent.ps1 never writes the server.status field %q", field)
		}
	}
	if !strings.Contains(Script, "-cnotmatch '\\A[A-Za-z0-9_.-]{1,256}\\z'") || ServiceNamePattern.String() != `^[A-Za-z0-9_.-]{1,256}$` {
		t.Error("agent.ps1 and ServiceNamePattern must accept the same service names")
	}
	for _, typ := range []string{RegSZ, RegExpandSZ, RegMultiSZ, RegDWord, RegQWord, RegBinary, RegNone} {
		if strings.Count(Script, "'"+typ+"'") < 3 { // read, validate, write
			t.Errorf("agent.ps1 does not handle %s on every path", typ)
		}
	}
	for _, h := range Hives {
		if !strings.Contains(Script, "'"+h+"' { $hive = ") {
			t.Errorf("agent.ps1 does not accept hive %s", h)
		}
	}
}

// The loader must refuse a console stdin with the documented exit code.
func TestLoaderRefusesAConsoleStdin(t *testing.T) {
	want := "if(-not [Console]::IsInputRedirected){[Console]::Error.WriteLine('" + ConsoleStdinRefusal + "');exit " + strconv.Itoa(ExitConsoleStdin) + "};"
	if !strings.Contains(Loader, want) || strings.Contains(ConsoleStdinRefusal, "'") {
		t.Fatalf("the loader must start with %q", want)
	}
	if strings.Contains(Loader, "OutputEncoding") {
		t.Fatal("the loader must not set [Console]::OutputEncoding (it throws without a console)")
	}
}

// The agent's table of well-known accounts is WellKnownAccounts.
func TestScriptWellKnownAccountsAreTheContracts(t *testing.T) {
	block := scriptBlock(t, "$WinfsWellKnownAccounts = @(", "\n)\n")
	var got []WellKnownAccount
	for _, m := range regexp.MustCompile(`@\('([^']+)', '(S-1-[0-9-]+)'\)`).FindAllStringSubmatch(block, -1) {
		got = append(got, WellKnownAccount{Name: m[1], SID: m[2]})
	}
	if !slices.Equal(got, WellKnownAccounts) {
		t.Fatalf("the script's table\n%v\nis not WellKnownAccounts\n%v", got, WellKnownAccounts)
	}
}

// Dirty volumes are found by a property, not by the localized text of a
// native tool.
func TestScriptReadsTheDirtyBitLocaleFree(t *testing.T) {
	if regexp.MustCompile(`(?i)&\s*'?fsutil`).MatchString(Script) {
		t.Error("the agent must not parse fsutil's output: it is localized")
	}
	if !strings.Contains(Script, "DirtyBitSet") {
		t.Error("the agent must read Win32_Volume.DirtyBitSet")
	}
}

// The console host writes warnings to a redirected stdout: the agent keeps
// them off the wire.
func TestScriptKeepsHostOutputOffStdout(t *testing.T) {
	for _, want := range []string{"$WarningPreference = 'SilentlyContinue'", "$InformationPreference = 'SilentlyContinue'"} {
		if !strings.Contains(Script, "\n"+want+"\n") {
			t.Errorf("the script must set %s", want)
		}
	}
}

// The agent's $WinfsSerial table is agent.Serial of every write, and
// lists no read.
func TestScriptSerialTableIsTheOpTable(t *testing.T) {
	block := scriptBlock(t, "$WinfsSerial = @{\n", "\n}\n")
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`'([a-z0-9_.]+)' = '([a-z]+)'`).FindAllStringSubmatch(block, -1) {
		got[m[1]] = m[2]
	}
	want := map[string]string{}
	for _, o := range Ops {
		d := o.Describe()
		if d.Serial != SerialNone {
			want[d.Name] = SerialNames[d.Serial]
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the script's table\n%v\nis not the op table's\n%v", got, want)
	}
	if !strings.Contains(Script, "\n$WinfsPoolSize = "+strconv.Itoa(PoolSize)+"\n") {
		t.Errorf("the script's $WinfsPoolSize is not PoolSize (%d)", PoolSize)
	}
	for _, o := range Ops {
		if d := o.Describe(); d.ReadOnly && d.Serial != SerialNone {
			t.Errorf("%s reads but is serialized", d.Name)
		}
	}
}

// scriptBlock is the script's text from the line that starts with start
// to the first end after it.
func scriptBlock(t *testing.T, start, end string) string {
	t.Helper()
	i := strings.Index(Script, start)
	if i < 0 {
		t.Fatalf("the script has no %q", start)
	}
	block := Script[i:]
	j := strings.Index(block, end)
	if j < 0 {
		t.Fatalf("the script's %q has no end %q", start, end)
	}
	return block[:j]
}
