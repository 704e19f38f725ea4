// Command benchmark measures `terraform plan` end to end against the CMDB emulator, on
// Terraform and, with -tofu, OpenTofu, every comparison side by side in one run:
//
//   - compare: bkcmdb at parallelism 1 and 4 against the configuration a user would
//     write without it (hashicorp/http, one data source per page, jsondecode), for each
//     of -sizes instances of SingleTemplate(3, 7, N, 42);
//   - fleet: 32 data sources × 2,000 instances against a gateway that allows 50
//     requests per second and answers 429 beyond, without requests_per_second and with
//     45: wall, requests and 429s;
//   - shared: 1 data source, then 8 with identical arguments: requests per plan;
//   - filtered: 100,000 instances in 100 modules, whole and with bk_module_ids keeping one;
//   - split: 100,000 instances in 50 modules as one data source per module (for_each,
//     bk_module_ids, one shared walk) against hashicorp/http per page; also with the
//     provider's parallelism = 16, with the CLI's -parallelism=50 and, given
//     -bkcmdb-experiment-dir, the benchmark-only build that reads each module
//     through list_service_instance_detail;
//   - processes: 100,000 instances with 1 to 3 processes each, read with and without
//     with_processes;
//   - listeners: the same data as bkcmdb_listeners and as bkcmdb_service_instances
//     with with_processes.
//
// Each variant runs -runs times, interleaved (the order turns each round); the report
// gives medians of the wall time, of the requests the emulator saw and of the peak RSS
// (VmHWM) of the terraform process and of its provider plugin processes (terraform
// starts the plugin up to three times during a plan, one after another: the largest
// counts). Peaks are sampled from /proc every 5ms; terraform's own peak is also taken
// from its rusage.
//
// It is run by `make bench` (scripts/bench.sh), which builds both providers:
//
//	go run ./cmd/benchmark -terraform /usr/local/bin/terraform -tofu ~/.cache/.../tofu \
//	    -bkcmdb-dir DIR -http-dir DIR -sizes 10000,100000 -latency 20ms -runs 3 -md BENCHMARKS.md
//
// With -md it replaces the part of that file between the bench:begin and bench:end
// markers with the results. Linux only (it reads /proc).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

