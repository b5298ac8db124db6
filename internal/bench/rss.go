package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler records the peak resident memory of every process running the
// provider binary while a terraform command runs. Linux keeps each
// process's peak in /proc/<pid>/status (VmHWM, the RSS high-water mark), so
// sampling it often enough to see the process before it exits gives the
// exact peak up to the last sample: at most rssInterval of growth can be
// missed, and a provider's memory does not grow while it shuts down.
type rssSampler struct {
	exe  string
	done chan struct{}
	wg   sync.WaitGroup
	peak int64 // KiB
}

const rssInterval = 10 * time.Millisecond

func startRSSSampler(exe string) *rssSampler {
	if abs, err := filepath.EvalSymlinks(exe); err == nil {
		exe = abs
	}
	s := &rssSampler{exe: exe, done: make(chan struct{})}
	s.wg.Add(1)
	go s.loop()
	return s
}

// stop ends sampling and returns the peak in KiB (0: none seen, e.g. on a
// system without /proc).
func (s *rssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return s.peak
}

func (s *rssSampler) loop() {
	defer s.wg.Done()
	known := map[int]bool{} // pids found running the provider
	t := time.NewTicker(rssInterval)
	defer t.Stop()
	for {
		s.sample(known)
		select {
		case <-s.done:
			s.sample(known)
			return
		case <-t.C:
		}
	}
}

func (s *rssSampler) sample(known map[int]bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if !known[pid] {
			exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
			if err != nil || strings.TrimSuffix(exe, " (deleted)") != s.exe {
				continue
			}
			known[pid] = true
		}
		if kb := vmHWM(pid); kb > s.peak {
			s.peak = kb
		}
	}
}

// vmHWM reads a process's peak resident set size in KiB.
func vmHWM(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb
			}
		}
	}
	return 0
}
