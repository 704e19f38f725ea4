package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// cli is one Terraform-compatible CLI under test.
type cli struct {
	name    string // "Terraform" or "OpenTofu"
	path    string
	version string // first line of `version`
}

// variant is one configuration of a scenario.
type variant struct {
	name   string
	config func(url string) string
	// want is the plan's output instances: a count the plan must show, or -1 for any
	// (the count shown is kept as the result's outputs).
	want int
	// planArgs are extra arguments of `plan` (such as -parallelism=50).
	planArgs []string
	// experiment runs the variant on the provider built with -tags benchsplit
	// (-bkcmdb-experiment-dir): benchmark-only behaviour, not the shipped provider's.
	experiment bool
}

// scenario is a set of variants planned side by side against one emulator.
type scenario struct {
	kind     string // "compare", "fleet", "shared", "filtered", "split", "processes", "listeners"
	cli      cli
	n        int // instances served
	procs    int // processes of the data served
	data     *emulator.Dataset
	opts     emulator.Options // Data is set from data
	variants []variant
	results  [][]result // variant → runs
}

// run plans every variant runs times, interleaved (the order turns each round).
func (s *scenario) run(runs int, cliConfig, experimentConfig, work string) {
	opts := s.opts
	opts.Data, opts.StrictLimits = s.data, true
	srv := emulator.New(opts)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		fatalf("emulator: %v", err)
	}
	defer srv.Close()
	dirs := make([]string, len(s.variants))
	for i, v := range s.variants {
		dirs[i] = filepath.Join(work, fmt.Sprintf("%s-%s-n%d-v%d", s.kind, s.cli.name, s.n, i))
		if err := os.MkdirAll(dirs[i], 0o755); err != nil {
			fatalf("%v", err)
		}
		url := srv.URL()
		if s.kind == "fleet" {
			url = srv.APIGWURL()
		}
		writeFile(filepath.Join(dirs[i], "main.tf"), v.config(url))
	}
	s.results = make([][]result, len(s.variants))
	for r := range runs {
		for k := range s.variants {
			i := (k + r) % len(s.variants)
			srv.SetRateLimit(opts.RateLimit) // a full bucket for every plan
			v := &s.variants[i]
			config := cliConfig
			if v.experiment {
				if experimentConfig == "" {
					fatalf("%s: variant %q needs -bkcmdb-experiment-dir", s.kind, v.name)
				}
				config = experimentConfig
			}
			got, err := plan(s.cli.path, config, dirs[i], v.want, v.planArgs, srv)
			if err != nil {
				fatalf("%s %s N=%d %s: %v", s.kind, s.cli.name, s.n, s.variants[i].name, err)
			}
			fmt.Printf("%-9s %-9s N=%-6d run %d  %-44s wall %6.2fs  terraform %5d MiB  provider %5d MiB  requests %4d  429 %3d  output %d\n",
				s.kind, s.cli.name, s.n, r+1, v.name, got.wall.Seconds(), got.tfKB>>10, got.providerKB>>10, got.requests, got.limited, got.output)
			s.results[i] = append(s.results[i], got)
		}
	}
}

// compareScenario is issue 5's comparison: hashicorp/http per page against bkcmdb at
// parallelism 1 and 4, n instances in the 3 modules of one template.
func compareScenario(c cli, n int, latency time.Duration) *scenario {
	return &scenario{kind: "compare", cli: c, n: n, data: emulator.SingleTemplate(bizID, tplID, n, seed),
		opts: emulator.Options{Latency: latency}, variants: []variant{
			{name: "http per page", config: httpConfig, want: n},
			{name: "bkcmdb parallelism=1", config: func(url string) string { return oneRead(url, 1, "") }, want: n},
			{name: "bkcmdb parallelism=4", config: func(url string) string { return oneRead(url, 4, "") }, want: n},
		}}
}

// Fleet: 32 templates of 2,000 instances, one data source each, against a gateway
// that allows 50 requests per second and answers 429 beyond.
const (
	fleetTemplates, fleetPer, fleetFirst = 32, 2000, 100
	fleetGatewayRate, fleetLimit         = 50, 45
	fleetPage                            = 100
)

