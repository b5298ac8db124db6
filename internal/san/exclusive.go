package san

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// HeldError is a LUN that other initiator groups hold (safety rule "one
// host per LUN"), found before mapping it (Mapped false: nothing was
// changed) or right after (Mapped true: a concurrent run or an
// administrator mapped it meanwhile, and our own mapping was undone when
// UndoErr is nil).
type HeldError struct {
	LUN, IGroup string
	Others      []Mapping
	Mapped      bool
	// AlsoMine: found before mapping, igroup holds the LUN too (two hosts
	// see it already).
	AlsoMine bool
	UndoErr  error
}

// OtherNames are the other igroups, sorted.
func (e *HeldError) OtherNames() []string {
	names := make([]string, 0, len(e.Others))
	for _, o := range e.Others {
		names = append(names, o.IGroup)
	}
	sort.Strings(names)
	return names
}

func (e *HeldError) Error() string {
	others := strings.Join(e.OtherNames(), ", ")
	switch {
	case !e.Mapped:
		return fmt.Sprintf("LUN %s is mapped to initiator group %s", e.LUN, others)
	case e.UndoErr == nil:
		return fmt.Sprintf("LUN %s was mapped to initiator group %s while it was being mapped to %s (another run or an administrator); "+
			"the mapping to %s was undone, so the array is as it was before", e.LUN, others, e.IGroup, e.IGroup)
	default:
		return fmt.Sprintf("LUN %s was mapped to initiator group %s while it was being mapped to %s (another run or an administrator), "+
			"and undoing the mapping to %s failed: %v. Two hosts may see the disk: unmap one of them on the array now",
			e.LUN, others, e.IGroup, e.IGroup, e.UndoErr)
	}
}

func (e *HeldError) Unwrap() error { return e.UndoErr }

// MapAlone maps lun to igroup only while no other igroup holds it, and
// checks again once it is mapped. The array's CLI has no conditional map
// and no lock, so the check, the map and the second check run back to back
// on one session, with no other command of ours on that LUN in between;
// both checks read the array afresh, never the shared listing. When
// another igroup shows up in the second check, our own mapping is removed
// again and a *HeldError reports it. Two runs racing for one LUN can thus
// both lose, but never both win. A mapping of lun to igroup that already
// exists alone is returned as is.
func (c *Client) MapAlone(ctx context.Context, lun, igroup string, id int) (m Mapping, err error) {
	if err := c.check(lun, igroup); err != nil {
		return Mapping{}, err
	}
	defer c.lockLUN(lun)()
	err = c.withSession(ctx, func(run func(string) (string, error)) error {
		m, err = c.mapAloneOn(ctx, run, lun, igroup, id)
		return err
	})
	return m, err
}

func (c *Client) mapAloneOn(ctx context.Context, run func(string) (string, error), lun, igroup string, id int) (Mapping, error) {
	read := sessionRead(run)
	all, err := c.mappings(ctx, read)
	if err != nil {
		return Mapping{}, err
	}
	mine, others := holders(all, lun, igroup)
	if len(others) > 0 {
		return Mapping{}, &HeldError{LUN: lun, IGroup: igroup, Others: others, AlsoMine: mine != nil}
	}
	if mine != nil {
		return *mine, nil
	}
	m, err := c.mapOn(ctx, run, all, lun, igroup, id)
	if err != nil {
		return Mapping{}, err
	}
	all, err = c.mappings(ctx, read)
	if err == nil {
		if _, others = holders(all, lun, igroup); len(others) == 0 {
			return m, nil
		}
	}
	// Unknown or shared: undo ours, so the estate is as it was.
	undo := c.unmapOn(run, lun, igroup)
	if err != nil {
		if undo != nil {
			return Mapping{}, fmt.Errorf("mapped %s to %s but could not check that no other igroup holds it (%w), and undoing the mapping failed: %v", lun, igroup, err, undo)
		}
		return Mapping{}, fmt.Errorf("mapped %s to %s but could not check that no other igroup holds it, so the mapping was undone: %w", lun, igroup, err)
	}
	return Mapping{}, &HeldError{LUN: lun, IGroup: igroup, Others: others, Mapped: true, UndoErr: undo}
}

// holders picks lun's mappings out of all: igroup's own and the others'.
func holders(all []Mapping, lun, igroup string) (*Mapping, []Mapping) {
	var mine *Mapping
	var others []Mapping
	for i, m := range all {
		switch {
		case m.LUN != lun:
		case m.IGroup == igroup:
			mine = &all[i]
		default:
			others = append(others, m)
		}
	}
	return mine, others
}
