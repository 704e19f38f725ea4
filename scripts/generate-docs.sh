#!/usr/bin/env bash
# make generate: format the examples, then regenerate docs/ with tfplugindocs.
# make docs-check (--check): the same, then fail when docs/ differs from what is
# committed (changed or untracked files) or when `tfplugindocs validate` objects.
#
# The provider schema comes from the selected CLI (Terraform or OpenTofu) through a
# dev_overrides CLI config, then is handed to tfplugindocs with --providers-schema, so
# tfplugindocs never looks for or downloads a terraform binary itself.
set -euo pipefail
check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bkcmdb_require_tf
cd "$BKCMDB_ROOT"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-docs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

"$BKCMDB_TF" fmt -recursive examples

bkcmdb_build_provider "$tmp/bin"
bkcmdb_write_cli_config "$tmp/cli.tfrc" "$tmp/bin"
mkdir -p "$tmp/ws"
cat >"$tmp/ws/main.tf" <<'HCL'
terraform {
  required_providers {
    bkcmdb = {
      source = "bkcmdb/bkcmdb"
    }
  }
}
HCL
TF_CLI_CONFIG_FILE="$tmp/cli.tfrc" "$BKCMDB_TF" -chdir="$tmp/ws" providers schema -json >"$tmp/raw.json"
# tfplugindocs looks the schema up by the short name; rename the full address.
sed -E 's#"registry\.(terraform\.io|opentofu\.org)/bkcmdb/bkcmdb":#"bkcmdb":#' "$tmp/raw.json" >"$tmp/schema.json"
grep -q '"bkcmdb":' "$tmp/schema.json" || { echo "generate-docs: no bkcmdb schema in the CLI's output" >&2; exit 1; }

tfplugindocs=(go tool -modfile="$BKCMDB_ROOT/tools/go.mod" tfplugindocs)
"${tfplugindocs[@]}" generate \
  --provider-name bkcmdb \
  --rendered-provider-name "BlueKing CMDB" \
  --providers-schema "$tmp/schema.json"

$check || exit 0

echo "==> checking docs/ against the commit"
untracked="$(git ls-files --others --exclude-standard -- docs/)"
if ! git diff --exit-code --stat -- docs/ || [[ -n "$untracked" ]]; then
  [[ -z "$untracked" ]] || sed 's/^/untracked: /' <<<"$untracked"
  git diff -- docs/ | head -n 100
  echo "docs-check: docs/ is out of date: run 'make generate' and commit the result" >&2
  exit 1
fi

echo "==> tfplugindocs validate"
"${tfplugindocs[@]}" validate --provider-name bkcmdb --providers-schema "$tmp/schema.json"
echo "docs-check: ok"
