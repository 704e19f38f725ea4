#!/usr/bin/env bash
# Run every Go fuzz target in the module for FUZZTIME each (default 20s).
# Targets are found with `go test -list '^Fuzz'`, so new ones are picked up
# without editing anything here. No targets: says so and succeeds.
#
#   FUZZTIME=10s scripts/fuzz.sh [packages]     # packages default to ./...
set -euo pipefail

fuzztime="${FUZZTIME:-20s}"
pkgs=("$@")
[[ ${#pkgs[@]} -gt 0 ]] || pkgs=(./...)

list="$(go test -list '^Fuzz' "${pkgs[@]}")"

# `go test -list` prints the matching names of one package, then its "ok <pkg>" line.
targets=()
names=()
while IFS= read -r line; do
  case "$line" in
    Fuzz*) names+=("$line") ;;
    ok[[:space:]]*)
      pkg="$(awk '{print $2}' <<<"$line")"
      for n in "${names[@]+"${names[@]}"}"; do targets+=("$pkg $n"); done
      names=()
      ;;
    *) names=() ;;
  esac
done <<<"$list"

if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no Fuzz* targets found in ${pkgs[*]}"
  exit 0
fi

# corpus_files DIR NAME: the files of a target's committed corpus, one per line.
corpus_files() {
  ls -1 "$1/testdata/fuzz/$2" 2>/dev/null || true
}

echo "fuzz: ${#targets[@]} target(s), ${fuzztime} each"
failed=0
flaked=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for t in "${targets[@]}"; do
  pkg="${t% *}"
  name="${t#* }"
  dir="$(go list -f '{{.Dir}}' "$pkg")"
  before="$(corpus_files "$dir" "$name")"
  echo "==> $pkg $name"
  rc=0
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out" || rc=$?
  [[ $rc -eq 0 ]] && continue
  # Go 1.26's fuzz coordinator can end a clean run with a bare "context deadline
  # exceeded" at the -fuzztime boundary (golang/go#75804, fixed in Go 1.27): no input
  # failed and none was written. Only that exact case is a flake; a new file in the
  # corpus, or any other failure text, is a finding.
  after="$(corpus_files "$dir" "$name")"
  if [[ "$before" == "$after" ]] && grep -q '^    context deadline exceeded$' "$out" &&
    ! grep -qE '^\s+(fuzz_test|.*_test)\.go:[0-9]+:|panic:|Failing input written' "$out"; then
    echo "fuzz: $pkg $name ended with Go's fuzztime deadline race (golang/go#75804); no input failed" >&2
    flaked=$((flaked + 1))
    continue
  fi
  echo "fuzz: $pkg $name FAILED (a failing input is saved under $dir/testdata/fuzz/$name)" >&2
  failed=$((failed + 1))
done
echo "fuzz: targets ok=$(( ${#targets[@]} - failed - flaked )) failing=$failed deadline-race=$flaked"
[[ "$failed" -eq 0 ]]
