package emulator

import (
	"strconv"
	"strings"
	"time"
)

// templateShape is a set template with the service templates (modules) built from it.
type templateShape struct {
	name    string
	modules []string
}

var (
	setTemplateShapes = []templateShape{
		{"web", []string{"nginx", "api-server", "worker"}},
		{"gamesvr", []string{"gamesvr", "matchmaker", "chat-proxy"}},
		{"db-cluster", []string{"mysql-master", "mysql-slave", "db-proxy"}},
		{"cache-cluster", []string{"redis", "sentinel"}},
	}
	// setShapes are the sets built from each template: regions of the
	// formal environment, an experience set and a test set (closed).
	setShapes = []struct{ suffix, env, status string }{
		{"gz", "3", "1"}, {"sh", "3", "1"}, {"exp", "2", "1"}, {"test", "1", "2"},
	}
	hostStates = []string{"运营中[需告警]", "运营中[无告警]", "测试中", ""}
)

// topoGen builds businesses with their idle pool, set templates, sets,
// modules and hosts, with ids increasing per kind.
type topoGen struct {
	d                                              *Dataset
	templateID, setID, moduleID, serviceID, hostID int64
	// hostsOf maps each module that can run service instances to its hosts.
	hostsOf map[int64][]Host
	// runnable are those modules, in creation order.
	runnable []Module
}

// business adds b with its idle pool set (idle, fault and recycle modules),
// one set template per shape with four sets each and then a "tools" set not
// built from a template, and hosts in its modules (block makes its IPs and
// users distinct).
func (g *topoGen) business(b Business, block int, shapes []templateShape, hosts int) {
	b.Maintainer = users[(block+2)%len(users)] + "," + users[(block+3)%len(users)]
	b.Productor, b.Developer, b.Tester, b.Operator = "carol", "dave,erin,frank", "", users[block%len(users)]
	b.LifeCycle, b.TimeZone, b.Language, b.SupplierAccount = "2", "Asia/Shanghai", "1", DefaultSupplierAccount
	g.d.Businesses = append(g.d.Businesses, b)
	idle := g.set(Set{BizID: b.ID, Name: "空闲机池", Default: 1, Env: "1", ServiceStatus: "1"})
	idleModule := g.module(Module{Name: "空闲机", Default: 1}, idle)
	faultModule := g.module(Module{Name: "故障机", Default: 2}, idle)
	g.module(Module{Name: "待回收", Default: 3}, idle)
	var modules []Module
	for _, shape := range shapes {
		g.templateID++
		created := timeBase.Add(time.Duration(g.templateID) * 97 * time.Hour).Add(123 * time.Millisecond)
		g.d.SetTemplates = append(g.d.SetTemplates, SetTemplate{ID: g.templateID, BizID: b.ID, Name: shape.name,
			Creator: "admin", Modifier: "alice", CreateTime: created.In(utc8).Format(time.RFC3339Nano),
			LastTime: created.Add(30 * 24 * time.Hour).Format(time.RFC3339Nano), SupplierAccount: DefaultSupplierAccount})
		firstService := g.serviceID + 1
		g.serviceID += int64(len(shape.modules))
		for _, ss := range setShapes {
			st := g.set(Set{BizID: b.ID, Name: shape.name + "-" + ss.suffix, SetTemplateID: g.templateID, Env: ss.env,
				ServiceStatus: ss.status, Desc: shape.name + " cluster, " + ss.suffix})
			for i, name := range shape.modules {
				kind := "1"
				if strings.HasPrefix(name, "mysql") {
					kind = "2"
				}
				modules = append(modules, g.module(Module{Name: name, ServiceTemplateID: firstService + int64(i),
					ModuleType: kind, Operator: "alice", BakOperator: "bob,ops-bot"}, st))
			}
		}
	}
	if len(shapes) > 0 {
		tools := g.set(Set{BizID: b.ID, Name: "tools", Env: "3", ServiceStatus: "1", Desc: "hand-made, no template"})
		modules = append(modules, g.module(Module{Name: "standalone-tools", ModuleType: "1", Operator: "bob"}, tools))
	}
	g.hosts(b, block, 0, hosts, idleModule.ID, faultModule.ID, modules)
}

func (g *topoGen) set(st Set) Set {
	g.setID++
	st.ID, st.SupplierAccount = g.setID, DefaultSupplierAccount
	g.d.Sets = append(g.d.Sets, st)
	return st
}

