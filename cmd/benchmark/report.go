package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// summary holds the medians of one variant.
type summary struct {
	wall              time.Duration
	tfKB, provKB, kb  int64
	requests, limited int64
}

func summarize(rs []result) summary {
	var s summary
	pick := func(f func(r result) int64) int64 {
		xs := make([]int64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	s.wall = time.Duration(pick(func(r result) int64 { return int64(r.wall) }))
	s.tfKB = pick(func(r result) int64 { return r.tfKB })
	s.provKB = pick(func(r result) int64 { return r.providerKB })
	s.kb = pick(func(r result) int64 { return r.tfKB + r.providerKB })
	s.requests = pick(func(r result) int64 { return int64(r.requests) })
	s.limited = pick(func(r result) int64 { return int64(r.limited) })
	return s
}

func median(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (s *scenario) summaries() []summary {
	out := make([]summary, len(s.variants))
	for i := range s.variants {
		out[i] = summarize(s.results[i])
	}
	return out
}

func mib(kb int64) int64 { return kb >> 10 }

// ratio is a ÷ b as "1.23×".
func ratio(a, b float64) string { return fmt.Sprintf("%.2f×", a/b) }

// report is the markdown section of the results.
func report(all []*scenario, clis []cli, latency time.Duration, runs int, command string) string {
	var b strings.Builder
	var versions []string
	for _, c := range clis {
		versions = append(versions, c.version)
	}
	fmt.Fprintf(&b, "Measured %s with `%s`: %s; emulator latency %s, page size %d, median of %d interleaved runs.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), command, strings.Join(versions, " and "), latency, pageSize, runs)
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine())
	byKind := map[string][]*scenario{}
	for _, s := range all {
		byKind[s.kind] = append(byKind[s.kind], s)
	}
	reportCompare(&b, byKind["compare"])
	reportFleet(&b, byKind["fleet"])
	reportShared(&b, byKind["shared"])
	reportFiltered(&b, byKind["filtered"])
	reportSplit(&b, byKind["split"])
	reportProcesses(&b, byKind["processes"])
	reportListeners(&b, byKind["listeners"])
	return b.String()
}

// plainTable writes the wall and RSS of every variant of every scenario.
func plainTable(b *strings.Builder, list []*scenario) {
	b.WriteString("| CLI | instances | configuration | wall (s) | terraform peak RSS (MiB) | provider peak RSS (MiB) | terraform + provider (MiB) |\n")
	b.WriteString("|---|---:|---|---:|---:|---:|---:|\n")
	for _, s := range list {
		for i, m := range s.summaries() {
			fmt.Fprintf(b, "| %s | %d | %s | %.2f | %d | %d | %d |\n", s.cli.name, s.n, s.variants[i].name,
				m.wall.Seconds(), mib(m.tfKB), mib(m.provKB), mib(m.kb))
		}
	}
}

func reportCompare(b *strings.Builder, list []*scenario) {
	if len(list) == 0 {
		return
	}
	b.WriteString("### One data source against hashicorp/http per page (issue 5)\n\n")
	plainTable(b, list)
	b.WriteString("\n| CLI | instances | bkcmdb p4 ÷ http: wall | bkcmdb p4 ÷ http: RSS sum | bkcmdb p1 ÷ bkcmdb p4: wall (speed-up) |\n")
	b.WriteString("|---|---:|---:|---:|---:|\n")
	for _, s := range list {
		m := s.summaries()
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s |\n", s.cli.name, s.n, ratio(m[2].wall.Seconds(), m[0].wall.Seconds()),
			ratio(float64(m[2].kb), float64(m[0].kb)), ratio(m[1].wall.Seconds(), m[2].wall.Seconds()))
	}
	// Time per instance, largest ÷ smallest size, per CLI (1.00× is linear).
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && list[j].cli.name == list[i].cli.name {
			j++
		}
		if lo, hi := list[i], list[j-1]; hi.n > lo.n {
			fmt.Fprintf(b, "\nTime per instance, %d ÷ %d instances (1.00× is linear), %s:", hi.n, lo.n, lo.cli.name)
			ml, mh := lo.summaries(), hi.summaries()
			for k, v := range lo.variants {
				fmt.Fprintf(b, " %s %s;", v.name, ratio(mh[k].wall.Seconds()/float64(hi.n), ml[k].wall.Seconds()/float64(lo.n)))
			}
			b.WriteString(" (whole plan, start-up included)\n")
		}
		i = j
	}
	b.WriteString("\n")
}

func reportFleet(b *strings.Builder, list []*scenario) {
	for _, s := range list {
		fmt.Fprintf(b, "### Fleet: %d data sources × %d instances, gateway at %d requests/s with 429 beyond (%s)\n\n",
			fleetTemplates, fleetPer, fleetGatewayRate, s.cli.name)
		b.WriteString("| setting | wall (s) | requests | answers of 429 | requests ÷ 45 (s) | wall ÷ (requests ÷ 45) |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|\n")
		m := s.summaries()
		for i, v := range s.variants {
			ideal, vs := "—", "—"
			if i == 1 {
				secs := float64(m[i].requests) / fleetLimit
				ideal, vs = fmt.Sprintf("%.2f", secs), ratio(m[i].wall.Seconds(), secs)
			}
			fmt.Fprintf(b, "| %s | %.2f | %d | %d | %s | %s |\n", v.name, m[i].wall.Seconds(), m[i].requests, m[i].limited, ideal, vs)
		}
		fmt.Fprintf(b, "\nWith the limit ÷ without: wall %s.\n\n", ratio(m[1].wall.Seconds(), m[0].wall.Seconds()))
	}
}

func reportShared(b *strings.Builder, list []*scenario) {
	for _, s := range list {
		fmt.Fprintf(b, "### Shared reads: %d instances (%s)\n\n", s.n, s.cli.name)
		b.WriteString("| configuration | requests per plan | wall (s) |\n|---|---:|---:|\n")
		m := s.summaries()
		for i, v := range s.variants {
			fmt.Fprintf(b, "| %s | %d | %.2f |\n", v.name, m[i].requests, m[i].wall.Seconds())
		}
		fmt.Fprintf(b, "\nRequests sent ÷ requests of one read: %.2f.\n\n", float64(m[1].requests)/float64(m[0].requests))
	}
}

func reportFiltered(b *strings.Builder, list []*scenario) {
	for _, s := range list {
		fmt.Fprintf(b, "### Filtered read: %d instances in 100 modules, `bk_module_ids` keeping one (%s)\n\n", s.n, s.cli.name)
		b.WriteString("| configuration | instances kept | wall (s) | terraform peak RSS (MiB) | provider peak RSS (MiB) | terraform + provider (MiB) |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|\n")
		m := s.summaries()
		for i, v := range s.variants {
			fmt.Fprintf(b, "| %s | %d | %.2f | %d | %d | %d |\n", v.name, v.want, m[i].wall.Seconds(), mib(m[i].tfKB), mib(m[i].provKB), mib(m[i].kb))
		}
		fmt.Fprintf(b, "\nFiltered ÷ unfiltered: wall %s, RSS sum %s.\n\n", ratio(m[1].wall.Seconds(), m[0].wall.Seconds()),
			ratio(float64(m[1].kb), float64(m[0].kb)))
	}
}

func reportSplit(b *strings.Builder, list []*scenario) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(b, "### Split by module: %d instances in 50 modules (%d processes, which only list_service_instance_detail sends)\n\n",
		list[0].n, list[0].procs)
	plainTable(b, list)
	b.WriteString("\n| CLI | per module ÷ http: wall | per module ÷ http: RSS sum | one data source ÷ http: wall | requests per plan: per module, one data source |\n")
	b.WriteString("|---|---:|---:|---:|---|\n")
	for _, s := range list {
		m := s.summaries()
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d, %d |\n", s.cli.name, ratio(m[2].wall.Seconds(), m[0].wall.Seconds()),
			ratio(float64(m[2].kb), float64(m[0].kb)), ratio(m[1].wall.Seconds(), m[0].wall.Seconds()), m[2].requests, m[1].requests)
	}
	if len(list[0].variants) > 3 {
		b.WriteString("\nThe levers of the split, each ÷ http per page and ÷ the per-module plan of the same run:\n\n")
		b.WriteString("| CLI | configuration | wall (s) | ÷ http: wall | ÷ per module: wall | requests per plan |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|\n")
		for _, s := range list {
			m := s.summaries()
			for i := 2; i < len(s.variants); i++ {
				fmt.Fprintf(b, "| %s | %s | %.2f | %s | %s | %d |\n", s.cli.name, s.variants[i].name, m[i].wall.Seconds(),
					ratio(m[i].wall.Seconds(), m[0].wall.Seconds()), ratio(m[i].wall.Seconds(), m[2].wall.Seconds()), m[i].requests)
			}
		}
	}
	b.WriteString("\n")
}

