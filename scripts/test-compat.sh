#!/usr/bin/env bash
# make test-compat: the provider's acceptance tests (TF_ACC=1, every test of
# ./internal/provider) on each CLI of scripts/compat-clis.txt, one CLI after the other,
# then one table: CLI, version, passed, failed, seconds.
#
#   scripts/test-compat.sh                      # every CLI of the list
#   scripts/test-compat.sh terraform-1.5.7 opentofu-1.12.6   # only these
#
# Each CLI is built once from the Go module proxy by scripts/build-cli.sh (cached under
# ~/.cache/terraform-provider-bkcmdb/); a terraform on PATH whose version is the listed
# one is used as is. The test binary is compiled once and run under each CLI.
#
# Environment:
#   COMPAT_RUN     -run pattern for the tests (default: all of them)
#   COMPAT_TABLE   also write the table (Markdown) to this file
#   COMPAT_LOGDIR  keep each CLI's go test log here (default: a temporary directory)
# Exit status: non-zero when any CLI could not be built or any test failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BKCMDB_ROOT"

list="scripts/compat-clis.txt"
logdir="${COMPAT_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/bkcmdb-compat.XXXXXX")}"
mkdir -p "$logdir"

# The CLIs to run: the list, or the ones named on the command line (flavor-version).
entries=()
while read -r flavor version _; do
  [[ -z "$flavor" || "$flavor" == \#* ]] && continue
  if [[ $# -gt 0 ]]; then
    wanted=0
    for a in "$@"; do [[ "$a" == "$flavor-$version" ]] && wanted=1; done
    [[ $wanted -eq 1 ]] || continue
  fi
  entries+=("$flavor $version")
done <"$list"
if [[ ${#entries[@]} -eq 0 ]]; then
  echo "test-compat: no CLI of $list matches: $*" >&2
  exit 2
fi

# cli_for FLAVOR VERSION: the path of that CLI (terraform on PATH when it is that
# version, else the cached build).
cli_for() {
  if [[ "$1" == terraform ]] && command -v terraform >/dev/null; then
    local onpath
    onpath="$(CHECKPOINT_DISABLE=1 terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p')"
    if [[ "$onpath" == "$2" ]]; then
      command -v terraform
      return
    fi
  fi
  scripts/build-cli.sh "$1" "$2"
}

testbin="$logdir/provider.test"
echo "test-compat: compiling the provider tests once ($testbin)"
go test -c -o "$testbin" ./internal/provider

rows=()
failed_any=0
for e in "${entries[@]}"; do
  read -r flavor version <<<"$e"
  log="$logdir/$flavor-$version.log"
  echo
  echo "================ $flavor $version ================"
  start=$SECONDS
  if ! cli="$(cli_for "$flavor" "$version" 2>"$logdir/$flavor-$version.build.log")"; then
    tail -n 20 "$logdir/$flavor-$version.build.log" >&2
    rows+=("| $flavor | $version | - | - | $((SECONDS - start)) | build failed (see $logdir/$flavor-$version.build.log) |")
    failed_any=1
    continue
  fi
  start=$SECONDS
  rc=0
  # The tests build the provider from ../.. and read testdata/: run them from the package directory.
  (cd internal/provider && TF_ACC=1 TERRAFORM="$cli" "$BKCMDB_ROOT/scripts/with-terraform.sh" \
    "$testbin" -test.v -test.count=1 -test.timeout=30m ${COMPAT_RUN:+-test.run "$COMPAT_RUN"}) >"$log" 2>&1 || rc=$?
  secs=$((SECONDS - start))
  passed="$(grep -cE '^[[:space:]]*--- PASS: ' "$log" || true)"
  failed="$(grep -cE '^[[:space:]]*--- FAIL: ' "$log" || true)"
  note=""
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then
    failed=1
    note="exit status $rc (panic, timeout or CLI error; see $log)"
  elif [[ $failed -gt 0 ]]; then
    note="failed: $(grep -E '^--- FAIL: ' "$log" | awk '{print $3}' | sort -u | tr '\n' ' ')"
  fi
  [[ $rc -ne 0 || $failed -gt 0 ]] && failed_any=1
  echo "$flavor $version: $passed passed, $failed failed, ${secs}s${note:+ ($note)}"
  rows+=("| $flavor | $version | $passed | $failed | $secs | $note |")
done

table="$(
  echo "| CLI | version | passed | failed | seconds | notes |"
  echo "|---|---|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
)"
echo
echo "================ test-compat ($(go version | awk '{print $3}'), logs in $logdir) ================"
echo "$table"
if [[ -n "${COMPAT_TABLE:-}" ]]; then
  echo "$table" >"$COMPAT_TABLE"
fi
exit "$failed_any"
