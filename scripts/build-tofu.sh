#!/usr/bin/env bash
# Build the pinned OpenTofu CLI from the Go module proxy into a cache directory and
# print the path of the binary (scripts/build-cli.sh does the work).
#
#   scripts/build-tofu.sh            # prints e.g. ~/.cache/terraform-provider-bkcmdb/tofu-v1.12.6/tofu
#
# Environment:
#   TOFU_VERSION      OpenTofu module version to build (default below)
#   BKCMDB_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-bkcmdb)
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
exec "$(dirname "${BASH_SOURCE[0]}")/build-cli.sh" opentofu "$TOFU_VERSION"
