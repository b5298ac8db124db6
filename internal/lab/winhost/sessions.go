package winhost

import (
	"fmt"
	"sort"
	"strings"
)

// smbState is the Server service's runtime state: client sessions and the
// files they hold open. It is not persisted: stopping the Server service or
// losing the volume drops it.
type smbState struct {
	nextID   uint64
	sessions map[uint64]*smbSession
	files    map[uint64]*openFile
	// racingCloses is how many more files volume.close_sessions lists are
	// closed by their clients before Close-SmbOpenFile reaches them (a
	// race a busy server has; fault injection).
	racingCloses int
}

type smbSession struct {
	id           uint64
	client, user string
}

type openFile struct {
	id      uint64
	session uint64
	volume  string // volume GUID
	path    string // as the client opened it, e.g. X:\Finance\plan.xlsx
}

func newSMBState() smbState {
	return smbState{sessions: map[uint64]*smbSession{}, files: map[uint64]*openFile{}}
}

// filesOn lists the paths open on a volume, sorted.
func (s *smbState) filesOn(guid string) []string {
	var out []string
	for _, f := range s.files {
		if f.volume == guid {
			out = append(out, f.path)
		}
	}
	sort.Strings(out)
	return out
}

// closeSessions is volume.close_sessions as the agent runs it: list the
// files open on the volume (Get-SmbOpenFile), close each by id
// (Close-SmbOpenFile -ErrorAction SilentlyContinue: a file its client
// closed in between is no longer there, which is the goal), then close the
// sessions left with nothing open. Listed files count as closed either way;
// raced lists the ones their clients closed first.
func (s *smbState) closeSessions(guid string, race bool) (files, sessions int, raced []string) {
	var ids []uint64
	for id, f := range s.files {
		if f.volume == guid {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	touched := map[uint64]bool{}
	for _, id := range ids {
		f := s.files[id]
		touched[f.session] = true
		if race && s.racingCloses > 0 {
			s.racingCloses--
			raced = append(raced, f.path)
		}
		delete(s.files, id)
		files++
	}
	for sid := range touched {
		busy := false
		for _, f := range s.files {
			busy = busy || f.session == sid
		}
		if !busy {
			delete(s.sessions, sid)
			sessions++
		}
	}
	return files, sessions, raced
}

// SetClientCloseRace makes the next n files volume.close_sessions lists
// close by their clients before the agent closes them.
func (h *Host) SetClientCloseRace(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.smb.racingCloses = n
}

// dropVolume is what a vanished or offline volume does to its handles.
func (s *smbState) dropVolume(guid string) { s.closeSessions(guid, false) }

func (s *smbState) dropAll() int {
	n := len(s.sessions)
	s.sessions, s.files = map[uint64]*smbSession{}, map[uint64]*openFile{}
	return n
}

// OpenFile simulates an SMB client opening a file through the Server
// service: path is a local path on a mounted volume (X:\Finance\a.xlsx).
func (h *Host) OpenFile(client, user, path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.serviceRunningLocked("LanmanServer") {
		return fmt.Errorf("the Server service is not running on %s", h.name)
	}
	guid, d := h.resolvePathLocked(path)
	if d == nil || d.offline {
		return fmt.Errorf("%s is not on a mounted, online volume of %s", path, h.name)
	}
	s := &h.st.smb
	var sid uint64
	for _, ss := range s.sessions {
		if strings.EqualFold(ss.client, client) && strings.EqualFold(ss.user, user) {
			sid = ss.id
		}
	}
	if sid == 0 {
		s.nextID++
		sid = s.nextID
		s.sessions[sid] = &smbSession{id: sid, client: client, user: user}
	}
	s.nextID++
	s.files[s.nextID] = &openFile{id: s.nextID, session: sid, volume: guid, path: path}
	return nil
}

// OpenFiles lists the files SMB clients hold open, sorted.
func (h *Host) OpenFiles() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, f := range h.st.smb.files {
		out = append(out, f.path)
	}
	sort.Strings(out)
	return out
}

// SessionCount is the number of SMB sessions.
func (h *Host) SessionCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.st.smb.sessions)
}

// resolvePathLocked finds the volume a local path is on, by its longest
// matching access path.
func (h *Host) resolvePathLocked(path string) (string, *disk) {
	if h.down {
		return "", nil
	}
	best := ""
	var guid string
	for key, ap := range h.st.paths {
		if (strings.EqualFold(path, ap.path) || strings.HasPrefix(fold(path), key+`\`)) && len(key) > len(best) {
			best, guid = key, ap.guid
		}
	}
	if guid == "" {
		return "", nil
	}
	d, _, _ := h.volumeLocked(guid)
	return guid, d
}

// WriteFile writes a file through a mount point (X:\Finance\a.txt) onto the
// LUN, so it is there on whichever host mounts the LUN next.
func (h *Host) WriteFile(path, content string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	guid, d := h.resolvePathLocked(path)
	if d == nil || d.offline || d.readOnly {
		return fmt.Errorf("%s is not on a mounted, online, writable volume of %s", path, h.name)
	}
	k := h.st.volumes[guid]
	rel := h.relativeLocked(path)
	h.cacheWriteLocked(k, rel)
	return h.st.data.WriteFile(k.serial, k.part, rel, content)
}

// ReadFile reads a file through a mount point.
func (h *Host) ReadFile(path string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	guid, d := h.resolvePathLocked(path)
	if d == nil || d.offline {
		return "", false
	}
	k := h.st.volumes[guid]
	return h.st.data.ReadFile(k.serial, k.part, h.relativeLocked(path))
}

func (h *Host) relativeLocked(path string) string {
	best := ""
	for key := range h.st.paths {
		if strings.HasPrefix(fold(path), key+`\`) && len(key) > len(best) {
			best = key
		}
	}
	return path[len(best)+1:]
}

// ListDir lists the files below a folder of a mounted, online volume
// (X:\Finance), with paths relative to it, sorted: a client's directory
// listing. It fails when the folder's volume is not there.
func (h *Host) ListDir(path string) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	guid, d := h.resolvePathLocked(path)
	if d == nil || d.offline {
		return nil, fmt.Errorf("%s is not on a mounted, online volume of %s", path, h.name)
	}
	k := h.st.volumes[guid]
	prefix := strings.TrimSuffix(h.relativeLocked(path), `\`)
	out := []string{}
	for _, name := range h.st.data.FileNames(k.serial, k.part) {
		switch {
		case prefix == "":
			out = append(out, name)
		case len(name) > len(prefix) && strings.EqualFold(name[:len(prefix)+1], prefix+`\`):
			out = append(out, name[len(prefix)+1:])
		}
	}
	return out, nil
}
