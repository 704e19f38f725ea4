#!/usr/bin/env bash
# Run a command with the selected Terraform-compatible CLI exported to it.
#
#   scripts/with-terraform.sh [--tofu] COMMAND [ARGS...]
#
# Exports:
#   BKCMDB_TF                 absolute path of the CLI (see scripts/terraform-cli.sh)
#   BKCMDB_TF_FLAVOR          "terraform" or "opentofu"
#   TF_ACC_TERRAFORM_PATH     the same path, so terraform-plugin-testing uses exactly this
#                             binary and never tries to download one
#   TF_ACC_PROVIDER_HOST      registry.opentofu.org when the CLI is OpenTofu
#   CHECKPOINT_DISABLE=1      no version-check calls to the network
# A TF_CLI_CONFIG_FILE that names a missing file is unset (the CLI would fail on it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

args=()
if [[ "${1:-}" == "--tofu" ]]; then
  args=(--tofu)
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--tofu] COMMAND [ARGS...]" >&2
  exit 2
fi

if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "$TF_CLI_CONFIG_FILE" ]]; then
  unset TF_CLI_CONFIG_FILE
fi
export CHECKPOINT_DISABLE=1

BKCMDB_TF="$("$here/terraform-cli.sh" "${args[@]}")"
version="$("$BKCMDB_TF" version 2>/dev/null || true)"
version="${version%%$'\n'*}"
case "$version" in
  OpenTofu*)
    BKCMDB_TF_FLAVOR=opentofu
    export TF_ACC_PROVIDER_HOST=registry.opentofu.org
    ;;
  Terraform*)
    BKCMDB_TF_FLAVOR=terraform
    ;;
  *)
    echo "with-terraform: $BKCMDB_TF does not look like Terraform or OpenTofu ('version' printed: $version)" >&2
    exit 1
    ;;
esac
export BKCMDB_TF BKCMDB_TF_FLAVOR
export TF_ACC_TERRAFORM_PATH="$BKCMDB_TF"

echo "with-terraform: using $BKCMDB_TF_FLAVOR at $BKCMDB_TF ($version)" >&2
exec "$@"
