package san

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Client is the provider's handle on one array: one CLI session for the
// provider's lifetime, opened on first use, commands serialized over it,
// reopened after it breaks.
type Client struct {
	cfg Config
	d   Dialect

	mu sync.Mutex
	s  *session
}

// NewClient returns a client; it connects on the first operation.
func NewClient(cfg Config, d Dialect) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Client{cfg: cfg, d: d}
}

// Dialect is the client's dialect.
func (c *Client) Dialect() Dialect { return c.d }

// Close ends the session.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil {
		return nil
	}
	err := c.s.close()
	c.s = nil
	return err
}

func (c *Client) log(ctx context.Context, level, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger(ctx, level, msg, fields)
	}
}

// run sends one command on the session (opening it if needed). The caller
// holds c.mu. A broken session is dropped so the next command reconnects.
func (c *Client) run(ctx context.Context, cmd string) (string, error) {
	if c.s == nil {
		began := time.Now()
		s, err := dial(ctx, c.cfg, c.d)
		if err != nil {
			return "", err
		}
		c.s = s
		c.log(ctx, LevelDebug, "array session opened", map[string]any{"address": c.cfg.Address, "dialect": c.d.Name(), "duration_ms": time.Since(began).Milliseconds()})
	}
	began := time.Now()
	out, err := c.s.run(ctx, cmd)
	if err != nil {
		_ = c.s.close()
		c.s = nil
		c.log(ctx, LevelWarn, "array session broke", map[string]any{"address": c.cfg.Address, "command": cmd, "error": err.Error()})
		return "", err
	}
	c.log(ctx, LevelDebug, "array command", map[string]any{"command": cmd, "duration_ms": time.Since(began).Milliseconds()})
	return out, nil
}

// read runs a command that changes nothing, once more on a new session if
// the first broke.
func (c *Client) read(ctx context.Context, cmd string) (string, error) {
	out, err := c.run(ctx, cmd)
	if err != nil && errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil {
		c.log(ctx, LevelDebug, "repeating a read on a new array session", map[string]any{"command": cmd})
		out, err = c.run(ctx, cmd)
	}
	var uo *outcomeUnknown
	if errors.As(err, &uo) {
		err = uo.err // a read has no outcome to be unknown
	}
	return out, err
}

// Mappings lists every mapping on the array.
func (c *Client) Mappings(ctx context.Context) ([]Mapping, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mappings(ctx)
}

func (c *Client) mappings(ctx context.Context) ([]Mapping, error) {
	cmd := c.d.ListCommand()
	out, err := c.read(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return c.d.ParseList(cmd, out)
}

// MappingsOf lists the mappings of one LUN.
func (c *Client) MappingsOf(ctx context.Context, lun string) ([]Mapping, error) {
	all, err := c.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	var out []Mapping
	for _, m := range all {
		if m.LUN == lun {
			out = append(out, m)
		}
	}
	return out, nil
}

// Map maps lun to igroup; id < 0 takes the lowest free LUN ID. It returns
// the mapping as the array reports it.
func (c *Client) Map(ctx context.Context, lun, igroup string, id int) (Mapping, error) {
	if err := c.check(lun, igroup); err != nil {
		return Mapping{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mapLocked(ctx, lun, igroup, id)
}

func (c *Client) mapLocked(ctx context.Context, lun, igroup string, id int) (Mapping, error) {
	if id < 0 && c.d.NeedsID() {
		all, err := c.mappings(ctx)
		if err != nil {
			return Mapping{}, err
		}
		used := map[int]bool{}
		for _, m := range all {
			if m.IGroup == igroup {
				used[m.ID] = true
			}
		}
		for id = 0; used[id]; id++ {
		}
	}
	cmd := c.d.MapCommand(lun, igroup, id)
	out, err := c.run(ctx, cmd)
	if err != nil {
		return Mapping{}, err
	}
	got, err := c.d.ParseMap(cmd, out)
	if err != nil {
		return Mapping{}, err
	}
	if got < 0 {
		got = id
	}
	return Mapping{LUN: lun, IGroup: igroup, ID: got}, nil
}

// Unmap removes lun's mapping to igroup.
func (c *Client) Unmap(ctx context.Context, lun, igroup string) error {
	if err := c.check(lun, igroup); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unmapLocked(ctx, lun, igroup)
}

func (c *Client) unmapLocked(ctx context.Context, lun, igroup string) error {
	cmd := c.d.UnmapCommand(lun, igroup)
	out, err := c.run(ctx, cmd)
	if err != nil {
		return err
	}
	return c.d.ParseUnmap(cmd, out)
}

// Serial returns the LUN's serial number ("" when the dialect has no
// serial command). An unknown LUN is an ArrayError.
func (c *Client) Serial(ctx context.Context, lun string) (string, error) {
	if err := c.d.CheckLUN(lun); err != nil {
		return "", err
	}
	cmd := c.d.SerialCommand(lun)
	if cmd == "" {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.read(ctx, cmd)
	if err != nil {
		return "", err
	}
	return c.d.ParseSerial(cmd, out)
}

// IGroups lists the initiator groups; ok is false when the dialect cannot.
func (c *Client) IGroups(ctx context.Context) (groups []IGroup, ok bool, err error) {
	cmd := c.d.IGroupsCommand()
	if cmd == "" {
		return nil, false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.read(ctx, cmd)
	if err != nil {
		return nil, true, err
	}
	groups, err = c.d.ParseIGroups(cmd, out)
	return groups, true, err
}

func (c *Client) check(lun, igroup string) error {
	if err := c.d.CheckLUN(lun); err != nil {
		return err
	}
	if err := c.d.CheckIGroup(igroup); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
