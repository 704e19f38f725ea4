#!/usr/bin/env bash
# Run `go test -v` with the given arguments, stream its output, and end with a
# count of what ran:
#
#   skipped: K            (only when some tests were skipped)
#   N passed, M failed
#
# Subtests and fuzz seed-corpus runs count like top-level tests. The exit status is
# go test's own (non-zero on any failure, including a package that does not build).
#
#   scripts/gotest.sh [go test flags] [packages]
set -uo pipefail

log="$(mktemp "${TMPDIR:-/tmp}/bkcmdb-gotest.XXXXXX")"
trap 'rm -f "$log"' EXIT

go test -v "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

count() { grep -cE "^[[:space:]]*--- $1: " "$log" || true; }
passed="$(count PASS)"
failed="$(count FAIL)"
skipped="$(count SKIP)"

if [[ "$rc" -ne 0 && "$failed" -eq 0 ]]; then
  # A build failure, panic or timeout: go test failed without a --- FAIL line.
  failed=1
  echo "go test exited with status $rc (build failure, panic or timeout)" >&2
fi
echo
if [[ "$skipped" -gt 0 ]]; then
  echo "skipped: $skipped"
fi
echo "$passed passed, $failed failed"
exit "$rc"
