#!/usr/bin/env bash
# Build a pinned Terraform or OpenTofu CLI from the Go module proxy into a cache
# directory and print the path of the binary. Nothing but the Go toolchain and the
# module proxy is needed, so this works on a bare machine where no CLI is installed.
#
#   scripts/build-cli.sh opentofu v1.12.6   # prints ~/.cache/terraform-provider-bkcmdb/tofu-v1.12.6/tofu
#   scripts/build-cli.sh terraform v1.5.7   # prints ~/.cache/terraform-provider-bkcmdb/terraform-v1.5.7/terraform
#
# Environment:
#   BKCMDB_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb)
#
# Both CLIs' go.mod files carry `replace` directives (OpenTofu also `godebug`
# settings) that only apply when they are the main module; `go install module@version`
# refuses such modules, so we build from a throwaway module that copies those
# directives verbatim.
set -euo pipefail

usage() { echo "usage: $0 terraform|opentofu VERSION" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
flavor="$1"
version="$2"
[[ "$version" == v* ]] || version="v$version"

case "$flavor" in
  terraform)
    module=github.com/hashicorp/terraform
    pkg=github.com/hashicorp/terraform
    name=terraform
    dir_prefix=terraform
    # Tagged Terraform sources already carry an empty version.Prerelease.
    ldflags="-s -w"
    ;;
  opentofu|tofu)
    module=github.com/opentofu/opentofu
    pkg=github.com/opentofu/opentofu/cmd/tofu
    name=tofu
    dir_prefix=tofu
    # The release builds stamp the version package; do the same so `tofu version` is clean.
    ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
    ;;
  *) usage ;;
esac

cache_root="${BKCMDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb}"
dest_dir="$cache_root/$dir_prefix-$version"
exe=""
case "$(go env GOOS)" in windows) exe=".exe" ;; esac
dest="$dest_dir/$name$exe"

if [[ -x "$dest" ]]; then
  echo "$dest"
  exit 0
fi

log() { echo "build-cli: $*" >&2; }

mkdir -p "$dest_dir"
work="$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-cli-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "building $flavor $version from the Go module proxy (first run only; takes a few minutes)"

# Locate the CLI's own go.mod in the module cache (downloads it if needed).
modfile="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$module@$version" \
  | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
if [[ -z "$modfile" || ! -f "$modfile" ]]; then
  log "could not download $module@$version from the module proxy"
  exit 1
fi
go_line="$(grep -m1 '^go ' "$modfile" || echo 'go 1.14')"

{
  echo "module bkcmdb.local/cli-build"
  echo
  echo "$go_line"
  echo
  echo "require $module $version"
  echo
  # Copy the `replace` and `godebug` directives, single-line or block form.
  awk '
    /^(replace|godebug)[[:space:]]*\($/ { inblock = 1; print; next }
    inblock { print; if ($0 ~ /^\)/) { inblock = 0; print "" } ; next }
    /^(replace|godebug)[[:space:]]/ { print; print "" }
  ' "$modfile"
} >"$work/go.mod"

log "throwaway go.mod:"
sed 's/^/build-cli:   /' "$work/go.mod" >&2

(
  cd "$work"
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$work/$name$exe" "$pkg"
)
env -u TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1 "$work/$name$exe" version >&2
mv -f "$work/$name$exe" "$dest"
log "installed $dest"
echo "$dest"
