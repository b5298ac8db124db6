package windows

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// Hello asks the agent who it is. The script hash is checked on every
// session start already; this is for diagnostics and tests.
func (c *Client) Hello(ctx context.Context) (agent.HelloResult, error) {
	res, err := call(ctx, c, agent.Hello, agent.HelloParams{Protocol: agent.ProtocolVersion, ScriptSHA256: agent.ScriptSHA256})
	return res, err
}

// RegistryGet reads one value ("" is the key's default value).
func (c *Client) RegistryGet(ctx context.Context, p agent.RegistryGetParams) (agent.RegistryGetResult, error) {
	res, err := call(ctx, c, agent.RegistryGet, p)
	return res, err
}

// RegistryList reads every value of one key.
func (c *Client) RegistryList(ctx context.Context, key agent.RegistryKeyRef) (agent.RegistryListResult, error) {
	res, err := call(ctx, c, agent.RegistryList, agent.RegistryListParams{RegistryKeyRef: key})
	return res, err
}

// RegistrySet writes one value. When the session breaks after the request
// was sent, it reads the value back on a new agent: if it already holds what
// was asked, that is success; otherwise the write did not happen and it is
// applied once more.
func (c *Client) RegistrySet(ctx context.Context, p agent.RegistrySetParams) error {
	_, err := checkedWrite(ctx, c, agent.RegistrySet, p, func() (agent.Empty, bool, error) {
		got, err := c.RegistryGet(ctx, agent.RegistryGetParams{RegistryKeyRef: p.RegistryKeyRef, Name: p.Name})
		if err != nil {
			return agent.Empty{}, false, err
		}
		if got.Exists && got.Value != nil && SameRegistryValue(*got.Value, p.Value) {
			c.log(ctx, LevelDebug, "registry write of unknown outcome had been applied", map[string]any{"key": p.Key, "name": p.Name})
			return agent.Empty{}, true, nil
		}
		c.log(ctx, LevelDebug, "registry write of unknown outcome had not been applied; applying it", map[string]any{"key": p.Key, "name": p.Name})
		return agent.Empty{}, false, nil
	})
	return err
}

// RegistryDelete deletes one value; deleting a missing value succeeds with
// Existed false. After a write of unknown outcome it re-reads like
// RegistrySet; a value found gone then reports Existed true, since this
// delete most likely removed it.
func (c *Client) RegistryDelete(ctx context.Context, p agent.RegistryDeleteParams) (agent.RegistryDeleteResult, error) {
	return checkedWrite(ctx, c, agent.RegistryDelete, p, func() (agent.RegistryDeleteResult, bool, error) {
		got, err := c.RegistryGet(ctx, agent.RegistryGetParams(p))
		return agent.RegistryDeleteResult{Existed: true}, !got.Exists, err
	})
}

// SameRegistryValue compares two values by meaning: "060000" and "60000"
// are the same DWORD, "AB" and "ab" the same bytes, a nil and an empty
// multi-string list the same list.
func SameRegistryValue(a, b agent.RegistryValue) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case agent.RegMultiSZ:
		return slices.Equal(a.Strings, b.Strings)
	case agent.RegDWord, agent.RegQWord:
		x, errA := strconv.ParseUint(a.Data, 10, 64)
		y, errB := strconv.ParseUint(b.Data, 10, 64)
		return errA == nil && errB == nil && x == y
	case agent.RegBinary, agent.RegNone:
		return strings.EqualFold(a.Data, b.Data)
	default:
		return a.Data == b.Data && len(a.Strings) == 0 && len(b.Strings) == 0
	}
}

// RegistryLookup answers like RegistryGet, but from one listing of the
// whole key (registry.list) shared by every lookup of that key while it is
// fresh (see ReadCache). Refreshes use it; the checks around a write use
// RegistryGet. Without a cache it is RegistryGet.
func (c *Client) RegistryLookup(ctx context.Context, p agent.RegistryGetParams) (agent.RegistryGetResult, error) {
	if c.cache == nil {
		return c.RegistryGet(ctx, p)
	}
	key := "registry\x00" + strings.ToUpper(p.Hive) + `\` + strings.ToUpper(p.Key)
	v, err := c.cache.Get(ctx, key, func(ctx context.Context) (any, error) {
		res, err := c.RegistryList(ctx, p.RegistryKeyRef)
		if err != nil {
			return nil, err
		}
		return newRegistryListing(res), nil
	})
	if err != nil {
		// The single read gives the error (or the answer) exactly as before.
		return c.RegistryGet(ctx, p)
	}
	l := v.(*registryListing)
	if !l.keyExists {
		return agent.RegistryGetResult{}, nil
	}
	if val, ok := l.find(p.Name); ok {
		return agent.RegistryGetResult{KeyExists: true, Exists: true, Value: &val}, nil
	}
	// Not listed: the value is missing, or has a type registry.list leaves
	// out (where registry.get reports an error). Only the host can say.
	return c.RegistryGet(ctx, p)
}

// registryListing is a registry.list result indexed for lookups by name,
// which Windows compares case-insensitively.
type registryListing struct {
	keyExists bool
	values    map[string]agent.RegistryValue
	folded    map[string][]string // upper-cased name -> names as listed
}

func newRegistryListing(res agent.RegistryListResult) *registryListing {
	l := &registryListing{keyExists: res.KeyExists, values: res.Values, folded: map[string][]string{}}
	for name := range res.Values {
		f := strings.ToUpper(name)
		l.folded[f] = append(l.folded[f], name)
	}
	return l
}

// find returns a copy of the value called name: the exact spelling first,
// else the one value whose name folds to it. Names that fold together but
// differ for Windows are not guessed at.
func (l *registryListing) find(name string) (agent.RegistryValue, bool) {
	v, ok := l.values[name]
	if !ok {
		names := l.folded[strings.ToUpper(name)]
		if len(names) != 1 {
			return agent.RegistryValue{}, false
		}
		v = l.values[names[0]]
	}
	v.Strings = slices.Clone(v.Strings)
	return v, true
}
