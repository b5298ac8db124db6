package agent

// Error codes of the dfsr area.
const (
	CodeDFSRUnavailable = "dfsr_unavailable" // the DFS Replication service (DFSR) is not running
	CodeGroupNotFound   = "group_not_found"  // no replication group of that name
)

// DFSRMembership is one member's copy of a replicated folder: the local
// folder replicated (Set-DfsrMembership -ContentPath).
type DFSRMembership struct {
	Member      string `json:"member"`
	ContentPath string `json:"content_path"`
}

// DFSRFolder is one replicated folder of a group with every member's
// content path.
type DFSRFolder struct {
	Name        string           `json:"name"`
	Memberships []DFSRMembership `json:"memberships"`
}

// DFSRConnection is a pair of one-way connections between two members
// (Add-DfsrConnection without -CreateOneWay makes both directions).
type DFSRConnection struct {
	A string `json:"a"`
	B string `json:"b"`
}

// DFSRGroupSettings are a replication group's members (computer names),
// folders, connections and whether its schedule replicates at all
// (Set-DfsrGroupSchedule -ScheduleType Always or Never).
type DFSRGroupSettings struct {
	Members     []string         `json:"members"`
	Folders     []DFSRFolder     `json:"folders"`
	Connections []DFSRConnection `json:"connections"`
	Schedule    bool             `json:"schedule"`
}

// DFSRGroupGetParams reads a replication group by name.
type DFSRGroupGetParams struct {
	Name string `json:"name"`
}

// DFSRGroupGetResult: Exists says whether the group exists; lists never
// null. Schedule is true when the group replicates all week
// (HoursReplicated 168), HoursReplicated says how much of the week it does
// (a partial schedule made by hand is neither on nor off).
type DFSRGroupGetResult struct {
	Exists bool `json:"exists"`
	DFSRGroupSettings
	HoursReplicated int64 `json:"hours_replicated"`
}

// DFSRHoursAlways is HoursReplicated of the Always schedule (7 x 24).
const DFSRHoursAlways = 168

// DFSRGroupSetParams creates the group or brings it to the settings:
// members added, folders added, content paths set, connections added,
// schedule set, then connections, folders and members not listed removed.
type DFSRGroupSetParams struct {
	Name string `json:"name"`
	DFSRGroupSettings
}

// DFSRGroupSetResult says whether the group was created.
type DFSRGroupSetResult struct {
	Created bool `json:"created"`
}

// DFSRGroupRemoveParams removes a group with its replicated folders (the
// content stays on the members); a missing group succeeds with Existed false.
type DFSRGroupRemoveParams struct {
	Name string `json:"name"`
}

// DFSRGroupRemoveResult says whether there was a group.
type DFSRGroupRemoveResult struct {
	Existed bool `json:"existed"`
}

// DFSRBacklogGetParams asks for the updates waiting to replicate from
// Source to Destination in one replicated folder (Get-DfsrBacklog).
type DFSRBacklogGetParams struct {
	Group       string `json:"group"`
	Folder      string `json:"folder"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// DFSRBacklogGetResult: Files is the number of backlogged updates the
// cmdlet lists, at most MaxDFSRBacklogListed; AtLeast says the list was
// cut there (the real backlog may be larger). Zero is exact.
type DFSRBacklogGetResult struct {
	Files   int64 `json:"files"`
	AtLeast bool  `json:"at_least"`
}

// MaxDFSRBacklogListed is the most updates Get-DfsrBacklog lists ("The
// maximum number of files that this command displays is 100").
const MaxDFSRBacklogListed = 100
