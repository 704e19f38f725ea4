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

echo "fuzz: ${#targets[@]} target(s), ${fuzztime} each"
failed=0
for t in "${targets[@]}"; do
  pkg="${t% *}"
  name="${t#* }"
  echo "==> $pkg $name"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
    echo "fuzz: $pkg $name FAILED (a failing input is saved under the package's testdata/fuzz/$name)" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: targets ok=$(( ${#targets[@]} - failed )) failing=$failed"
[[ "$failed" -eq 0 ]]
