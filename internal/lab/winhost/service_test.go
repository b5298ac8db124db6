package winhost

import (
	"reflect"
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// TestServiceRestartOrder: restarting the Server service stops its running
// dependents first, in the reverse of their start order, and starts them
// again after it in the order of the manual procedure; a stopped dependent
// stays stopped.
func TestServiceRestartOrder(t *testing.T) {
	r := newRig(t)
	h := r.s1
	got := mustS[agent.ServiceGetResult](t, h, agent.ServiceGet.Name, agent.ServiceGetParams{Name: "lanmanserver"}).Service
	want := agent.Service{Name: "LanmanServer", DisplayName: "Server", State: agent.ServiceRunning, StartType: agent.StartAutomatic,
		DependentServices: []string{"Dfs", "Browser", "Netlogon"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("service.get:\n got %+v\nwant %+v", got, want)
	}
	since := r.tl.LastSeq()
	res := mustS[agent.ServiceRestartResult](t, h, agent.ServiceRestart.Name, agent.ServiceRestartParams{Name: "LanmanServer"})
	if s := strings.Join(res.Stopped, ","); s != "Dfs,Browser,Netlogon,LanmanServer" {
		t.Fatalf("stopped %s", s)
	}
	if s := strings.Join(res.Started, ","); s != "LanmanServer,Netlogon,Browser,Dfs" {
		t.Fatalf("started %s", s)
	}
	evs, _ := r.tl.Since(since)
	var order []string
	for _, ev := range evs {
		if ev.Kind == "service.stop" || ev.Kind == "service.start" {
			order = append(order, strings.TrimPrefix(ev.Kind, "service.")+" "+strings.Fields(ev.Detail)[0])
		}
	}
	if s := strings.Join(order, ", "); s != "stop Dfs, stop Browser, stop Netlogon, stop LanmanServer, start LanmanServer, start Netlogon, start Browser, start Dfs" {
		t.Fatalf("timeline: %s", s)
	}

	// Browser stopped and disabled: a restart leaves it so.
	mustS[agent.ServiceSetResult](t, h, agent.ServiceSet.Name, agent.ServiceSetParams{Name: "Browser", State: agent.ServiceStopped, StartType: agent.StartDisabled})
	res = mustS[agent.ServiceRestartResult](t, h, agent.ServiceRestart.Name, agent.ServiceRestartParams{Name: "LanmanServer"})
	if s := strings.Join(res.Started, ","); s != "LanmanServer,Netlogon,Dfs" {
		t.Fatalf("started %s", s)
	}
	if _, aerr := sCall[agent.ServiceSetResult](t, h, agent.ServiceSet.Name, agent.ServiceSetParams{Name: "Browser", State: agent.ServiceRunning}); aerr == nil || !strings.Contains(aerr.Message, "disabled") {
		t.Fatalf("starting a disabled service: %v", aerr)
	}
	// A disabled service stays stopped at boot.
	h.Crash()
	h.Boot()
	if h.ServiceRunning("Browser") || !h.ServiceRunning("Dfs") {
		t.Fatal("after boot: Browser must stay stopped (disabled), Dfs run (automatic)")
	}
	for _, bad := range []string{"Lanman*", `a\b`, "a/b", ""} {
		if _, aerr := sCall[agent.ServiceGetResult](t, h, agent.ServiceGet.Name, agent.ServiceGetParams{Name: bad}); aerr == nil || aerr.Code != agent.CodeInvalidParams {
			t.Errorf("service name %q: %v", bad, aerr)
		}
	}
}

// TestSettingsTakeEffectAtStart: a watched setting written while its
// service runs is configured, not in effect, until the service starts
// again (NetBT's CacheTimeout: until a reboot).
func TestSettingsTakeEffectAtStart(t *testing.T) {
	r := newRig(t)
	h := r.s1
	setting := func(name string) agent.SettingStatus {
		for _, s := range status(t, h).Settings {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no setting %s", name)
		return agent.SettingStatus{}
	}
	if s := setting("DisableStrictNameChecking"); s.Pending != "" || s.InEffect != nil || h.AcceptsOtherNames() {
		t.Fatalf("fresh host: %+v (strict name checking on)", s)
	}
	one := agent.RegistryValue{Type: agent.RegDWord, Data: "1"}
	if err := h.SetRegistryValue("HKLM", KeyLanmanServerParameters, "DisableStrictNameChecking", one); err != nil {
		t.Fatal(err)
	}
	if err := h.SetRegistryValue("HKLM", KeyNetBTParameters, "CacheTimeout", agent.RegistryValue{Type: agent.RegDWord, Data: "60000"}); err != nil {
		t.Fatal(err)
	}
	if s := setting("DisableStrictNameChecking"); s.Pending != agent.PendingRestart || s.InEffect != nil || !reflect.DeepEqual(s.Configured, &one) || h.AcceptsOtherNames() {
		t.Fatalf("written, not restarted: %+v", s)
	}
	mustS[agent.ServiceRestartResult](t, h, agent.ServiceRestart.Name, agent.ServiceRestartParams{Name: "LanmanServer"})
	if s := setting("DisableStrictNameChecking"); s.Pending != "" || !reflect.DeepEqual(s.InEffect, &one) || !h.AcceptsOtherNames() {
		t.Fatalf("after the restart: %+v", s)
	}
	if s := setting("CacheTimeout"); s.Pending != agent.PendingReboot || s.InEffect != nil {
		t.Fatalf("CacheTimeout after a service restart: %+v, want a reboot pending", s)
	}
	h.Crash()
	h.Boot()
	if s := setting("CacheTimeout"); s.Pending != "" || s.InEffect == nil || s.InEffect.Data != "60000" {
		t.Fatalf("CacheTimeout after the reboot: %+v", s)
	}
}
