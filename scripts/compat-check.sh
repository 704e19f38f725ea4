#!/usr/bin/env bash
# make compat-check (in .ci/run; takes well under a second): the pinned CLI list
# scripts/compat-clis.txt, the supported range the docs state and the CI matrix agree.
#
#   1. README.md, templates/index.md.tmpl and docs/index.md each hold the range line
#      built from the list (oldest and newest version of each flavor):
#        Supported CLIs (tested by `make test-compat`): Terraform A to B, OpenTofu C to D.
#   2. docs/index.md's Compatibility table has a row for every listed version
#      ("| terraform | 1.5.7 | ...").
#   3. .github/workflows/test.yml's acceptance matrix lists exactly these versions, one
#      `- { cli: FLAVOR, version: "X.Y.Z" }` line each.
#
#   scripts/compat-check.sh [ROOT]   # ROOT defaults to the repository (tests pass a copy)
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"
list="scripts/compat-clis.txt"
errors=0
fail() { echo "compat-check: $*" >&2; errors=$((errors + 1)); }

[[ -f "$list" ]] || { echo "compat-check: $list is missing" >&2; exit 1; }
pinned="$(awk '!/^[[:space:]]*(#|$)/ { print $1, $2 }' "$list" | sort -k1,1 -k2,2V)"
[[ -n "$pinned" ]] || { echo "compat-check: $list lists no CLI" >&2; exit 1; }
while read -r flavor version; do
  case "$flavor" in terraform | opentofu) ;; *) fail "$list: unknown flavor '$flavor' (terraform or opentofu)" ;; esac
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$list: '$version' is not an X.Y.Z version"
done <<<"$pinned"

range() { # range FLAVOR: "A to B" from the oldest and newest listed version
  local v
  v="$(awk -v f="$1" '$1 == f { print $2 }' <<<"$pinned" | sort -V)"
  [[ -n "$v" ]] || { fail "$list lists no $1 version"; echo "none"; return; }
  echo "$(head -n1 <<<"$v") to $(tail -n1 <<<"$v")"
}
line="Supported CLIs (tested by \`make test-compat\`): Terraform $(range terraform), OpenTofu $(range opentofu)."

for f in README.md templates/index.md.tmpl docs/index.md; do
  if [[ ! -f "$f" ]]; then
    fail "$f is missing"
  elif ! grep -qF -- "$line" "$f"; then
    fail "$f does not state the range of $list; it should hold the line:"$'\n'"  $line"
    grep -n 'Supported CLIs' "$f" | sed 's/^/    it has: /' >&2 || true
  fi
done

while read -r flavor version; do
  grep -qE "^\| $flavor \| ${version//./\\.} \|" docs/index.md 2>/dev/null ||
    fail "docs/index.md's Compatibility table has no row '| $flavor | $version | ...' (run make test-compat and copy its table)"
done <<<"$pinned"

wf=".github/workflows/test.yml"
if [[ ! -f "$wf" ]]; then
  fail "$wf is missing"
else
  matrix="$(sed -nE 's/^[[:space:]]*- \{ *cli: *([a-z]+), *version: *"?([0-9.]+)"? *\}.*$/\1 \2/p' "$wf" | sort -k1,1 -k2,2V)"
  if [[ "$matrix" != "$pinned" ]]; then
    fail "$wf's acceptance matrix differs from $list:"$'\n'"$(diff <(echo "$pinned") <(echo "$matrix") | sed -n 's/^</  only in the list:/p; s/^>/  only in the workflow:/p')"
  fi
fi

if [[ $errors -gt 0 ]]; then
  exit 1
fi
echo "compat-check: ok ($(wc -l <<<"$pinned") CLIs; $line)"
