package emulator

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// GenerateOptions sizes a generated dataset. Zero fields take the defaults
// noted on each field.
type GenerateOptions struct {
	// Seed makes the dataset reproducible: same options, same dataset.
	Seed int64
	// Instances is the total number of service instances (default 3000).
	Instances int
	// Businesses is the number of businesses with set templates (default 3,
	// at most 8); the first is "web-shop". The resource pool and the decoy
	// businesses come on top.
	Businesses int
	// SetTemplatesPerBusiness is the number of set templates per business (default 3, at most 4).
	SetTemplatesPerBusiness int
	// HostsPerBusiness is the number of hosts per business (default 60).
	HostsPerBusiness int
	// ExtraHosts are more hosts for the first business (web-shop).
	ExtraHosts int
}

// Defaults of GenerateOptions.
const (
	DefaultGeneratedInstances = 3000
	defaultBusinesses         = 3
	defaultSetTemplates       = 3
	defaultHostsPerBusiness   = 60
)

var (
	businessNames = []string{"web-shop", "payment", "game-center", "ops-platform", "search", "video", "iot-hub", "crm"}
	// decoyBusinesses are found by a fuzzy search_business for "web-shop"
	// but are not it (the last one is disabled, so never found).
	decoyBusinesses = []Business{{Name: "Web-Shop-Legacy"}, {Name: "web-shop-mobile"}, {Name: "old-web-shop"},
		{Name: "web-shop-archive", DataStatus: "disabled"}}
	labelEnvs  = []string{"prod", "staging", "test"}
	labelZones = []string{"sz-1", "sh-2", "gz-3", "tj-1"}
	labelTeams = []string{"sre", "dev.core", "data_team"}
	users      = []string{"admin", "ops-bot", "alice", "bob"}
	// utc8 is China Standard Time, the offset many CMDB records carry.
	utc8 = time.FixedZone("CST", 8*3600)
	// timeBase is the earliest create_time generated.
	timeBase = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
)

// GenerateDataset builds a realistic, consistent dataset deterministically
// from opts.Seed:
//   - the resource pool business (bk_biz_id 1, default 1, hosts in its idle
//     module), then opts.Businesses businesses from bk_biz_id 2 ("web-shop",
//     "payment", …), then decoys a fuzzy search for "web-shop" also finds
//     ("Web-Shop-Legacy", "web-shop-mobile", "old-web-shop", and a disabled one);
//   - every business has its idle pool set (idle, fault and recycle modules);
//     the main ones have set templates "web", "gamesvr", "db-cluster", … (so
//     the same names in several businesses), four sets per template (bk_set_env
//     3, 3, 2, 1), one module per service template in each, and a "tools" set
//     and module built from no template;
//   - hosts in those modules (some in two), with comma-joined inner IPs, empty
//     outer IPs, null os types, several cloud areas;
//   - service instances on the hosts of their modules: labels env/role/zone
//     (sometimes team) by the CMDB rules, about one in eight null, about one
//     in ten with service_template_id 0; times UTC and +08:00 with fractions;
//     ids increasing with gaps, interleaved across set templates.
func GenerateDataset(opts GenerateOptions) *Dataset {
	if opts.Instances <= 0 {
		opts.Instances = DefaultGeneratedInstances
	}
	if opts.Businesses <= 0 {
		opts.Businesses = defaultBusinesses
	}
	opts.Businesses = min(opts.Businesses, len(businessNames))
	if opts.SetTemplatesPerBusiness <= 0 {
		opts.SetTemplatesPerBusiness = defaultSetTemplates
	}
	opts.SetTemplatesPerBusiness = min(opts.SetTemplatesPerBusiness, len(setTemplateShapes))
	if opts.HostsPerBusiness <= 0 {
		opts.HostsPerBusiness = defaultHostsPerBusiness
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6b63_6d64_6265_6d75))
	g := &topoGen{d: &Dataset{SupplierAccount: DefaultSupplierAccount}, hostsOf: map[int64][]Host{},
		templateID: 10, setID: 20, moduleID: 100, serviceID: 50, hostID: 1000}
	g.business(Business{ID: 1, Name: "资源池", Default: 1}, 0, nil, 5)
	for b := range opts.Businesses {
		hosts := opts.HostsPerBusiness
		if b == 0 {
			hosts += max(0, opts.ExtraHosts)
		}
		g.business(Business{ID: int64(b + 2), Name: businessNames[b]}, b+1, setTemplateShapes[:opts.SetTemplatesPerBusiness], hosts)
	}
	for i, decoy := range decoyBusinesses {
		decoy.ID = int64(opts.Businesses + 2 + i)
		g.business(decoy, opts.Businesses+1+i, nil, 2)
	}
	d := g.d
	d.ServiceInstances = make([]Instance, 0, opts.Instances)
	instanceID := int64(rng.IntN(20))
	for range opts.Instances {
		instanceID += 1 + int64(rng.IntN(3))
		m := g.runnable[rng.IntN(len(g.runnable))]
		hosts := g.hostsOf[m.ID]
		d.ServiceInstances = append(d.ServiceInstances, generateInstance(rng, instanceID, m, hosts[rng.IntN(len(hosts))]))
	}
	shareCreateTimes(d)
	WithProcesses(d, opts.Seed, inTemplate(d, 2, "gamesvr"))
	d.Models = generateModels()
	d.CloudAreas = generateCloudAreas()
	d.DynamicGroups = generateGroups()
	return d
}

