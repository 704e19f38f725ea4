package emulator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestGenerateDataset: deterministic from the seed, valid, and as varied as
// the CMDB: several businesses and templates, null labels, service template 0,
// UTC and +08:00 times with fractions, env/role/zone labels.
func TestGenerateDataset(t *testing.T) {
	a := GenerateDataset(GenerateOptions{Seed: 42})
	b := GenerateDataset(GenerateOptions{Seed: 42})
	c := GenerateDataset(GenerateOptions{Seed: 43})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different datasets")
	}
	if reflect.DeepEqual(a.ServiceInstances, c.ServiceInstances) {
		t.Fatal("different seeds, same instances")
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(a.ServiceInstances) != DefaultGeneratedInstances || len(a.Businesses) < 2 || len(a.SetTemplates) < 4 {
		t.Fatalf("%d instances, %d businesses, %d templates", len(a.ServiceInstances), len(a.Businesses), len(a.SetTemplates))
	}
	var nilLabels, noServiceTemplate, utc, offset, outsideTemplates int
	labelKeys := map[string]bool{}
	for _, in := range a.ServiceInstances {
		if in.Labels == nil {
			nilLabels++
		}
		for k := range in.Labels {
			labelKeys[k] = true
		}
		if in.ServiceTemplateID == 0 {
			noServiceTemplate++
		}
		switch {
		case strings.HasSuffix(in.CreateTime, "Z"):
			utc++
		case strings.HasSuffix(in.CreateTime, "+08:00"):
			offset++
		}
		for _, ts := range []string{in.CreateTime, in.LastTime} {
			if !strings.Contains(ts, ".") {
				t.Fatalf("time %q has no fraction", ts)
			}
		}
		if ct, _ := time.Parse(time.RFC3339Nano, in.CreateTime); func() bool { lt, _ := time.Parse(time.RFC3339Nano, in.LastTime); return lt.Before(ct) }() {
			t.Fatalf("last_time before create_time: %+v", in)
		}
	}
	for _, key := range []string{"env", "role", "zone"} {
		if !labelKeys[key] {
			t.Errorf("no %q label", key)
		}
	}
	covered := 0
	for _, tmpl := range a.SetTemplates {
		covered += len(a.Instances(tmpl.BizID, tmpl.ID))
	}
	outsideTemplates = len(a.ServiceInstances) - covered
	for name, n := range map[string]int{"null labels": nilLabels, "service_template_id 0": noServiceTemplate, "UTC times": utc, "+08:00 times": offset, "instances outside set templates": outsideTemplates} {
		if n == 0 || n == len(a.ServiceInstances) {
			t.Errorf("%s: %d of %d, want some but not all", name, n, len(a.ServiceInstances))
		}
	}
	big := GenerateDataset(GenerateOptions{Seed: 1, Instances: 10, Businesses: 100, SetTemplatesPerBusiness: 100})
	if err := big.Validate(); err != nil || len(big.ServiceInstances) != 10 {
		t.Fatalf("clamped options: %v, %d", err, len(big.ServiceInstances))
	}
}

