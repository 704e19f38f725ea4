// Package scripts holds the tests of the repository's shell scripts (go test ./...
// runs them with the rest).
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs a script of this directory with args and returns its combined output and
// whether it succeeded.
func run(t *testing.T, dir string, script string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RELEASE_TAG=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%s: %v", script, err)
		}
	}
	return string(out), err == nil
}

// writeFile writes content to dir/name, creating directories.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// git runs git in dir.
func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

const unreleasedOnly = `## Unreleased

FEATURES:

* **New Data Source:** ` + "`bkcmdb_hosts`" + ` lists hosts,
  continued on an indented line.

NOTES:

* A note.
`

const released = `## Unreleased

BUG FIXES:

* a fix after the release.

## 0.1.0 (December 2, 2026)

FEATURES:

* the first feature.

ENHANCEMENTS:

* an enhancement.
`

func TestChangelogCheck(t *testing.T) {
	for _, tc := range []struct {
		name, changelog, tag string
		ok                   bool
		output               string
	}{
		{"unreleased only, no tag", unreleasedOnly, "", true, "changelog-check: ok"},
		{"tag without its entry", unreleasedOnly, "v0.1.0", false, "release tag v0.1.0 has no entry"},
		{"tag with its entry", released, "v0.1.0", true, "v0.1.0 has its entry"},
		{"another tag", released, "v0.2.0", false, "release tag v0.2.0 has no entry"},
		{"not a release tag", released, "0.1.0", false, "is not a release tag"},
		{"heading without entries", "## Unreleased\n\n## 0.1.0 (December 2, 2026)\n\nFEATURES:\n", "v0.1.0", false, "category FEATURES: of ## 0.1.0 has no entry"},
		{"empty release section", "## Unreleased\n\n## 0.1.0 (December 2, 2026)\n", "v0.1.0", false, "release tag v0.1.0 has no entry"},
		{"unknown category", "## Unreleased\n\nCHANGES:\n\n* x\n", "", false, `unknown category "CHANGES:"`},
		{"release first", "## 0.1.0 (December 2, 2026)\n\nNOTES:\n\n* x\n\n## Unreleased\n", "", false, "the first section must be ## Unreleased"},
		{"second unreleased", "## Unreleased\n\n## 0.1.0 (December 2, 2026)\n\nNOTES:\n\n* x\n\n## Unreleased\n", "", false, "## Unreleased must be the first section"},
		{"no unreleased", "# Changelog\n", "", false, "no ## Unreleased section"},
		{"old heading style", "## 0.1.0 (Unreleased)\n\nNOTES:\n\n* x\n", "", false, `not "## 0.1.0 (Unreleased)"`},
		{"bad date", "## Unreleased\n\n## 0.1.0 (2026-12-02)\n\nNOTES:\n\n* x\n", "", false, "a section heading is"},
		{"entry outside a category", "## Unreleased\n\n* x\n", "", false, "an entry outside any category"},
		{"stray text", "## Unreleased\n\nNOTES:\n\n* x\nstray\n", "", false, "not a category, an entry"},
		{"duplicate release", "## Unreleased\n\n## 0.1.0 (December 2, 2026)\n\nNOTES:\n\n* x\n\n## 0.1.0 (December 1, 2026)\n\nNOTES:\n\n* y\n", "", false, "appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, dir, "CHANGELOG.md", tc.changelog)
			args := []string{"--file", file}
			if tc.tag != "" {
				args = append(args, tc.tag)
			}
			out, ok := run(t, ".", "changelog-check.sh", args...)
			if ok != tc.ok || !strings.Contains(out, tc.output) {
				t.Errorf("ok = %v, want %v; output lacks %q:\n%s", ok, tc.ok, tc.output, out)
			}
		})
	}
}

// TestChangelogCheckRepositoryTags: a tag at HEAD is the release being made, and every
// v* tag already made needs its entry too.
func TestChangelogCheckRepositoryTags(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "CHANGELOG.md", unreleasedOnly)
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "one")
	if out, ok := run(t, ".", "changelog-check.sh", "--file", file); !ok {
		t.Fatalf("no tag: failed:\n%s", out)
	}
	git(t, dir, "tag", "v0.1.0")
	if out, ok := run(t, ".", "changelog-check.sh", "--file", file); ok || !strings.Contains(out, "release tag v0.1.0 has no entry") {
		t.Errorf("tag v0.1.0 at HEAD without an entry: ok = %v\n%s", ok, out)
	}
	writeFile(t, dir, "CHANGELOG.md", released)
	git(t, dir, "commit", "-qam", "two")
	if out, ok := run(t, ".", "changelog-check.sh", "--file", file); !ok {
		t.Errorf("v0.1.0 (not at HEAD) has its entry: failed:\n%s", out)
	}
	git(t, dir, "tag", "v0.0.9", "HEAD~1")
	if out, ok := run(t, ".", "changelog-check.sh", "--file", file); ok || !strings.Contains(out, "release tag v0.0.9 has no entry") {
		t.Errorf("older tag v0.0.9 without an entry: ok = %v\n%s", ok, out)
	}
}

// TestChangelogNotes: --notes prints one release's entry, for the release workflow.
func TestChangelogNotes(t *testing.T) {
	file := writeFile(t, t.TempDir(), "CHANGELOG.md", released)
	out, ok := run(t, ".", "changelog-check.sh", "--file", file, "--notes", "v0.1.0")
	want := "FEATURES:\n\n* the first feature.\n\nENHANCEMENTS:\n\n* an enhancement.\n"
	if !ok || out != want {
		t.Errorf("--notes v0.1.0: ok = %v, got:\n%q\nwant:\n%q", ok, out, want)
	}
	if out, ok := run(t, ".", "changelog-check.sh", "--file", file, "--notes", "v0.3.0"); ok {
		t.Errorf("--notes for a release without an entry succeeded:\n%s", out)
	}
}

// TestRepositoryChangelog: the repository's own CHANGELOG.md follows the convention.
func TestRepositoryChangelog(t *testing.T) {
	if out, ok := run(t, ".", "changelog-check.sh", "--file", filepath.Join("..", "CHANGELOG.md")); !ok {
		t.Errorf("CHANGELOG.md:\n%s", out)
	}
}