// inTemplate accepts the instances of the modules of business bizID's set
// template of that name.
func inTemplate(d *Dataset, bizID int64, name string) func(*Instance) bool {
	var tpl int64
	for _, st := range d.SetTemplates {
		if st.BizID == bizID && st.Name == name {
			tpl = st.ID
		}
	}
	modules := map[int64]bool{}
	for _, m := range d.Modules {
		if m.BizID == bizID && m.SetTemplateID == tpl && tpl != 0 {
			modules[m.ID] = true
		}
	}
	return func(in *Instance) bool { return modules[in.ModuleID] }
}

// generateInstance makes one realistic instance of module m on host.
func generateInstance(rng *rand.Rand, id int64, m Module, host Host) Instance {
	in := Instance{
		BizID:             m.BizID,
		ID:                id,
		Name:              host.InnerIP + "_" + m.Name,
		ServiceTemplateID: m.ServiceTemplateID,
		HostID:            host.ID,
		ModuleID:          m.ID,
		Creator:           users[rng.IntN(len(users))],
		Modifier:          users[rng.IntN(len(users))],
		SupplierAccount:   "0",
	}
	if rng.IntN(10) == 0 {
		in.ServiceTemplateID = 0
	}
	if rng.IntN(8) != 0 {
		in.Labels = map[string]string{
			"env":  labelEnvs[rng.IntN(len(labelEnvs))],
			"role": m.Name,
			"zone": labelZones[rng.IntN(len(labelZones))],
		}
		if rng.IntN(5) == 0 {
			in.Labels["team"] = labelTeams[rng.IntN(len(labelTeams))]
		}
	}
	// Whole seconds plus 1..999 ms, so the fraction is always present.
	created := timeBase.Add(time.Duration(rng.Int64N(5*365*24*3600))*time.Second + time.Duration(1+rng.IntN(999))*time.Millisecond)
	updated := created
	if rng.IntN(2) == 0 {
		updated = created.Truncate(time.Second).Add(time.Duration(rng.Int64N(300*24*3600))*time.Second + time.Duration(1+rng.IntN(999))*time.Millisecond)
		if updated.Before(created) {
			updated = created
		}
	}
	if rng.IntN(3) == 0 {
		in.CreateTime = created.In(utc8).Format(time.RFC3339Nano)
		in.LastTime = updated.In(utc8).Format(time.RFC3339Nano)
	} else {
		in.CreateTime = created.Format(time.RFC3339Nano)
		in.LastTime = updated.Format(time.RFC3339Nano)
	}
	return in
}

// SingleTemplate builds a dataset with exactly n service instances, all in the
// modules of set template setTemplateID of business bizID (ids 1..n in random
// module order), deterministic from seed. It is meant for tests and benchmarks
// and is fast for n = 100000. The modules are in set 8001 built from the
// template; the business's idle pool is set 8000 with modules 8990-8992; each
// host is in the modules of its instances, or in the idle module.
func SingleTemplate(bizID, setTemplateID int64, n int, seed int64) *Dataset {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7369_6e67_6c65))
	biz := Business{ID: bizID, Name: "bench-" + strconv.FormatInt(bizID, 10)}
	d := &Dataset{
		Businesses:   []Business{biz},
		SetTemplates: []SetTemplate{{ID: setTemplateID, BizID: bizID, Name: "bench-cluster"}},
		Sets: []Set{{ID: 8000, Name: "空闲机池", BizID: bizID, Env: "1", ServiceStatus: "1", Default: 1},
			{ID: 8001, Name: "bench-set", BizID: bizID, SetTemplateID: setTemplateID, Env: "3", ServiceStatus: "1"}},
	}
	for i, name := range setTemplateShapes[0].modules {
		d.Modules = append(d.Modules, Module{ID: int64(9000 + i), Name: name, BizID: bizID, SetID: 8001,
			SetTemplateID: setTemplateID, ServiceTemplateID: int64(900 + i), ModuleType: "1"})
	}
	d.Hosts = generatedHosts(biz, n)
	hostCount := len(d.Hosts)
	d.ServiceInstances = make([]Instance, n)
	for i := range d.ServiceInstances {
		m := d.Modules[rng.IntN(len(d.Modules))]
		h := &d.Hosts[rng.IntN(hostCount)]
		d.ServiceInstances[i] = generateInstance(rng, int64(i+1), m, *h)
		if !slices.Contains(h.ModuleIDs, m.ID) {
			h.ModuleIDs = append(h.ModuleIDs, m.ID)
		}
	}
	addIdlePool(d, bizID)
	return d
}

// generatedHosts are the hosts of a generated benchmark dataset of n instances: one per
// four instances (at least 1, at most 50,000), in no module yet.
func generatedHosts(biz Business, n int) []Host {
	hosts := make([]Host, max(1, min(n/4, 50000)))
	for h := range hosts {
		hosts[h] = newHost(int64(100000+h), biz, 0, h, nil)
		hosts[h].InnerIP = "10." + strconv.Itoa(h>>16&255) + "." + strconv.Itoa(h>>8&255) + "." + strconv.Itoa(h&255)
	}
	return hosts
}

// addIdlePool adds the idle, fault and recycle modules of set 8000 and puts the hosts
// that run no instance in the idle one.
func addIdlePool(d *Dataset, bizID int64) {
	for i, name := range []string{"空闲机", "故障机", "待回收"} {
		d.Modules = append(d.Modules, Module{ID: int64(8990 + i), Name: name, BizID: bizID, SetID: 8000, ModuleType: "1", Default: int64(i + 1)})
	}
	for h := range d.Hosts {
		if len(d.Hosts[h].ModuleIDs) == 0 {
			d.Hosts[h].ModuleIDs = []int64{8990}
		}
		slices.Sort(d.Hosts[h].ModuleIDs)
	}
}
