package lab

import (
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// DFSShare is the share each server of DFSScenario serves for the
// namespace folder's target: \\server1\Finance and \\server2\Finance.
const DFSShare = "Finance"

// DFSScenario is the estate of the DFS way to fail over: besides the
// default estate, each server has a LUN of its own mounted at D: (its
// own copy of the content, which DFS Replication keeps in step) and shares
// D:\Finance as Finance. The namespace and its folders are Terraform's to
// make.
func DFSScenario() Scenario {
	sc := DefaultScenario()
	sc.Name = "dfs"
	san := *sc.SAN
	san.LUNs = append(append([]array.LUN(nil), san.LUNs...),
		array.LUN{Path: "/vol/vol2/dfs_server1", Serial: "P3OoG4WVLmD1", Size: 20 << 30},
		array.LUN{Path: "/vol/vol2/dfs_server2", Serial: "P3OoG4WVLmD2", Size: 20 << 30})
	san.Mappings = append(append([]array.Mapping(nil), san.Mappings...),
		array.Mapping{LUN: "/vol/vol2/dfs_server1", IGroup: "server1", ID: 2},
		array.Mapping{LUN: "/vol/vol2/dfs_server2", IGroup: "server2", ID: 0})
	sc.SAN = &san
	sc.Volumes = append(sc.Volumes,
		VolumeSeed{Server: "server1", Serial: "P3OoG4WVLmD1", MountPoint: "D:"},
		VolumeSeed{Server: "server2", Serial: "P3OoG4WVLmD2", MountPoint: "D:"})
	for _, srv := range []string{"server1", "server2"} {
		sc.Files = append(sc.Files, FileSeed{Server: srv, Path: `D:\Finance\readme.txt`, Content: "Finance, as replicated\n"})
		sc.Shares = append(sc.Shares, ShareSeed{Server: srv, Share: agent.Share{Name: DFSShare, Path: `D:\Finance`, CachingMode: "manual",
			Access: []agent.ShareAccess{{Account: `BUILTIN\Administrators`, Right: "full", Type: "allow"}, {Account: `CORP\Finance`, Right: "change", Type: "allow"}}}})
	}
	return sc
}
