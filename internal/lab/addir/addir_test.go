package addir

import (
	"errors"
	"reflect"
	"testing"
)

func TestModifyRefusesDuplicates(t *testing.T) {
	var changes []string
	d := New(func(acct, detail string) { changes = append(changes, acct+" "+detail) })
	d.AddComputer("SERVER1")
	d.AddComputer("server2$")
	if err := d.Modify("server1", []string{"HOST/files", "HOST/files.corp.example.com"}, nil); err != nil {
		t.Fatal(err)
	}
	var dup *DuplicateError
	if err := d.Modify("SERVER2", []string{"host/FILES"}, nil); !errors.As(err, &dup) || dup.Holder != "SERVER1" {
		t.Fatalf("want a duplicate refused, got %v", err)
	}
	if got := d.Holders("HOST/FILES"); !reflect.DeepEqual(got, []string{"SERVER1"}) {
		t.Fatalf("holders %v", got)
	}
	// Removal first, then the add: the move the agent makes.
	if err := d.Modify("SERVER1", nil, []string{"host/files", "HOST/files.corp.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Modify("SERVER2$", []string{"HOST/files"}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.SPNs("server2"); !reflect.DeepEqual(got, []string{"HOST/files"}) {
		t.Fatalf("server2 holds %v", got)
	}
	if len(d.Duplicates()) != 0 {
		t.Fatalf("duplicates %v", d.Duplicates())
	}
	if _, err := d.SPNs("server3"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("want ErrNoAccount, got %v", err)
	}
	want := []string{"SERVER1 +HOST/files +HOST/files.corp.example.com", "SERVER1 -host/files -HOST/files.corp.example.com", "SERVER2 +HOST/files"}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("changes %q", changes)
	}
}