func main() {
	var (
		tfPath    = flag.String("terraform", "terraform", "Terraform CLI (\"\" for none)")
		tofuPath  = flag.String("tofu", "", "OpenTofu CLI: compare, split, processes and listeners run on it too; the others run on the first CLI only")
		bkcmdbDir = flag.String("bkcmdb-dir", "", "directory holding terraform-provider-bkcmdb")
		httpDir   = flag.String("http-dir", "", "directory holding terraform-provider-http")
		expDir    = flag.String("bkcmdb-experiment-dir", "", "directory holding terraform-provider-bkcmdb built with -tags benchsplit: adds the split's experiment variant")
		sizesFlag = flag.String("sizes", "10000,100000", "instance counts of compare, comma-separated")
		bigSize   = flag.Int("big", 100000, "instances of filtered, split, processes and listeners")
		kinds     = flag.String("scenarios", "compare,fleet,shared,filtered,split,processes,listeners", "scenarios to run, comma-separated")
		latency   = flag.Duration("latency", 20*time.Millisecond, "emulator latency per request")
		runs      = flag.Int("runs", 3, "runs of each variant (the median is reported)")
		mdPath    = flag.String("md", "", "markdown file whose bench:begin/bench:end section receives the results")
		command   = flag.String("command", "make bench", "command line recorded with the results")
		goBench   = flag.String("gobench", "", "file of go test -bench output to include with the results")
		serve     = flag.Int("serve", 0, "only serve N instances of the benchmark's set template with -latency, and print the URL (for profiling by hand)")
	)
	flag.Parse()
	if *serve > 0 {
		srv := emulator.New(emulator.Options{Data: emulator.SingleTemplate(bizID, tplID, *serve, seed), Latency: *latency, StrictLimits: true})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			fatalf("emulator: %v", err)
		}
		fmt.Printf("%s bk_biz_id=%d set_template_id=%d instances=%d latency=%s\n", srv.URL(), bizID, tplID, *serve, *latency)
		select {}
	}
	if *bkcmdbDir == "" || *httpDir == "" {
		fatalf("-bkcmdb-dir and -http-dir are required")
	}
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatalf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	var clis []cli
	for _, p := range []string{*tfPath, *tofuPath} {
		if p != "" {
			clis = append(clis, findCLI(p))
		}
	}
	if len(clis) == 0 {
		fatalf("no CLI: set -terraform or -tofu")
	}
	want := map[string]bool{}
	for _, k := range strings.Split(*kinds, ",") {
		want[strings.TrimSpace(k)] = true
	}

	work, err := os.MkdirTemp("", "bkcmdb-bench-")
	if err != nil {
		fatalf("%v", err)
	}
	defer os.RemoveAll(work)
	cliConfig := writeCLIConfig(filepath.Join(work, "cli.tfrc"), *bkcmdbDir, *httpDir)
	experimentConfig := ""
	if *expDir != "" {
		experimentConfig = writeCLIConfig(filepath.Join(work, "cli-experiment.tfrc"), *expDir, *httpDir)
	}
	for _, c := range clis {
		fmt.Printf("%s: %s\n", c.name, c.version)
	}
	fmt.Printf("machine: %s\n\n", machine())

	// A scenario that runs on each CLI runs on the first, then on the second; the
	// others on the first only. Each dataset is built just before its scenario and
	// dropped after it, so that this process stays small beside terraform.
	var makers []func() *scenario
	for _, c := range clis {
		if want["compare"] {
			for _, n := range sizes {
				makers = append(makers, func() *scenario { return compareScenario(c, n, *latency) })
			}
		}
	}
	if want["fleet"] {
		makers = append(makers, func() *scenario { return fleetScenario(clis[0], *latency) })
	}
	if want["shared"] {
		makers = append(makers, func() *scenario { return sharedScenario(clis[0], *latency) })
	}
	if want["filtered"] {
		makers = append(makers, func() *scenario { return filteredScenario(clis[0], *bigSize, *latency) })
	}
	for _, c := range clis {
		if want["split"] {
			makers = append(makers, func() *scenario { return splitScenario(c, *bigSize, *latency, experimentConfig != "") })
		}
	}
	for _, c := range clis {
		if want["processes"] {
			makers = append(makers, func() *scenario { return processesScenario(c, *bigSize, *latency) })
		}
		if want["listeners"] {
			makers = append(makers, func() *scenario { return listenersScenario(c, *bigSize, *latency) })
		}
	}
	var all []*scenario
	for _, mk := range makers {
		s := mk()
		s.run(*runs, cliConfig, experimentConfig, work)
		s.data = nil
		debug.FreeOSMemory()
		all = append(all, s)
	}

	md := report(all, clis, *latency, *runs, *command)
	if *goBench != "" {
		b, err := os.ReadFile(*goBench)
		if err != nil {
			fatalf("%v", err)
		}
		md += "\nGo benchmarks of the same run (in-process read through the served provider, and the client's page walk alone):\n\n```\n" +
			strings.TrimSpace(string(b)) + "\n```\n"
	}
	fmt.Println()
	fmt.Print(md)
	if *mdPath != "" {
		if err := replaceSection(*mdPath, md); err != nil {
			fatalf("%v", err)
		}
		fmt.Printf("\nwrote the results into %s\n", *mdPath)
	}
}

// writeCLIConfig writes a CLI config at path whose dev_overrides point both
// registries' bkcmdb at bkcmdbDir and http at httpDir, and returns path.
func writeCLIConfig(path, bkcmdbDir, httpDir string) string {
	writeFile(path, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/bkcmdb/bkcmdb"  = %[1]q
    "registry.terraform.io/hashicorp/http" = %[2]q
    "registry.opentofu.org/bkcmdb/bkcmdb"  = %[1]q
    "registry.opentofu.org/hashicorp/http" = %[2]q
  }
  direct {}
}
`, abs(bkcmdbDir), abs(httpDir)))
	return path
}

// findCLI resolves a CLI and reads its name and version.
func findCLI(path string) cli {
	p, err := exec.LookPath(path)
	if err != nil {
		fatalf("%s: %v", path, err)
	}
	for _, line := range strings.Split(output(p, "version"), "\n") { // warnings may come first
		if name, _, ok := strings.Cut(strings.TrimSpace(line), " v"); ok && (name == "Terraform" || name == "OpenTofu") {
			return cli{name: name, path: p, version: strings.TrimSpace(line)}
		}
	}
	fatalf("%s does not look like Terraform or OpenTofu", p)
	return cli{}
}

// machine describes the host: CPUs, CPU model and memory.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
					}
				}
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs (nproc), %s, %s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, mem, runtime.Version())
}

func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		fatalf("%s %v: %v", name, args, err)
	}
	return string(b)
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		fatalf("%v", err)
	}
	return a
}

func writeFile(path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		fatalf("%v", err)
	}
}

var stderrMu sync.Mutex

func fatalf(format string, args ...any) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	_, _ = io.WriteString(os.Stderr, "benchmark: "+fmt.Sprintf(format, args...)+"\n")
	os.Exit(1)
}
