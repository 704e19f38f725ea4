#!/usr/bin/env bash
# make release-check: check CHANGELOG.md (the Registry convention, and an entry for the
# release tag at HEAD or $RELEASE_TAG: scripts/changelog-check.sh), validate
# .goreleaser.yml with the pinned goreleaser, then run a snapshot release (build, zip
# archives, SHA256SUMS with the manifest; no signing,
# no publishing) for linux/amd64, darwin/arm64 and windows/amd64 only.
#
# The snapshot uses a copy of .goreleaser.yml whose block between the
# "# targets:begin" and "# targets:end" markers is replaced by an explicit target
# list; everything else is the release configuration as committed.
# RELEASE_TARGETS overrides the list (space separated goos_goarch).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BKCMDB_ROOT"

targets="${RELEASE_TARGETS:-linux_amd64 darwin_arm64 windows_amd64}"
goreleaser=(go tool -modfile="$BKCMDB_ROOT/tools/go.mod" goreleaser)

echo "==> changelog-check"
scripts/changelog-check.sh

echo "==> goreleaser check"
"${goreleaser[@]}" check --config .goreleaser.yml

grep -q '# targets:begin' .goreleaser.yml && grep -q '# targets:end' .goreleaser.yml || {
  echo "release-check: .goreleaser.yml lost its '# targets:begin/end' markers" >&2
  exit 1
}

snap="$(mktemp "${TMPDIR:-/tmp}/bkcmdb-goreleaser.XXXXXX.yml")"
trap 'rm -f "$snap"' EXIT
awk -v targets="$targets" '
  /# targets:begin/ {
    indent = $0; sub(/#.*/, "", indent)
    print indent "targets:"
    n = split(targets, t, " ")
    for (i = 1; i <= n; i++) print indent "  - " t[i]
    skip = 1; next
  }
  /# targets:end/ { skip = 0; next }
  !skip { print }
' .goreleaser.yml >"$snap"

echo "==> goreleaser release --snapshot (targets: $targets)"
"${goreleaser[@]}" release --config "$snap" --snapshot --clean --skip=sign,publish

echo "==> dist/"
ls -1 dist/*.zip dist/*_SHA256SUMS
want=$(wc -w <<<"$targets")
got=$(find dist -maxdepth 1 -name '*.zip' | wc -l)
if [[ "$got" -ne "$want" ]]; then
  echo "release-check: expected $want zip archives, found $got" >&2
  exit 1
fi
sums="$(ls dist/*_SHA256SUMS)"
if ! grep -qE '_manifest\.json$' "$sums"; then
  echo "release-check: $sums does not list the registry manifest" >&2
  exit 1
fi
for z in dist/*.zip; do
  if ! unzip -Z1 "$z" 2>/dev/null | grep -qE '^terraform-provider-bkcmdb_v[^/]+$' \
     && ! python3 -c 'import sys,zipfile; n=zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(not any(x.startswith("terraform-provider-bkcmdb_v") for x in n))' "$z" 2>/dev/null; then
    echo "release-check: $z holds no terraform-provider-bkcmdb_v<version> binary" >&2
    exit 1
  fi
done
echo "release-check: ok ($got archives, SHA256SUMS with the manifest)"