// processesHeader describes the data of the processes and listeners scenarios.
func processesHeader(b *strings.Builder, title string, s *scenario) {
	fmt.Fprintf(b, "### %s: %d instances, %d processes (%.2f per instance)\n\n", title, s.n, s.procs, float64(s.procs)/float64(s.n))
}

func reportProcesses(b *strings.Builder, list []*scenario) {
	if len(list) == 0 {
		return
	}
	processesHeader(b, "`with_processes` (issue 15)", list[0])
	plainTable(b, list)
	b.WriteString("\n| CLI | with ÷ without: wall | with ÷ without: RSS sum | requests per plan: without, with |\n")
	b.WriteString("|---|---:|---:|---|\n")
	for _, s := range list {
		m := s.summaries()
		fmt.Fprintf(b, "| %s | %s | %s | %d, %d |\n", s.cli.name, ratio(m[1].wall.Seconds(), m[0].wall.Seconds()),
			ratio(float64(m[1].kb), float64(m[0].kb)), m[0].requests, m[1].requests)
	}
	b.WriteString("\n")
}

func reportListeners(b *strings.Builder, list []*scenario) {
	if len(list) == 0 {
		return
	}
	processesHeader(b, "`bkcmdb_listeners` (issue 15)", list[0])
	plainTable(b, list)
	b.WriteString("\n| CLI | listeners | listeners ÷ service_instances with_processes: wall | RSS sum | requests per plan: with_processes, listeners |\n")
	b.WriteString("|---|---:|---:|---:|---|\n")
	for _, s := range list {
		m := s.summaries()
		fmt.Fprintf(b, "| %s | %d | %s | %s | %d, %d |\n", s.cli.name, s.results[1][0].output, ratio(m[1].wall.Seconds(), m[0].wall.Seconds()),
			ratio(float64(m[1].kb), float64(m[0].kb)), m[0].requests, m[1].requests)
	}
	b.WriteString("\n")
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