// TestSingleTemplate: exactly n instances, all in the one template, ids 1..n.
func TestSingleTemplate(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 100_000} {
		d := SingleTemplate(7, 70, n, 1)
		got := d.Instances(7, 70)
		if len(got) != n {
			t.Fatalf("n=%d: %d instances", n, len(got))
		}
		if n > 0 && (got[0].ID != 1 || got[n-1].ID != int64(n)) {
			t.Fatalf("n=%d: ids %d..%d", n, got[0].ID, got[n-1].ID)
		}
		if n == 1000 {
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !reflect.DeepEqual(SingleTemplate(7, 70, 50, 3), SingleTemplate(7, 70, 50, 3)) {
		t.Fatal("not deterministic")
	}
}

// TestLoadDataset: a saved dataset loads back equal; invalid files are refused
// with a reason.
func TestLoadDataset(t *testing.T) {
	dir := t.TempDir()
	d := GenerateDataset(GenerateOptions{Seed: 5, Instances: 200})
	path := filepath.Join(dir, "data.json")
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Fatal("round trip changed the dataset")
	}
	valid := func() *Dataset {
		return &Dataset{
			Businesses:   []Business{{ID: 2, Name: "b"}},
			SetTemplates: []SetTemplate{{ID: 11, BizID: 2, Name: "t"}},
			Modules:      []Module{{ID: 101, Name: "m", BizID: 2, SetTemplateID: 11}},
			Hosts:        []Host{{ID: 1, InnerIP: "10.0.0.1", BizID: 2}},
			ServiceInstances: []Instance{{BizID: 2, ID: 1, Name: "i", HostID: 1, ModuleID: 101,
				CreateTime: "2020-10-09T02:46:25.002Z", LastTime: "2020-10-09T02:46:25.002Z"}},
		}
	}
	cases := []struct {
		name   string
		change func(d *Dataset)
		reason string
	}{
		{"valid", func(*Dataset) {}, ""},
		{"duplicate instance id", func(d *Dataset) { d.ServiceInstances = append(d.ServiceInstances, d.ServiceInstances[0]) }, "unique"},
		{"unknown module", func(d *Dataset) { d.ServiceInstances[0].ModuleID = 9 }, "unknown module"},
		{"business mismatch", func(d *Dataset) {
			d.Businesses = append(d.Businesses, Business{ID: 3})
			d.ServiceInstances[0].BizID = 3
		}, "differs"},
		{"unknown host", func(d *Dataset) { d.ServiceInstances[0].HostID = 2 }, "unknown host"},
		{"template of another business", func(d *Dataset) {
			d.Businesses = append(d.Businesses, Business{ID: 3})
			d.SetTemplates[0].BizID = 3
		}, "not a template"},
		{"bad label key", func(d *Dataset) { d.ServiceInstances[0].Labels = map[string]string{"1env": "x"} }, "invalid label"},
		{"bad label value", func(d *Dataset) { d.ServiceInstances[0].Labels = map[string]string{"env": "-x"} }, "invalid label"},
		{"label too long", func(d *Dataset) { d.ServiceInstances[0].Labels = map[string]string{"env": strings.Repeat("a", 64)} }, "invalid label"},
		{"bad time", func(d *Dataset) { d.ServiceInstances[0].LastTime = "2020-10-09 02:46:25" }, "RFC 3339"},
		{"zero id", func(d *Dataset) { d.Modules[0].ID = 0; d.ServiceInstances[0].ModuleID = 0 }, "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := valid()
			tc.change(d)
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			raw, _ := json.Marshal(d)
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadDataset(p)
			if tc.reason == "" && err != nil {
				t.Fatalf("valid dataset refused: %v", err)
			}
			if tc.reason != "" && (err == nil || !strings.Contains(err.Error(), tc.reason)) {
				t.Fatalf("error %v, want one about %q", err, tc.reason)
			}
		})
	}
	if _, err := LoadDataset(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing file loaded")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDataset(filepath.Join(dir, "bad.json")); err == nil {
		t.Fatal("malformed file loaded")
	}
}

// TestInstanceEncoding: the hand-rolled encoder writes exactly what
// encoding/json writes, for awkward strings too.
func TestInstanceEncoding(t *testing.T) {
	cases := []Instance{
		{BizID: 1, ID: 1, Name: "plain", CreateTime: "t", LastTime: "t"},
		{BizID: -1, ID: 1<<63 - 1, Name: "quote \" backslash \\ tab \t nl \n cr \r ctl \x01\x1f", Labels: map[string]string{}},
		{Name: "html <a href='x'>&amp;</a>", Labels: map[string]string{"z": "1", "a": "2", "m": "<>"}},
		{Name: "中文 名称 ✓ \u2028 \u2029", Creator: "bad utf8 \xff\xfe end", Modifier: "\x7f"},
	}
	for _, in := range cases {
		want, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendInstanceJSON(nil, &in); string(got) != string(want) {
			t.Errorf("encoded\n%s\nwant\n%s", got, want)
		}
	}
}

// TestValidLabel pins the CMDB label rules.
func TestValidLabel(t *testing.T) {
	cases := []struct {
		key, value string
		ok         bool
	}{
		{"env", "prod", true},
		{"a", "1", true},
		{"app.kubernetes_io-name", "my.app-1_x", true},
		{"1env", "prod", false},
		{"env-", "prod", false},
		{"env", "prod-", false},
		{"env", "_prod", false},
		{"env", "", false},
		{"", "x", false},
		{strings.Repeat("k", 63), "v", true},
		{strings.Repeat("k", 64), "v", false},
		{"env", "pr od", false},
	}
	for _, tc := range cases {
		if got := ValidLabel(tc.key, tc.value); got != tc.ok {
			t.Errorf("ValidLabel(%q, %q) = %v, want %v", tc.key, tc.value, got, tc.ok)
		}
	}
}
