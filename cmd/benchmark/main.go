// Command benchmark measures `terraform plan` end to end against the CMDB emulator:
// the bkcmdb provider at parallelism 1 and 4, side by side with the configuration a
// user would write without it (hashicorp/http, one data source per page, jsondecode).
//
// For each size it serves SingleTemplate(3, 7, N, 42) from an in-process emulator with
// the given latency, then runs every variant -runs times, interleaved (the order turns
// each round), and reports medians of the wall time and of the peak RSS (VmHWM) of the
// terraform process and of its provider plugin processes (terraform starts the plugin
// up to three times during a plan, one after another: the largest counts). Peaks are
// sampled from /proc every 5ms; terraform's own peak is also taken from its rusage.
//
// It is run by `make bench` (scripts/bench.sh), which builds both providers:
//
//	go run ./cmd/benchmark -terraform /usr/local/bin/terraform \
//	    -bkcmdb-dir DIR -http-dir DIR -sizes 10000,100000 -latency 20ms -runs 3 -md BENCHMARKS.md
//
// With -md it replaces the part of that file between the bench:begin and bench:end
// markers with the results. Linux only (it reads /proc).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

const (
	bizID    = 3
	tplID    = 7
	pageSize = 500
	seed     = 42
)

// variant is one configuration under test.
type variant struct {
	name   string
	config func(url string, n int) string
}

var variants = []variant{
	{name: "http per page", config: httpConfig},
	{name: "bkcmdb parallelism=1", config: func(url string, n int) string { return bkcmdbConfig(url, 1) }},
	{name: "bkcmdb parallelism=4", config: func(url string, n int) string { return bkcmdbConfig(url, 4) }},
}

// result is one terraform plan.
type result struct {
	wall        time.Duration
	tfKB        int64 // peak RSS of the terraform process
	providerKB  int64 // peak RSS of the largest provider plugin process (terraform runs them one after another)
	providerCnt int
}

func main() {
	var (
		tfPath    = flag.String("terraform", "terraform", "terraform CLI")
		bkcmdbDir = flag.String("bkcmdb-dir", "", "directory holding terraform-provider-bkcmdb")
		httpDir   = flag.String("http-dir", "", "directory holding terraform-provider-http")
		sizesFlag = flag.String("sizes", "10000,100000", "instance counts, comma-separated")
		latency   = flag.Duration("latency", 20*time.Millisecond, "emulator latency per request")
		runs      = flag.Int("runs", 3, "runs of each variant per size (the median is reported)")
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
	tf, err := exec.LookPath(*tfPath)
	if err != nil {
		fatalf("terraform: %v", err)
	}

	work, err := os.MkdirTemp("", "bkcmdb-bench-")
	if err != nil {
		fatalf("%v", err)
	}
	defer os.RemoveAll(work)
	cliConfig := filepath.Join(work, "cli.tfrc")
	writeFile(cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/bkcmdb/bkcmdb"  = %[1]q
    "registry.terraform.io/hashicorp/http" = %[2]q
    "registry.opentofu.org/bkcmdb/bkcmdb"  = %[1]q
    "registry.opentofu.org/hashicorp/http" = %[2]q
  }
  direct {}
}
`, abs(*bkcmdbDir), abs(*httpDir)))

	tfVersion := firstLine(output(tf, "version"))
	fmt.Printf("terraform: %s\nmachine: %s\n\n", tfVersion, machine())

	all := map[int][][]result{} // size -> variant -> runs
	for _, n := range sizes {
		srv := emulator.New(emulator.Options{Data: emulator.SingleTemplate(bizID, tplID, n, seed), Latency: *latency, StrictLimits: true})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			fatalf("emulator: %v", err)
		}
		dirs := make([]string, len(variants))
		for i, v := range variants {
			dirs[i] = filepath.Join(work, fmt.Sprintf("n%d-v%d", n, i))
			if err := os.MkdirAll(dirs[i], 0o755); err != nil {
				fatalf("%v", err)
			}
			writeFile(filepath.Join(dirs[i], "main.tf"), v.config(srv.URL(), n))
		}
		res := make([][]result, len(variants))
		for r := range *runs {
			for k := range variants {
				i := (k + r) % len(variants) // turn the order each round
				srv.ResetRequests()
				got, err := plan(tf, cliConfig, dirs[i], n)
				if err != nil {
					fatalf("N=%d %s: %v", n, variants[i].name, err)
				}
				fmt.Printf("N=%-6d run %d  %-22s wall %6.2fs  terraform %5d MiB  provider %5d MiB (%d processes seen)\n",
					n, r+1, variants[i].name, got.wall.Seconds(), got.tfKB>>10, got.providerKB>>10, got.providerCnt)
				res[i] = append(res[i], got)
			}
		}
		_ = srv.Close()
		all[n] = res
	}

	md := report(sizes, all, *latency, *runs, tfVersion, *command)
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

// bkcmdbConfig reads every instance with the bkcmdb data source.
func bkcmdbConfig(url string, parallelism int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    bkcmdb = { source = "bkcmdb/bkcmdb" }
  }
}

provider "bkcmdb" {
  base_url      = %q
  bk_app_code   = %q
  bk_app_secret = %q
  bk_username   = %q
  parallelism   = %d
}

data "bkcmdb_service_instances" "all" {
  bk_biz_id       = %d
  set_template_id = %d
}

output "instances" {
  value = length(data.bkcmdb_service_instances.all.instances)
}
`, url, emulator.DefaultAppCode, emulator.DefaultAppSecret, emulator.DefaultUser, parallelism, bizID, tplID)
}

