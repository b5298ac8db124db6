package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// DFS paths are UNC paths: \\host\share for a namespace or a target,
// \\host\namespace\folder[\...] for a folder. Windows compares them without
// regard to case, and a target's host by short name or FQDN alike
// (agent.DFSTargetKey), so a respelling is never a change.

// uncProblem says what is wrong with s as a UNC path of at least minParts
// components (exactly minParts when exact), or "".
func uncProblem(s string, minParts int, exact bool) string {
	rest, ok := strings.CutPrefix(s, `\\`)
	if !ok {
		return "is not a UNC path: it must start with two backslashes"
	}
	parts := strings.Split(rest, `\`)
	for _, p := range parts {
		if p == "" {
			return "has an empty component (a doubled or trailing backslash)"
		}
		if strings.ContainsAny(p, `*?[]"<>|/:`) {
			return `has a character a UNC path component cannot hold (* ? [ ] " < > | / :)`
		}
	}
	switch {
	case exact && len(parts) != minParts:
		return fmt.Sprintf("must have exactly %d components", minParts)
	case len(parts) < minParts:
		return fmt.Sprintf("must have at least %d components", minParts)
	}
	return ""
}

// uncPath validates a UNC path attribute; example says what is expected.
func uncPath(minParts int, exact bool, example string) validator.String {
	return stringValidator{"must be a UNC path such as " + example, func(at path.Path, s string, diags *diag.Diagnostics) {
		if p := uncProblem(s, minParts, exact); p != "" {
			diags.AddAttributeError(at, "Invalid UNC path", fmt.Sprintf("%s: %q %s; expected a UNC path such as %s.", at, s, p, example))
		}
	}}
}

// sameUNC compares two spellings of one namespace or folder path.
func sameUNC(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, `\`), strings.TrimRight(b, `\`))
}

// sameTarget compares two spellings of one target (case, short name or FQDN).
func sameTarget(a, b string) bool { return agent.DFSTargetKey(a) == agent.DFSTargetKey(b) }

// spellAs returns, for each name the server holds, the spelling of the same
// target in mine when there is one, else the server's: state keeps the
// user's spelling and a plan stays empty.
func spellAs(server []string, mine []string) []string {
	out := make([]string, len(server))
	for i, s := range server {
		out[i] = s
		for _, m := range mine {
			if sameTarget(s, m) {
				out[i] = m
				break
			}
		}
	}
	return out
}

// duplicateTargets adds an error at attr for each target that names one
// listed before it with another spelling.
func duplicateTargets(attr func(name string) path.Path, names []string, diags *diag.Diagnostics) {
	seen := map[string]string{}
	for _, n := range names {
		k := agent.DFSTargetKey(n)
		if first, dup := seen[k]; dup {
			diags.AddAttributeError(attr(n), "Duplicate target",
				fmt.Sprintf("%s: %q and %q name the same target: Windows compares them without regard to case, and a server's short name and its FQDN are one server. List it once.", attr(n), first, n))
			continue
		}
		seen[k] = n
	}
}

// dfsImportID splits "<server>:<path>".
func dfsImportID(id string, minParts int, exact bool, example string) (server, unc string, err error) {
	server, unc, ok := strings.Cut(strings.TrimSpace(id), ":")
	if !ok || server == "" {
		return "", "", fmt.Errorf("import ID %q must be <server>:<path>, e.g. server1:%s", id, example)
	}
	if p := uncProblem(unc, minParts, exact); p != "" {
		return "", "", fmt.Errorf("import ID %q: the path %s; e.g. server1:%s", id, p, example)
	}
	return server, unc, nil
}