func fleetScenario(c cli, latency time.Duration) *scenario {
	templates := make([]int64, fleetTemplates)
	for i := range templates {
		templates[i] = int64(fleetFirst + i)
	}
	n := fleetTemplates * fleetPer
	return &scenario{kind: "fleet", cli: c, n: n, data: emulator.Templates(bizID, fleetFirst, fleetTemplates, 3, n, seed),
		opts: emulator.Options{Latency: latency, RateLimit: fleetGatewayRate}, variants: []variant{
			{name: "no requests_per_second", config: func(url string) string { return fleet(url, templates, fleetPage, 0) }, want: n},
			{name: fmt.Sprintf("requests_per_second = %d", fleetLimit), config: func(url string) string {
				return fleet(url, templates, fleetPage, fleetLimit)
			}, want: n},
		}}
}

// sharedScenario: one data source, then 8 with identical arguments.
func sharedScenario(c cli, latency time.Duration) *scenario {
	const n = 2000
	return &scenario{kind: "shared", cli: c, n: n, data: emulator.SingleTemplate(bizID, tplID, n, seed),
		opts: emulator.Options{Latency: latency}, variants: []variant{
			{name: "1 data source", config: func(url string) string { return identical(url, 1) }, want: n},
			{name: "8 identical data sources", config: func(url string) string { return identical(url, 8) }, want: 8 * n},
		}}
}

// filteredScenario: 100,000 instances in 100 modules, read whole and with a
// bk_module_ids filter keeping one module (about 1%).
func filteredScenario(c cli, n int, latency time.Duration) *scenario {
	data := emulator.Templates(bizID, tplID, 1, 100, n, seed)
	module := data.Modules[0].ID
	kept := 0
	for _, in := range data.ServiceInstances {
		if in.ModuleID == module {
			kept++
		}
	}
	return &scenario{kind: "filtered", cli: c, n: n, data: data, opts: emulator.Options{Latency: latency}, variants: []variant{
		{name: "unfiltered", config: func(url string) string { return oneRead(url, 4, "") }, want: n},
		{name: fmt.Sprintf("bk_module_ids = [%d]", module), config: func(url string) string {
			return oneRead(url, 4, fmt.Sprintf("bk_module_ids = [%d]", module))
		}, want: kept},
	}}
}

// splitScenario: 100,000 instances in 50 modules, as one data source per module
// against the hashicorp/http per-page alternative (and one bkcmdb data source), and
// the levers of the split: the provider's parallelism, the CLI's -parallelism, and,
// with experiment, the benchmark-only build that reads each module through
// list_service_instance_detail by bk_module_id (what the contract's "no detail
// request without with_processes" costs). The instances have the emulator's
// processes, as real ones do: list_service_instance_by_set_template does not send
// them, list_service_instance_detail always does.
func splitScenario(c cli, n int, latency time.Duration, experiment bool) *scenario {
	data := emulator.WithProcesses(emulator.Templates(bizID, tplID, 1, 50, n, seed), seed, nil)
	var modules []int64
	for _, m := range data.Modules {
		if m.SetTemplateID == tplID {
			modules = append(modules, m.ID)
		}
	}
	slices.Sort(modules)
	perModuleName := fmt.Sprintf("bkcmdb per module (%d, for_each)", len(modules))
	s := &scenario{kind: "split", cli: c, n: n, procs: len(data.Processes), data: data, opts: emulator.Options{Latency: latency}, variants: []variant{
		{name: "http per page", config: httpConfig, want: n},
		{name: "bkcmdb one data source", config: func(url string) string { return oneRead(url, 4, "") }, want: n},
		{name: perModuleName, config: func(url string) string { return perModule(url, modules) }, want: n},
		{name: perModuleName + ", parallelism = 16", config: func(url string) string {
			return perModule(url, modules, "parallelism = 16")
		}, want: n},
		{name: perModuleName + ", plan -parallelism=50", config: func(url string) string { return perModule(url, modules) },
			want: n, planArgs: []string{"-parallelism=50"}},
		// The same walk and 50 reads, with states of no instances: what is left
		// without terraform's work on 100,000 instances in state.
		{name: perModuleName + ", none kept (bk_host_ids = [])", config: func(url string) string {
			return perModuleFiltered(url, modules, "bk_host_ids = []")
		}, want: 0},
	}}
	if experiment {
		s.variants = append(s.variants, variant{name: perModuleName + ", detail by module (experiment)",
			config: func(url string) string { return perModule(url, modules) }, want: n, experiment: true})
	}
	return s
}
