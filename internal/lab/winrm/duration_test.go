package winrm

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT60S":      time.Minute,
		"PT60.000S":  time.Minute,
		"PT0.2S":     200 * time.Millisecond,
		"PT1M30S":    90 * time.Second,
		"P0DT1H0M0S": time.Hour,
		"P1D":        24 * time.Hour,
	} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "60", "P", "PTXS", "P1Y", "PT-1S"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestOperationTimeoutIsCapped(t *testing.T) {
	s := New(Config{MaxOperationTimeout: time.Second})
	defer s.Close()
	if got := s.operationTimeout("PT60S"); got != time.Second {
		t.Errorf("capped: %v", got)
	}
	if got := s.operationTimeout("PT0.5S"); got != 500*time.Millisecond {
		t.Errorf("below the cap: %v", got)
	}
	if got := New(Config{}).operationTimeout(""); got != 60*time.Second {
		t.Errorf("default: %v", got)
	}
}
