#!/usr/bin/env bash
# Builds Terraform or OpenTofu from the Go module proxy into a cache
# directory and prints the binary's path. A binary already in the cache is
# reused: its directory is named by the version and a hash of patch.sh (the
# only change made to the downloaded sources) and of the build flags.
#
#   build.sh terraform 1.14.9     -> $CACHE/terraform-1.14.9-<hash>/terraform
#   build.sh tofu 1.12.5          -> $CACHE/tofu-1.12.5-<hash>/tofu
#
# Cold (empty Go build cache), measured on two cores: Terraform about 6.2
# CPU-minutes, OpenTofu about 5.4; a binary already in CACHE is reused at
# once, and a rebuild with a warm Go build cache only links (1-2 minutes).
#
# CACHE is WINFS_COMPAT_CACHE, else $XDG_CACHE_HOME/winfs-compat, else
# ~/.cache/winfs-compat. Build output goes to stderr, the path to stdout.
set -euo pipefail

tool=${1:?usage: build.sh terraform|tofu VERSION}
version=${2:?usage: build.sh terraform|tofu VERSION}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${WINFS_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winfs-compat}
case "$tool" in
  terraform) module=github.com/hashicorp/terraform; pkg=. ;;
  tofu) module=github.com/opentofu/opentofu; pkg=./cmd/tofu ;;
  *) echo "build.sh: unknown tool $tool (terraform or tofu)" >&2; exit 2 ;;
esac
# A release build: without version.dev=no the binary calls itself
# VERSION-dev, a prerelease that sorts before VERSION.
flags=(-trimpath -ldflags "-X $module/version.dev=no")
hash=$( (cat "$here/patch.sh"; echo "CGO_ENABLED=0 ${flags[*]}") | sha256sum | cut -c1-12)
out="$cache/$tool-$version-$hash"
if [[ -x "$out/$tool" ]]; then
  echo "reusing $out/$tool" >&2
  echo "$out/$tool"
  exit 0
fi

# The module cache is read-only: build in a writable copy.
began=$SECONDS
dir=$(go mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -n "$dir" ]] || { echo "build.sh: the module proxy did not serve $module@v$version" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
"$here/patch.sh"
# -mod=mod: go.mod lost the nested modules, so go.sum is rewritten as needed.
GOFLAGS=-mod=mod CGO_ENABLED=0 go build "${flags[@]}" -o "$work/$tool" "$pkg" >&2
echo "built $tool $version in $((SECONDS - began))s (download and compile)" >&2
# Renamed into place within the cache directory, so that a binary found
# there is always whole.
mkdir -p "$out"
mv "$work/$tool" "$out/.$tool.partial"
mv "$out/.$tool.partial" "$out/$tool"
echo "$out/$tool"