// httpConfig is what a user writes without the provider: a first request for the
// count, then one data "http" per page, decoded and flattened.
func httpConfig(url string, _ int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    http = { source = "hashicorp/http" }
  }
}

locals {
  url       = "%s/api/c/compapi/v2/cc/list_service_instance_by_set_template/"
  page_size = %d
  request = {
    bk_app_code     = %q
    bk_app_secret   = %q
    bk_username     = %q
    bk_biz_id       = %d
    set_template_id = %d
  }
}

data "http" "first" {
  url             = local.url
  method          = "POST"
  request_headers = { "Content-Type" = "application/json" }
  request_body    = jsonencode(merge(local.request, { page = { start = 0, limit = 1 } }))
}

locals {
  total = jsondecode(data.http.first.response_body).data.count
}

data "http" "page" {
  count           = ceil(local.total / local.page_size)
  url             = local.url
  method          = "POST"
  request_headers = { "Content-Type" = "application/json" }
  request_body    = jsonencode(merge(local.request, { page = { start = count.index * local.page_size, limit = local.page_size } }))
}

locals {
  instances = flatten([for p in data.http.page : jsondecode(p.response_body).data.info])
}

output "instances" {
  value = length(local.instances)
}
`, url, pageSize, emulator.DefaultAppCode, emulator.DefaultAppSecret, emulator.DefaultUser, bizID, tplID)
}

// plan runs terraform plan in dir and measures it. The plan must show the output
// instances = n, which proves every instance was read.
func plan(tf, cliConfig, dir string, n int) (result, error) {
	cmd := exec.Command(tf, "plan", "-input=false", "-lock=false", "-no-color")
	cmd.Dir = dir
	cmd.Env = benchEnv(cliConfig)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	ctx, stop := context.WithCancel(context.Background())
	peaks := make(chan map[int]peak, 1)
	go func() { peaks <- sample(ctx, cmd.Process.Pid) }()
	err := cmd.Wait()
	wall := time.Since(start)
	stop()
	seen := <-peaks
	if err != nil {
		return result{}, fmt.Errorf("%v\n%s", err, tail(out.String(), 40))
	}
	want := fmt.Sprintf("instances = %d", n)
	if !strings.Contains(out.String(), want) {
		return result{}, fmt.Errorf("plan output lacks %q:\n%s", want, tail(out.String(), 40))
	}

	res := result{wall: wall}
	for pid, p := range seen {
		if pid == cmd.Process.Pid {
			res.tfKB = p.hwmKB
		} else if strings.HasPrefix(p.name, "terraform-prov") { // comm is cut at 15 bytes
			res.providerKB = max(res.providerKB, p.hwmKB)
			res.providerCnt++
		}
	}
	// rusage holds the largest peak of terraform and the children it reaped: when it
	// is above every provider's sampled peak, it is terraform's own (sampling may
	// miss terraform's last moments).
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxProvider := int64(0)
		for pid, p := range seen {
			if pid != cmd.Process.Pid {
				maxProvider = max(maxProvider, p.hwmKB)
			}
		}
		if ru.Maxrss > maxProvider {
			res.tfKB = max(res.tfKB, ru.Maxrss)
		}
	}
	if res.providerCnt == 0 {
		return result{}, errors.New("no provider process was seen")
	}
	return res, nil
}

// benchEnv is the environment of terraform: the bench CLI config, no checkpoint
// calls, and none of the provider's variables from the caller's environment.
func benchEnv(cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "TF_"), strings.HasPrefix(name, "BKCMDB_"), strings.HasPrefix(name, "BK_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// peak is the largest VmHWM seen for one process.
type peak struct {
	name  string
	hwmKB int64
}

// sample polls /proc every 5ms until ctx ends, and returns the peak of root and of
// every process descended from it.
func sample(ctx context.Context, root int) map[int]peak {
	seen := map[int]peak{}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range descendants(root) {
			name, hwm, ok := status(pid)
			if ok && hwm >= seen[pid].hwmKB {
				seen[pid] = peak{name: name, hwmKB: hwm}
			}
		}
		select {
		case <-ctx.Done():
			return seen
		case <-tick.C:
		}
	}
}

// descendants is root and every live process below it.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// status reads the name and VmHWM (kB) of pid.
func status(pid int) (string, int64, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	var name string
	var hwm int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Name:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "Name:"))
		case strings.HasPrefix(line, "VmHWM:"):
			fields := strings.Fields(strings.TrimPrefix(line, "VmHWM:"))
			if len(fields) > 0 {
				hwm, _ = strconv.ParseInt(fields[0], 10, 64)
			}
		}
	}
	return name, hwm, hwm > 0
}

// summary holds the medians of one variant at one size.
type summary struct {
	wall             time.Duration
	tfKB, provKB, kb int64
}

func summarize(rs []result) summary {
	walls := make([]time.Duration, len(rs))
	tf := make([]int64, len(rs))
	prov := make([]int64, len(rs))
	sum := make([]int64, len(rs))
	for i, r := range rs {
		walls[i], tf[i], prov[i], sum[i] = r.wall, r.tfKB, r.providerKB, r.tfKB+r.providerKB
	}
	return summary{wall: median(walls), tfKB: median(tf), provKB: median(prov), kb: median(sum)}
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report is the markdown section of the results.
func report(sizes []int, all map[int][][]result, latency time.Duration, runs int, tfVersion, command string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s with `%s`: %s, emulator latency %s, page size %d, median of %d interleaved runs.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), command, tfVersion, latency, pageSize, runs)
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine())
	b.WriteString("| instances | configuration | wall (s) | terraform peak RSS (MiB) | provider peak RSS (MiB) | terraform + provider (MiB) |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|\n")
	sums := map[int][]summary{}
	for _, n := range sizes {
		for i, v := range variants {
			s := summarize(all[n][i])
			sums[n] = append(sums[n], s)
			fmt.Fprintf(&b, "| %d | %s | %.2f | %d | %d | %d |\n", n, v.name, s.wall.Seconds(), s.tfKB>>10, s.provKB>>10, s.kb>>10)
		}
	}
	b.WriteString("\n| instances | bkcmdb p4 ÷ http: wall | bkcmdb p4 ÷ http: RSS sum | bkcmdb p1 ÷ bkcmdb p4: wall (speed-up) |\n")
	b.WriteString("|---:|---:|---:|---:|\n")
	for _, n := range sizes {
		s := sums[n]
		fmt.Fprintf(&b, "| %d | %.2f× | %.2f× | %.2f× |\n", n,
			s[2].wall.Seconds()/s[0].wall.Seconds(), float64(s[2].kb)/float64(s[0].kb), s[1].wall.Seconds()/s[2].wall.Seconds())
	}
	if len(sizes) >= 2 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		b.WriteString("\nTime per instance, largest ÷ smallest size (1.00× is linear):")
		for i, v := range variants {
			per := func(n int) float64 { return sums[n][i].wall.Seconds() / float64(n) }
			fmt.Fprintf(&b, " %s %.2f×;", v.name, per(hi)/per(lo))
		}
		b.WriteString(" (whole `terraform plan`, start-up included)\n")
	}
	return b.String()
}

const (
	beginMarker = "<!-- bench:begin -->"
	endMarker   = "<!-- bench:end -->"
)

// replaceSection puts md between the markers of path (appending them when absent).
func replaceSection(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s := string(old)
	section := beginMarker + "\n" + md + endMarker
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i >= 0 && j > i {
		s = s[:i] + section + s[j+len(endMarker):]
	} else {
		s += "\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
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

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
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
