package lab

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/lab/dfsr"
)

// DFS Replication in the lab: the members of a group copy each changed
// file of a replicated folder to each member they have a connection with,
// Latency.DFSReplication after the change, while the group's schedule
// replicates and both members are up. A file changed on two members
// before either copy is settled by the later change ("last writer wins",
// "Understanding (the Lack of) Distributed File Locking in DFSR",
// Microsoft). The backlog from one member to another is the number of
// changes not yet copied there (Get-DfsrBacklog). Deletions are not
// replicated by the lab (it has no way to delete a file).

// replicationPoll is how often the lab looks for changed files; a change
// is dated to the look that found it.
const replicationPoll = 20 * time.Millisecond

type fileVersion struct {
	content string
	changed time.Time
}

type replicator struct {
	l    *Lab
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	seen map[string]fileVersion // member|folder|file (folded) -> last version seen there
}

func (l *Lab) startReplication() {
	l.dfsrGroups = dfsr.NewStore()
	r := &replicator{l: l, stop: make(chan struct{}), done: make(chan struct{}), seen: map[string]fileVersion{}}
	l.replication = r
	for _, s := range l.servers {
		s.host.JoinDFSR(l.dfsrGroups, r.backlog)
	}
	go r.run()
	l.closeFns = append(l.closeFns, func() { close(r.stop); <-r.done })
}

// DFSRGroups is the domain's DFS Replication configuration.
func (l *Lab) DFSRGroups() *dfsr.Store { return l.dfsrGroups }

func (r *replicator) run() {
	defer close(r.done)
	t := time.NewTicker(replicationPoll)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.pass(time.Now())
		}
	}
}

func seenKey(member, folder, file string) string {
	return strings.ToUpper(member + "|" + folder + "|" + file)
}

// files reads a member's content path: nil when the member cannot be read
// (down, or the volume is not there).
func (r *replicator) files(member, path string) map[string]string {
	h := r.l.Host(strings.ToLower(member))
	if h == nil || h.Down() {
		return nil
	}
	names, err := h.ListDir(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, n := range names {
		if c, ok := h.ReadFile(path + `\` + n); ok {
			out[n] = c
		}
	}
	return out
}

// pass notes the changes on every member, then copies the changes that
// are old enough along every connection.
func (r *replicator) pass(now time.Time) {
	delay := r.l.Latency().DFSReplication
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range r.l.dfsrGroups.Groups() {
		for _, f := range g.Folders {
			content := map[string]map[string]string{}
			for _, m := range g.Members {
				p, ok := f.Paths[dfsr.Fold(m)]
				if !ok {
					continue
				}
				files := r.files(m, p)
				if files == nil {
					continue
				}
				content[dfsr.Fold(m)] = files
				for name, c := range files {
					k := seenKey(m, f.Name, name)
					if v, ok := r.seen[k]; !ok || v.content != c {
						r.seen[k] = fileVersion{content: c, changed: now}
					}
				}
			}
			if g.HoursReplicated == 0 {
				continue
			}
			for _, src := range g.Members {
				for _, dst := range g.Members {
					if dfsr.Fold(src) == dfsr.Fold(dst) || !g.Connected(src, dst) || content[dfsr.Fold(src)] == nil || content[dfsr.Fold(dst)] == nil {
						continue
					}
					for _, name := range r.pending(src, dst, f.Name, content[dfsr.Fold(src)]) {
						v := r.seen[seenKey(src, f.Name, name)]
						if now.Sub(v.changed) < delay {
							continue
						}
						h := r.l.Host(strings.ToLower(dst))
						if err := h.WriteFile(f.Paths[dfsr.Fold(dst)]+`\`+name, v.content); err == nil {
							r.seen[seenKey(dst, f.Name, name)] = v // a copy is not a change of its own
						}
					}
				}
			}
		}
	}
}

// pending lists the files of src whose version dst does not have and would
// take (newer than its own).
func (r *replicator) pending(src, dst, folder string, files map[string]string) []string {
	var out []string
	for name := range files {
		v := r.seen[seenKey(src, folder, name)]
		d, ok := r.seen[seenKey(dst, folder, name)]
		if !ok || (d.content != v.content && v.changed.After(d.changed)) {
			out = append(out, name)
		}
	}
	return out
}

// backlog is Get-DfsrBacklog: the changes of src not yet on dst. Members
// without a connection, or a member that cannot be reached, have no
// backlog the cmdlet could read: that is an error.
func (r *replicator) backlog(group, folder, src, dst string) (int, error) {
	g, ok := r.l.dfsrGroups.Get(group)
	if !ok {
		return 0, fmt.Errorf("no replication group %s", group)
	}
	var f *dfsr.Folder
	for i := range g.Folders {
		if dfsr.Fold(g.Folders[i].Name) == dfsr.Fold(folder) {
			f = &g.Folders[i]
		}
	}
	if f == nil {
		return 0, fmt.Errorf("no replicated folder %s in group %s", folder, group)
	}
	r.pass(time.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	srcPath, ok1 := f.Paths[dfsr.Fold(src)]
	_, ok2 := f.Paths[dfsr.Fold(dst)]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("%s or %s has no membership of %s", src, dst, folder)
	}
	files := r.files(src, srcPath)
	if files == nil {
		return 0, fmt.Errorf("cannot reach the DFS Replication service of %s", src)
	}
	return len(r.pending(src, dst, f.Name, files)), nil
}
