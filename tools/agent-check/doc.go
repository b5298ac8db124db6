// Package agentcheck is the home of `make agent-check`, the static check of
// the agent script (internal/agent/ps) written in Node.js with a real
// PowerShell grammar (tree-sitter-powershell): check.mjs checks the script,
// cmdlets.json is its table of the real cmdlets (extract.mjs builds it from
// Microsoft's cmdlet reference). The Go test runs the check on the agent and
// on mutated copies of it, so `go test ./...` proves the check catches each
// class of mistake.
package agentcheck
