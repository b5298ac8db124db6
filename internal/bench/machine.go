package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is where the benchmark ran.
type Machine struct {
	Load     string // load average when the run started: other work skews every figure
	CPUs     int
	CPUModel string
	MemTotal string // as free -h shows it
	OS       string
	Go       string
}

func (m Machine) String() string {
	return fmt.Sprintf("%d CPUs (nproc), %s, %s RAM (free -h), %s, %s; load average at start %s", m.CPUs, m.CPUModel, m.MemTotal, m.OS, m.Go, m.Load)
}

// DescribeMachine reads nproc, the CPU model and the memory size.
func DescribeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPUModel: "unknown CPU", MemTotal: "?", OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPUModel = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemTotal = fmt.Sprintf("%.0fGi", kb/(1<<20))
		}
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS = "Linux " + strings.TrimSpace(string(raw)) + " " + runtime.GOARCH
	}
	return m
}

// procField is the value of the first "key: value" line of a /proc file.
func procField(file, key string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
