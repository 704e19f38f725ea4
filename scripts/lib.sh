# Shared helpers for the scripts in this directory; source it, don't run it.
# shellcheck shell=bash

# The repository root.
BKCMDB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Registry addresses under which users' configurations find the provider
# (`source = "bkcmdb/bkcmdb"`): Terraform's default host and OpenTofu's.
BKCMDB_SOURCES=("registry.terraform.io/bkcmdb/bkcmdb" "registry.opentofu.org/bkcmdb/bkcmdb")

# bkcmdb_require_tf: fail unless with-terraform.sh exported the CLI.
bkcmdb_require_tf() {
  if [[ -z "${BKCMDB_TF:-}" ]]; then
    echo "$(basename "$0"): run me through scripts/with-terraform.sh (or make)" >&2
    exit 2
  fi
}

# bkcmdb_build_provider DIR: build the provider binary into DIR.
bkcmdb_build_provider() {
  local exe=""
  [[ "$(go env GOOS)" == windows ]] && exe=".exe"
  (cd "$BKCMDB_ROOT" && go build -o "$1/terraform-provider-bkcmdb$exe" .)
}

# bkcmdb_write_cli_config FILE PROVIDER_DIR: a CLI config whose dev_overrides point
# both registry addresses of the provider at PROVIDER_DIR; every other provider
# installs as usual.
bkcmdb_write_cli_config() {
  local file="$1" dir="$2" src
  {
    echo "provider_installation {"
    echo "  dev_overrides {"
    for src in "${BKCMDB_SOURCES[@]}"; do
      printf '    "%s" = "%s"\n' "$src" "$dir"
    done
    echo "  }"
    echo "  direct {}"
    echo "}"
  } >"$file"
}
