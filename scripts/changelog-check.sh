#!/usr/bin/env bash
# Check CHANGELOG.md against the Terraform Registry convention, and that a release tag
# has its entry (make release-check runs it first; the release workflow on every tag).
#
#   scripts/changelog-check.sh [--file FILE] [TAG]      # check
#   scripts/changelog-check.sh [--file FILE] --notes TAG  # print TAG's entry (release notes)
#
# The convention: the first section is `## Unreleased`, which collects changes until a
# release; every other section is `## X.Y.Z (Month D, YYYY)`, newest first. Inside a
# section, entries are `* ...` bullets (continued on indented lines) under the
# categories BREAKING CHANGES:, NOTES:, FEATURES:, ENHANCEMENTS:, BUG FIXES:, each with
# at least one bullet.
#
# The release tag checked is TAG, else $RELEASE_TAG, else the v* tag at HEAD (none:
# only the structure and the tags below are checked). It must have a section `## X.Y.Z
# (...)` with at least one entry: a tag cut while the entries still sit under
# Unreleased fails. Every v* tag of the repository needs its section too.
set -euo pipefail
file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/CHANGELOG.md"
notes=false
tag=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --file) file="$2"; shift 2 ;;
    --notes) notes=true; shift ;;
    -*) echo "usage: $0 [--file FILE] [--notes] [TAG]" >&2; exit 2 ;;
    *) tag="$1"; shift ;;
  esac
done
[[ -f "$file" ]] || { echo "changelog-check: $file is missing" >&2; exit 1; }

# version_of TAG: "1.2.3" from "v1.2.3" (a tag that is not vX.Y.Z[-pre] is refused).
version_of() {
  [[ "$1" =~ ^v([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] || {
    echo "changelog-check: '$1' is not a release tag (vX.Y.Z)" >&2
    exit 1
  }
  echo "${BASH_REMATCH[1]}"
}

# entries VERSION: the number of bullets in the section of VERSION.
entries() {
  awk -v v="$1" '
    /^## / { in_s = ($2 == v) ; next }
    in_s && /^\* / { n++ }
    END { print n + 0 }
  ' "$file"
}

if $notes; then
  [[ -n "$tag" ]] || { echo "usage: $0 --notes TAG" >&2; exit 2; }
  v="$(version_of "$tag")"
  [[ "$(entries "$v")" -gt 0 ]] || { echo "changelog-check: $file has no entry for $tag" >&2; exit 1; }
  awk -v v="$v" '/^## / { in_s = ($2 == v); next } in_s' "$file" | sed -e '/./,$!d'
  exit 0
fi

# Structure.
problems="$(awk '
  function fail(msg) { printf "line %d: %s\n", NR, msg }
  function close_category() { if (cat != "" && bullets == 0) fail("category " cat " of ## " sect " has no entry") }
  /^# / && NR == 1 { next }
  /^## / {
    close_category(); cat = ""
    n++
    if ($0 == "## Unreleased") {
      if (n != 1) fail("## Unreleased must be the first section")
      sect = "Unreleased"
    } else if ($0 ~ /^## [0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)? \((January|February|March|April|May|June|July|August|September|October|November|December) [1-9][0-9]?, [0-9][0-9][0-9][0-9]\)$/) {
      if (n == 1) fail("the first section must be ## Unreleased")
      sect = $2
      if (sect in seen) fail("## " sect " appears twice")
      seen[sect] = 1
    } else {
      fail("a section heading is \"## Unreleased\" or \"## X.Y.Z (Month D, YYYY)\", not \"" $0 "\"")
      sect = "?"
    }
    next
  }
  /^[A-Z][A-Z ]*:$/ {
    close_category()
    if ($0 !~ /^(BREAKING CHANGES|NOTES|FEATURES|ENHANCEMENTS|BUG FIXES):$/)
      fail("unknown category \"" $0 "\" (BREAKING CHANGES, NOTES, FEATURES, ENHANCEMENTS, BUG FIXES)")
    if (n == 0) fail("category " $0 " before any section")
    cat = $0; bullets = 0; next
  }
  /^\* / { if (cat == "") fail("an entry outside any category"); bullets++; next }
  /^[[:space:]]+[^[:space:]]/ { if (cat == "") fail("a continuation line outside any entry"); next }
  /^[[:space:]]*$/ { next }
  n > 0 { fail("not a category, an entry (\"* ...\") or its indented continuation: " $0) }
  END {
    close_category()
    if (n == 0) print "line 0: no ## Unreleased section"
  }
' "$file")"
if [[ -n "$problems" ]]; then
  echo "changelog-check: $file does not follow the Registry changelog convention:" >&2
  sed 's/^/  /' <<<"$problems" >&2
  exit 1
fi

# Release tags: the one being released, and every tag already made.
tag="${tag:-${RELEASE_TAG:-}}"
repo="$(dirname "$file")"
if [[ -z "$tag" ]]; then
  tag="$(git -C "$repo" tag --points-at HEAD --list 'v*' 2>/dev/null | sort -V | tail -n1 || true)"
fi
missing=()
while read -r t; do
  [[ -z "$t" ]] && continue
  v="$(version_of "$t")"
  [[ "$(entries "$v")" -gt 0 ]] || missing+=("$t")
done < <( { [[ -n "$tag" ]] && echo "$tag"; git -C "$repo" tag --list 'v*' 2>/dev/null | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+' || true; } | sort -u)
if [[ ${#missing[@]} -gt 0 ]]; then
  for t in "${missing[@]}"; do
    echo "changelog-check: release tag $t has no entry in $file: move the entries of ## Unreleased under a new" \
      "\"## ${t#v} ($(LC_ALL=C date -u '+%B %-d, %Y'))\" heading below an empty ## Unreleased" >&2
  done
  exit 1
fi
echo "changelog-check: ok${tag:+ ($tag has its entry)}"
