package emulator

import (
	"math/rand/v2"
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
	// Businesses is the number of businesses (default 3, at most 8).
	Businesses int
	// SetTemplatesPerBusiness is the number of set templates per business (default 3, at most 4).
	SetTemplatesPerBusiness int
	// HostsPerBusiness is the number of hosts per business (default 60).
	HostsPerBusiness int
}

// Defaults of GenerateOptions.
const (
	DefaultGeneratedInstances = 3000
	defaultBusinesses         = 3
	defaultSetTemplates       = 3
	defaultHostsPerBusiness   = 60
)

var (
	businessNames = []string{"mall", "payment", "game-center", "ops-platform", "search", "video", "iot-hub", "crm"}
	// setTemplateShapes are set templates with the service templates (modules) built from them.
	setTemplateShapes = []struct {
		name    string
		modules []string
	}{
		{"web-cluster", []string{"nginx", "api-server", "worker"}},
		{"db-cluster", []string{"mysql-master", "mysql-slave", "db-proxy"}},
		{"cache-cluster", []string{"redis", "sentinel"}},
		{"mq-cluster", []string{"kafka", "zookeeper"}},
	}
	labelEnvs  = []string{"prod", "staging", "test"}
	labelZones = []string{"sz-1", "sh-2", "gz-3", "tj-1"}
	labelTeams = []string{"sre", "dev.core", "data_team"}
	users      = []string{"admin", "ops-bot", "alice", "bob"}
	// utc8 is China Standard Time, the offset many CMDB records carry.
	utc8 = time.FixedZone("CST", 8*3600)
	// timeBase is the earliest create_time generated.
	timeBase = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
)

// GenerateDataset builds a realistic dataset deterministically from opts.Seed:
// several businesses, each with set templates, modules built from them (and one
// module built from no set template), hosts, and service instances spread over
// the modules. Labels env/role/zone (and sometimes team) follow the CMDB label
// rules; about one instance in eight has null labels, about one in ten has
// service_template_id 0; times are a mix of UTC and +08:00 with fractions.
// Instance ids are increasing with gaps and interleaved across set templates.
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
	d := &Dataset{}
	var moduleID, setTemplateID, hostID int64 = 100, 10, 1000
	var serviceTemplateID int64 = 50
	hostsByBiz := map[int64][]Host{}
	for b := 0; b < opts.Businesses; b++ {
		bizID := int64(b + 2) // business 1 is the CMDB's resource pool
		d.Businesses = append(d.Businesses, Business{ID: bizID, Name: businessNames[b]})
		for t := 0; t < opts.SetTemplatesPerBusiness; t++ {
			setTemplateID++
			shape := setTemplateShapes[t]
			d.SetTemplates = append(d.SetTemplates, SetTemplate{ID: setTemplateID, BizID: bizID, Name: shape.name})
			for _, name := range shape.modules {
				moduleID++
				serviceTemplateID++
				d.Modules = append(d.Modules, Module{ID: moduleID, Name: name, BizID: bizID,
					SetTemplateID: setTemplateID, ServiceTemplateID: serviceTemplateID})
			}
		}
		moduleID++
		d.Modules = append(d.Modules, Module{ID: moduleID, Name: "standalone-tools", BizID: bizID})
		for h := 0; h < opts.HostsPerBusiness; h++ {
			hostID++
			host := Host{ID: hostID, BizID: bizID, InnerIP: "10." + strconv.Itoa(b) + "." + strconv.Itoa(h/250) + "." + strconv.Itoa(h%250+1)}
			d.Hosts = append(d.Hosts, host)
			hostsByBiz[bizID] = append(hostsByBiz[bizID], host)
		}
	}
	d.ServiceInstances = make([]Instance, 0, opts.Instances)
	instanceID := int64(rng.IntN(20))
	for i := 0; i < opts.Instances; i++ {
		instanceID += 1 + int64(rng.IntN(3))
		m := d.Modules[rng.IntN(len(d.Modules))]
		hosts := hostsByBiz[m.BizID]
		host := hosts[rng.IntN(len(hosts))]
		d.ServiceInstances = append(d.ServiceInstances, generateInstance(rng, instanceID, m, host))
	}
	return d
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
// and is fast for n = 100000.
func SingleTemplate(bizID, setTemplateID int64, n int, seed int64) *Dataset {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7369_6e67_6c65))
	d := &Dataset{
		Businesses:   []Business{{ID: bizID, Name: "bench-" + strconv.FormatInt(bizID, 10)}},
		SetTemplates: []SetTemplate{{ID: setTemplateID, BizID: bizID, Name: "bench-cluster"}},
	}
	for i, name := range setTemplateShapes[0].modules {
		d.Modules = append(d.Modules, Module{ID: int64(9000 + i), Name: name, BizID: bizID,
			SetTemplateID: setTemplateID, ServiceTemplateID: int64(900 + i)})
	}
	hostCount := max(1, min(n/4, 50000))
	d.Hosts = make([]Host, hostCount)
	for h := range d.Hosts {
		d.Hosts[h] = Host{ID: int64(100000 + h), BizID: bizID,
			InnerIP: "10." + strconv.Itoa(h>>16&255) + "." + strconv.Itoa(h>>8&255) + "." + strconv.Itoa(h&255)}
	}
	d.ServiceInstances = make([]Instance, n)
	for i := range d.ServiceInstances {
		m := d.Modules[rng.IntN(len(d.Modules))]
		d.ServiceInstances[i] = generateInstance(rng, int64(i+1), m, d.Hosts[rng.IntN(hostCount)])
	}
	return d
}