func (g *topoGen) module(m Module, in Set) Module {
	g.moduleID++
	m.ID, m.BizID, m.SetID, m.SetTemplateID, m.SupplierAccount = g.moduleID, in.BizID, in.ID, in.SetTemplateID, DefaultSupplierAccount
	if m.ModuleType == "" {
		m.ModuleType = "1"
	}
	g.d.Modules = append(g.d.Modules, m)
	return m
}

// hosts adds n hosts (numbered from first within the business) to b: one
// in ten in the idle or fault module, the others round-robin over modules,
// every seventh of those also in a second module.
func (g *topoGen) hosts(b Business, block, first, n int, idle, fault int64, modules []Module) {
	byID := make(map[int64]Module, len(modules))
	for _, m := range modules {
		byID[m.ID] = m
	}
	placed := 0
	for i := first; i < first+n; i++ {
		g.hostID++
		var in []int64
		switch {
		case len(modules) == 0 || i%10 == 9:
			in = []int64{idle}
			if i%20 == 19 {
				in = []int64{fault}
			}
		default:
			m := modules[placed%len(modules)]
			in = []int64{m.ID}
			if second := modules[(placed+5)%len(modules)]; placed%7 == 6 && second.ID != m.ID {
				in = append(in, second.ID)
			}
			placed++
		}
		h := newHost(g.hostID, b, block, i, in)
		g.d.Hosts = append(g.d.Hosts, h)
		for _, id := range in {
			if m, ok := byID[id]; ok {
				if len(g.hostsOf[id]) == 0 {
					g.runnable = append(g.runnable, m)
				}
				g.hostsOf[id] = append(g.hostsOf[id], h)
			}
		}
	}
}

// ipv4 is a.(v>>16).(v>>8).v, for distinct addresses per block.
func ipv4(a, v int) string {
	return strconv.Itoa(a) + "." + strconv.Itoa(v>>16&255) + "." + strconv.Itoa(v>>8&255) + "." + strconv.Itoa(v&255)
}

// newHost makes the i-th host of business b, deterministically: about one
// in five has two inner IPs, two in three no outer IP, one in four an inner
// IPv6, one in six a null os type, one in seven no agent.
func newHost(id int64, b Business, block, i int, modules []int64) Host {
	v := block<<16 | (i + 1)
	h := Host{ID: id, BizID: b.ID, ModuleIDs: modules, Name: b.Name + "-" + strconv.Itoa(i+1),
		InnerIP: ipv4(10, v), CloudID: 0, State: hostStates[i%len(hostStates)], SupplierAccount: DefaultSupplierAccount,
		Operator: users[i%len(users)], BakOperator: users[(i+1)%len(users)] + "," + users[(i+2)%len(users)]}
	if i%5 == 4 {
		h.InnerIP += "," + ipv4(10, (block+100)<<16|(i+1))
	}
	if i%3 == 0 {
		h.OuterIP = ipv4(100, (block+64)<<16|(i+1))
	}
	if i%4 == 1 {
		h.InnerIPv6 = "fd00::" + strconv.FormatInt(int64(block), 16) + ":" + strconv.FormatInt(int64(i+1), 16)
	}
	if i%12 == 7 {
		h.OuterIPv6 = "2001:db8::" + strconv.FormatInt(int64(i+1), 16)
	}
	if i%10 == 3 {
		h.CloudID = 2
	}
	if i%8 == 2 {
		h.Operator = ""
	}
	switch {
	case i%6 == 5: // null os type, as many CMDB hosts have
	case i%4 == 3:
		h.OSType, h.OSName, h.OSVersion = ptr("2"), "Windows Server 2019 Datacenter", "10.0.17763"
	default:
		h.OSType, h.OSName, h.OSVersion = ptr("1"), "linux centos", "7.9.2009"
	}
	if i%7 != 6 {
		h.AgentID = "020000000052540" + strconv.FormatInt(id, 16)
	}
	return h
}

func ptr(s string) *string { return &s }

// ManyHosts builds a dataset of one business bizID with n hosts (ids
// 100001…) in its idle pool and the modules of its "web" set template's
// sets, and no service instances: for benchmarks of list_biz_hosts (20,000
// hosts in one business and more). It is deterministic.
func ManyHosts(bizID int64, n int) *Dataset {
	g := &topoGen{d: &Dataset{}, hostsOf: map[int64][]Host{}, hostID: 100000, templateID: 10, setID: 20, moduleID: 100, serviceID: 50}
	g.business(Business{ID: bizID, Name: "hosts-" + strconv.FormatInt(bizID, 10)}, 0, setTemplateShapes[:1], n)
	return g.d
}
