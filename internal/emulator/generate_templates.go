package emulator

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// Templates builds a dataset like SingleTemplate's for configurations of many data
// sources: n service instances of business bizID spread over templates set templates
// (ids firstTemplateID, firstTemplateID+1, …; instance i in template i mod templates,
// ids 1..n), each built into one set (8001, 8002, …) of modules modules (ids from
// 9000, names from the "web" template with a number once they run out), instances in
// a module drawn at random. Deterministic from seed; the idle pool is set 8000 with
// modules 8990-8992, and each host is in the modules of its instances, or idle.
func Templates(bizID, firstTemplateID int64, templates, modules, n int, seed int64) *Dataset {
	templates, modules = max(1, templates), max(1, modules)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7465_6d70_6c73))
	biz := Business{ID: bizID, Name: "bench-" + strconv.FormatInt(bizID, 10)}
	d := &Dataset{
		Businesses: []Business{biz},
		Sets:       []Set{{ID: 8000, Name: "空闲机池", BizID: bizID, Env: "1", ServiceStatus: "1", Default: 1}},
	}
	names := setTemplateShapes[0].modules
	byTemplate := make([][]Module, templates)
	for k := range templates {
		tpl, set := firstTemplateID+int64(k), int64(8001+k)
		d.SetTemplates = append(d.SetTemplates, SetTemplate{ID: tpl, BizID: bizID, Name: "bench-cluster-" + strconv.Itoa(k)})
		d.Sets = append(d.Sets, Set{ID: set, Name: "bench-set-" + strconv.Itoa(k), BizID: bizID, SetTemplateID: tpl, Env: "3", ServiceStatus: "1"})
		for j := range modules {
			name := names[j%len(names)]
			if modules > len(names) {
				name += "-" + strconv.Itoa(j/len(names))
			}
			m := Module{ID: int64(9000 + k*modules + j), Name: name, BizID: bizID, SetID: set,
				SetTemplateID: tpl, ServiceTemplateID: int64(900 + j), ModuleType: "1"}
			d.Modules = append(d.Modules, m)
			byTemplate[k] = append(byTemplate[k], m)
		}
	}
	d.Hosts = generatedHosts(biz, n)
	hostCount := len(d.Hosts)
	d.ServiceInstances = make([]Instance, n)
	for i := range d.ServiceInstances {
		ms := byTemplate[i%templates]
		m := ms[rng.IntN(len(ms))]
		h := &d.Hosts[rng.IntN(hostCount)]
		d.ServiceInstances[i] = generateInstance(rng, int64(i+1), m, *h)
		if !slices.Contains(h.ModuleIDs, m.ID) {
			h.ModuleIDs = append(h.ModuleIDs, m.ID)
		}
	}
	addIdlePool(d, bizID)
	return d
}
