#!/usr/bin/env bash
# Build a pinned OpenTofu CLI from the Go module proxy into a cache directory and
# print the path of the binary. Nothing but the Go toolchain and the module proxy is
# needed, so this works on a bare machine where no terraform/tofu is installed.
#
#   scripts/build-tofu.sh            # prints e.g. ~/.cache/terraform-provider-bkcmdb/tofu-v1.12.6/tofu
#
# Environment:
#   TOFU_VERSION      OpenTofu module version to build (default below)
#   BKCMDB_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb)
#
# OpenTofu's go.mod carries a `replace` directive (and `godebug` settings) that only
# apply when it is the main module; `go install module@version` refuses such modules,
# so we build it from a throwaway module that copies those directives verbatim.
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
cache_root="${BKCMDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb}"
dest_dir="$cache_root/tofu-$TOFU_VERSION"
exe=""
case "$(go env GOOS)" in windows) exe=".exe" ;; esac
dest="$dest_dir/tofu$exe"

if [[ -x "$dest" ]]; then
  echo "$dest"
  exit 0
fi

log() { echo "build-tofu: $*" >&2; }

mkdir -p "$dest_dir"
work="$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-tofu-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "building OpenTofu $TOFU_VERSION from the Go module proxy (first run only; takes a few minutes)"

# Locate OpenTofu's own go.mod in the module cache (downloads it if needed).
modfile="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" \
  | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
if [[ -z "$modfile" || ! -f "$modfile" ]]; then
  log "could not download github.com/opentofu/opentofu@$TOFU_VERSION"
  exit 1
fi
go_line="$(grep -m1 '^go ' "$modfile")"

{
  echo "module bkcmdb.local/tofu-build"
  echo
  echo "$go_line"
  echo
  echo "require github.com/opentofu/opentofu $TOFU_VERSION"
  echo
  # Copy the `replace` and `godebug` directives, single-line or block form.
  awk '
    /^(replace|godebug)[[:space:]]*\($/ { inblock = 1; print; next }
    inblock { print; if ($0 ~ /^\)/) { inblock = 0; print "" } ; next }
    /^(replace|godebug)[[:space:]]/ { print; print "" }
  ' "$modfile"
} >"$work/go.mod"

log "throwaway go.mod:"
sed 's/^/build-tofu:   /' "$work/go.mod" >&2

# The release builds stamp the version package; do the same so `tofu version` is clean.
ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
(
  cd "$work"
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
    -o "$work/tofu$exe" github.com/opentofu/opentofu/cmd/tofu
)
env -u TF_CLI_CONFIG_FILE "$work/tofu$exe" version >&2
mv -f "$work/tofu$exe" "$dest"
log "installed $dest"
echo "$dest"
