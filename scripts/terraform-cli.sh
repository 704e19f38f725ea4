#!/usr/bin/env bash
# Print the absolute path of the Terraform-compatible CLI that the Makefile uses.
# This is the one place where that choice is made.
#
#   scripts/terraform-cli.sh          # auto
#   scripts/terraform-cli.sh --tofu   # OpenTofu only (make test-tofu)
#
# Auto order:
#   1. $TERRAFORM, when set (a path, or a command name looked up on PATH): used as is,
#      whether it is Terraform or OpenTofu;
#   2. `terraform` on PATH;
#   3. `tofu` on PATH;
#   4. a pinned OpenTofu built from the Go module proxy into a cache directory
#      (scripts/build-tofu.sh; first run only, later runs reuse it).
# --tofu order: $TOFU when set, else `tofu` on PATH, else the pinned build.
#
# Progress and errors go to stderr; stdout holds only the path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

resolve() { # resolve NAME-or-PATH -> absolute path of an executable, or fail
  local p
  if [[ "$1" == */* ]]; then
    p="$1"
  else
    p="$(command -v "$1" 2>/dev/null || true)"
  fi
  if [[ -z "$p" || ! -x "$p" || -d "$p" ]]; then
    return 1
  fi
  (cd "$(dirname "$p")" && echo "$(pwd -P)/$(basename "$p")")
}

mode="auto"
case "${1:-}" in
  "") ;;
  --tofu) mode="tofu" ;;
  *) echo "usage: $0 [--tofu]" >&2; exit 2 ;;
esac

if [[ "$mode" == auto ]]; then
  if [[ -n "${TERRAFORM:-}" ]]; then
    if ! resolve "$TERRAFORM"; then
      echo "terraform-cli: TERRAFORM=$TERRAFORM is not an executable file" >&2
      exit 1
    fi
    exit 0
  fi
  resolve terraform && exit 0
  resolve tofu && exit 0
else
  if [[ -n "${TOFU:-}" ]]; then
    if ! resolve "$TOFU"; then
      echo "terraform-cli: TOFU=$TOFU is not an executable file" >&2
      exit 1
    fi
    exit 0
  fi
  resolve tofu && exit 0
fi

if [[ "$mode" == auto ]]; then
  echo "terraform-cli: no terraform or tofu on PATH; using the pinned OpenTofu build" >&2
else
  echo "terraform-cli: using the pinned OpenTofu build" >&2
fi
exec "$here/build-tofu.sh"
