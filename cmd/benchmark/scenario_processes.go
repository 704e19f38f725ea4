package main

import (
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// processModules are the module names of the processes scenarios: the emulator's
// generated processes of the gamesvr template's modules are 1 to 3 per instance
// (gamesvr: nginx and the game server, matchmaker and chat-proxy: one each, one
// instance in three also a gse_agent; one in 37 has none, CMDB's null).
var processModules = []string{"gamesvr", "matchmaker", "chat-proxy"}

// processData is n instances of one template in three modules, each with the
// emulator's generated processes (emulator.WithProcesses).
func processData(n int) *emulator.Dataset {
	d := emulator.SingleTemplate(bizID, tplID, n, seed)
	k := 0
	for i := range d.Modules {
		if d.Modules[i].SetTemplateID == tplID && k < len(processModules) {
			d.Modules[i].Name = processModules[k]
			k++
		}
	}
	return emulator.WithProcesses(d, seed, nil)
}

// processesScenario is issue 15's first figure: one read of the template with and
// without with_processes.
func processesScenario(c cli, n int, latency time.Duration) *scenario {
	d := processData(n)
	return &scenario{kind: "processes", cli: c, n: n, procs: len(d.Processes), data: d,
		opts: emulator.Options{Latency: latency}, variants: []variant{
			{name: "service_instances", config: func(url string) string { return oneRead(url, 4, "") }, want: n},
			{name: "service_instances with_processes", config: func(url string) string {
				return oneRead(url, 4, "with_processes = true")
			}, want: n},
		}}
}

// listenersScenario is issue 15's second figure: bkcmdb_listeners against
// bkcmdb_service_instances with with_processes over the same data.
func listenersScenario(c cli, n int, latency time.Duration) *scenario {
	d := processData(n)
	return &scenario{kind: "listeners", cli: c, n: n, procs: len(d.Processes), data: d,
		opts: emulator.Options{Latency: latency}, variants: []variant{
			{name: "service_instances with_processes", config: func(url string) string {
				return oneRead(url, 4, "with_processes = true")
			}, want: n},
			{name: "listeners", config: listenersRead, want: -1},
		}}
}
