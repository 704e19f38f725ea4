#!/usr/bin/env bash
# make examples-check: every example directory is formatted and validates against the
# local provider build (dev_overrides; no registry, no `init`).
#
# A directory that has no `required_providers` block (the data source snippets that
# tfplugindocs embeds in docs/) is validated together with examples/provider/provider.tf,
# as a reader combines the provider page and the data source page. Every provider
# configuration gets a data source that uses it, so its arguments are validated too.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bkcmdb_require_tf
cd "$BKCMDB_ROOT"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-examples.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "==> $BKCMDB_TF fmt -check -recursive examples"
if ! "$BKCMDB_TF" fmt -check -diff -recursive examples; then
  echo "examples-check: run 'make generate' (it formats the examples)" >&2
  exit 1
fi

bkcmdb_build_provider "$tmp/bin"
bkcmdb_write_cli_config "$tmp/cli.tfrc" "$tmp/bin"
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc"

mapfile -t dirs < <(find examples -name '*.tf' -printf '%h\n' | sort -u)
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "examples-check: no examples found" >&2
  exit 1
fi

failed=0
for d in "${dirs[@]}"; do
  ws="$tmp/ws/$d"
  mkdir -p "$ws"
  cp "$d"/*.tf "$ws"/
  if ! grep -qs 'required_providers' "$d"/*.tf; then
    cp examples/provider/provider.tf "$ws/zz_provider.tf"
  fi
  # Terraform validates a provider block only when something uses it: give every
  # provider configuration (the default and each alias) a reader.
  {
    for a in "" $(sed -nE 's/^[[:space:]]*alias[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "$ws"/*.tf | sort -u); do
      echo "data \"bkcmdb_service_instances\" \"zz_examples_check_${a:-default}\" {"
      [[ -n "$a" ]] && echo "  provider = bkcmdb.$a"
      echo "  bk_biz_id       = 1"
      echo "  set_template_id = 1"
      echo "}"
    done
  } >"$ws/zz_examples_check.tf"
  echo "==> validate $d"
  if ! "$BKCMDB_TF" -chdir="$ws" validate -no-color; then
    failed=$((failed + 1))
  fi
done
echo "examples-check: ${#dirs[@]} directories, $failed failing"
[[ "$failed" -eq 0 ]]
