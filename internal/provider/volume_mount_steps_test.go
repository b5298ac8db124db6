package provider

import (
	"strings"
	"testing"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// An MBR data disk is refused by name, not reported as having no data
// partition (its partitions are typed IFS, FAT32, ... rather than Basic).
func TestPickPartitionRefusesMBR(t *testing.T) {
	m := &mounter{server: "server1", serial: "S1"}
	d := agent.Disk{PartitionStyle: "MBR", Partitions: []agent.Partition{{Number: 1, Type: "IFS"}}}
	if _, err := m.pickPartition(d); err == nil || !strings.Contains(err.Error(), "MBR disk: only GPT data disks are supported") {
		t.Fatalf("MBR disk: %v", err)
	}
	d = agent.Disk{PartitionStyle: "GPT", Partitions: []agent.Partition{{Number: 1, Type: agent.PartitionReserved}, {Number: 2, Type: agent.PartitionBasic}}}
	if p, err := m.pickPartition(d); err != nil || p.Number != 2 {
		t.Fatalf("GPT disk: %+v %v", p, err)
	}
}
