package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/windows"
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

// TestWaitForDiskReportsACancel: an interrupt (Ctrl-C) one second into the
// wait for a disk that is not presented is reported as a cancel, not as
// "no disk appeared within 5m0s" with a missing mapping as its likely cause.
func TestWaitForDiskReportsACancel(t *testing.T) {
	t.Parallel()
	l := testLab(t)
	httpPort, _, _ := l.Ports("server1")
	st, err := windows.NewWinRMStarter("server1", windows.Endpoint{Host: "127.0.0.1", Port: httpPort, Username: l.Username(), Password: l.Password(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := windows.New("server1", st, windows.ModePersistent)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &mounter{client: c, server: "server1", serial: "NOSUCHDISK01", mountPoint: "N:"}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	began := time.Now()
	_, err = m.waitForDisk(ctx, 5*time.Minute)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was cancelled after") || strings.Contains(err.Error(), "within") {
		t.Fatalf("want the wait reported as cancelled, got %v", err)
	}
	if time.Since(began) > 20*time.Second {
		t.Fatalf("the cancel took %s to end the wait", time.Since(began))
	}

	// Its own limit is still the missing-mapping error.
	_, err = m.waitForDisk(context.Background(), 1500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "appeared on server1 within 1.5s") {
		t.Fatalf("want the wait's own limit reported, got %v", err)
	}
}
