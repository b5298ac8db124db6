#!/usr/bin/env bash
# The one change made to the downloaded Terraform or OpenTofu sources before
# building, run in a writable copy of the module: only the local state
# backend is used by the tests, and the remote-state backends are nested
# modules that Terraform's module archive does not carry and that pull in
# every cloud SDK (both). The backend table keeps local, remote, http,
# inmem and cloud and loses the rest, and go.mod the nested modules.
# build.sh keys its cache by a hash of this file.
set -euo pipefail
dropped='azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci'
init=internal/backend/init/init.go
sed -i -E \
  -e "/internal\/backend\/remote-state\/($dropped)\"/d" \
  -e "/^\s*\"(azurerm|$dropped)\":\s*func\(/d" \
  "$init"
sed -i -E "/internal\/backend\/remote-state\/($dropped)( |$)/d; /internal\/legacy( |$)/d" go.mod
# What is left must not name a dropped backend: a new release that moved
# them would otherwise build with them silently kept.
if grep -Eq "remote-state/($dropped)\"" "$init"; then
  echo "patch.sh: $init still imports a dropped backend" >&2
  exit 1
fi
