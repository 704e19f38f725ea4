#!/usr/bin/env bash
# make examples-check: every example directory is formatted and validates against the
# local provider build (dev_overrides; no registry, no `init`).
#
# A directory that has no `required_providers` block (the data source snippets that
# tfplugindocs embeds in docs/) is validated together with examples/provider/provider.tf,
# as a reader combines the provider page and the data source page. Every provider
# configuration gets a data source that uses it, so its arguments are validated too.
# Each directory is validated in its own copy of the whole examples tree (.tf files
# only), so that local module sources (examples/demo calls ./chain) resolve as in the
# repository; a directory that calls modules gets `get` first (local modules only: no
# registry, no network). A module directory is also validated on its own.
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

mapfile -t dirs < <(find examples -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u)
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "examples-check: no examples found" >&2
  exit 1
fi

failed=0
n=0
for d in "${dirs[@]}"; do
  n=$((n + 1))
  root="$tmp/ws/$n"
  while IFS= read -r -d '' f; do
    mkdir -p "$root/$(dirname "$f")"
    cp "$f" "$root/$f"
  done < <(find examples -name '*.tf' -not -path '*/.terraform/*' -print0)
  ws="$root/$d"
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
  if grep -qsE '^[[:space:]]*module[[:space:]]+"' "$ws"/*.tf &&
    ! "$BKCMDB_TF" -chdir="$ws" get -no-color >/dev/null; then
    failed=$((failed + 1))
    continue
  fi
  if ! "$BKCMDB_TF" -chdir="$ws" validate -no-color; then
    failed=$((failed + 1))
  fi
done
echo "examples-check: ${#dirs[@]} directories, $failed failing"
[[ "$failed" -eq 0 ]]
