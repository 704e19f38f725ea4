package scripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compatTree is a minimal repository for compat-check.sh: the list, the three documents
// that state the range, and the workflow matrix.
func compatTree(t *testing.T, edit func(files map[string]string)) string {
	t.Helper()
	line := "Supported CLIs (tested by `make test-compat`): Terraform 1.0.11 to 1.5.7, OpenTofu 1.6.3 to 1.12.6.\n"
	table := "| CLI | version |\n|---|---|\n| terraform | 1.0.11 | 1 |\n| terraform | 1.5.7 | 1 |\n| opentofu | 1.6.3 | 1 |\n| opentofu | 1.12.6 | 1 |\n"
	files := map[string]string{
		"scripts/compat-clis.txt": "# flavor version\nterraform 1.5.7\nterraform 1.0.11\n\nopentofu 1.12.6\nopentofu 1.6.3\n",
		"README.md":               "# x\n\n" + line,
		"templates/index.md.tmpl": line + table,
		"docs/index.md":           line + table,
		".github/workflows/test.yml": `jobs:
  acc:
    strategy:
      matrix:
        include:
          - { cli: terraform, version: "1.0.11" }
          - { cli: terraform, version: "1.5.7" }
          - { cli: opentofu, version: "1.6.3" }
          - { cli: opentofu, version: "1.12.6" }
`,
	}
	if edit != nil {
		edit(files)
	}
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, dir, name, content)
	}
	return dir
}

func TestCompatCheck(t *testing.T) {
	script, err := filepath.Abs("compat-check.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(files map[string]string)
		ok     bool
		output string
	}{
		{"agree", nil, true, "compat-check: ok (4 CLIs"},
		{"README floor differs", func(f map[string]string) {
			f["README.md"] = strings.Replace(f["README.md"], "Terraform 1.0.11", "Terraform 1.3.10", 1)
		}, false, "README.md does not state the range"},
		{"docs newest differs", func(f map[string]string) {
			f["docs/index.md"] = strings.Replace(f["docs/index.md"], "to 1.12.6", "to 1.10.10", 1)
		}, false, "docs/index.md does not state the range"},
		{"template lacks the range", func(f map[string]string) {
			f["templates/index.md.tmpl"] = "nothing\n"
		}, false, "templates/index.md.tmpl does not state the range"},
		{"list gains a newer version", func(f map[string]string) {
			f["scripts/compat-clis.txt"] += "opentofu 1.13.0\n"
		}, false, "should hold the line:\n  Supported CLIs (tested by `make test-compat`): Terraform 1.0.11 to 1.5.7, OpenTofu 1.6.3 to 1.13.0."},
		{"table lacks a listed version", func(f map[string]string) {
			f["docs/index.md"] = strings.Replace(f["docs/index.md"], "| opentofu | 1.6.3 | 1 |\n", "", 1)
		}, false, "Compatibility table has no row '| opentofu | 1.6.3 | ...'"},
		{"matrix lacks a version", func(f map[string]string) {
			f[".github/workflows/test.yml"] = strings.Replace(f[".github/workflows/test.yml"], "          - { cli: terraform, version: \"1.5.7\" }\n", "", 1)
		}, false, "only in the list: terraform 1.5.7"},
		{"matrix has an extra version", func(f map[string]string) {
			f[".github/workflows/test.yml"] += "          - { cli: opentofu, version: \"1.8.11\" }\n"
		}, false, "only in the workflow: opentofu 1.8.11"},
		{"bad version", func(f map[string]string) { f["scripts/compat-clis.txt"] += "terraform 1.6\n" }, false, "'1.6' is not an X.Y.Z version"},
		{"bad flavor", func(f map[string]string) { f["scripts/compat-clis.txt"] += "tofu 1.6.3\n" }, false, "unknown flavor 'tofu'"},
		{"no workflow", func(f map[string]string) { delete(f, ".github/workflows/test.yml") }, false, ".github/workflows/test.yml is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := compatTree(t, tc.edit)
			out, ok := run(t, dir, script, dir)
			if ok != tc.ok || !strings.Contains(out, tc.output) {
				t.Errorf("ok = %v, want %v; output lacks %q:\n%s", ok, tc.ok, tc.output, out)
			}
		})
	}
}

// TestRepositoryCompat: the repository's own list, documents and workflow agree
// (what make compat-check checks in .ci/run).
func TestRepositoryCompat(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", ".github", "workflows", "test.yml")); err != nil {
		t.Fatal(err)
	}
	if out, ok := run(t, ".", "compat-check.sh", ".."); !ok {
		t.Errorf("compat-check:\n%s", out)
	}
}
