package emulator

import (
	"slices"
	"strings"
	"time"
)

// procKind is a kind of generated process: its fixed attributes and its
// bind rows (ip "inner" is the host's first inner IPv4 address).
type procKind struct {
	name, workPath, user, start, stop, reload, pidFile string
	procNum                                            int64
	rows                                               []kindRow
}

type kindRow struct{ ip, port, protocol string }

var (
	procNginx = procKind{"nginx", "/usr/local/nginx", "root", "./sbin/nginx", "./sbin/nginx -s stop", "./sbin/nginx -s reload",
		"/usr/local/nginx/logs/nginx.pid", 4, []kindRow{{"0.0.0.0", "80", ProtocolTCP}, {"0.0.0.0", "443", ProtocolTCP}}}
	procGamesvr = procKind{"gamesvr", "/data/gamesvr", "gamesvr", "./bin/start.sh", "./bin/stop.sh", "", "/data/gamesvr/run/gamesvr.pid",
		1, []kindRow{{"inner", "9000-9010", ProtocolTCP}, {"inner", "9100", ProtocolUDP}}}
	procMatchmaker = procKind{"matchmaker", "/data/matchmaker", "gamesvr", "./bin/matchmaker -d", "kill -TERM $(cat run/mm.pid)", "",
		"/data/matchmaker/run/mm.pid", 2, []kindRow{{"inner", "7000-7003", ProtocolTCP}}}
	procChatProxy = procKind{"chat-proxy", "/data/chat-proxy", "gamesvr", "./chat-proxy start", "./chat-proxy stop", "./chat-proxy reload",
		"", 1, []kindRow{{"0.0.0.0", "5222,5269", ProtocolTCP}, {"inner", "5280", ProtocolTCP}}}
	procAgent = procKind{"gse_agent", "/usr/local/gse/agent", "root", "./bin/gsectl start", "./bin/gsectl stop", "./bin/gsectl reload",
		"/var/run/gse/agent.pid", 1, []kindRow{{"0.0.0.0", "48668,58625,58930-58935", ProtocolTCP}}}
	procApp = procKind{"app", "/data/app", "app", "./bin/app start", "./bin/app stop", "", "", 2,
		[]kindRow{{"inner", "8000-8010", ProtocolTCP}}}
	// procsOfModule are the processes each module's instances run.
	procsOfModule = map[string][]procKind{
		"gamesvr": {procNginx, procGamesvr}, "matchmaker": {procMatchmaker}, "chat-proxy": {procChatProxy},
		"nginx": {procNginx}, "api-server": {procApp}, "worker": {procApp},
	}
)

// procGen generates processes with ids from nextID.
type procGen struct {
	d      *Dataset
	seed   uint64
	nextID int64
	hosts  map[int64]*Host
	// shared holds one pointer per distinct string, shared by the processes.
	shared map[string]*string
}

func newProcGen(d *Dataset, seed int64) *procGen {
	g := &procGen{d: d, seed: uint64(seed), nextID: 60000, hosts: make(map[int64]*Host, len(d.Hosts)), shared: map[string]*string{}}
	for i := range d.Hosts {
		g.hosts[d.Hosts[i].ID] = &d.Hosts[i]
	}
	for _, p := range d.Processes {
		g.nextID = max(g.nextID, p.ID)
	}
	return g
}

func (g *procGen) str(s string) *string {
	if p, ok := g.shared[s]; ok {
		return p
	}
	p := &s
	g.shared[s] = p
	return p
}

var (
	pTrue, pFalse = bptrOf(true), bptrOf(false)
	rowIDs        = []*int64{i64ptr(1), i64ptr(2), i64ptr(3), i64ptr(4)}
	smallInts     = []*int64{i64ptr(0), i64ptr(1), i64ptr(2), i64ptr(3), i64ptr(4), i64ptr(5), i64ptr(30), i64ptr(60)}
)

func bptrOf(v bool) *bool   { return &v }
func i64ptr(v int64) *int64 { return &v }

// intPtr is a pointer to v, shared for the usual small values.
func intPtr(v int64) *int64 {
	for _, p := range smallInts {
		if *p == v {
			return p
		}
	}
	return i64ptr(v)
}

// process builds one process of kind k (the n-th of its instance) on in's host.
func (g *procGen) process(k procKind, n int, in *Instance) Process {
	g.nextID++
	p := Process{ID: g.nextID, ServiceInstanceID: in.ID, Name: g.str(k.name), FuncName: g.str(k.name), WorkPath: g.str(k.workPath),
		User: g.str(k.user), StartCmd: g.str(k.start), StopCmd: g.str(k.stop), FaceStopCmd: g.str("kill -9 " + k.name),
		Priority: intPtr(int64(n + 1)), ProcNum: intPtr(k.procNum), Timeout: intPtr(30), AutoStart: pTrue,
		StartParamRegex: g.str(k.name), StartCheckSecs: intPtr(5), SupplierAccount: in.SupplierAccount}
	if k.reload != "" {
		p.ReloadCmd = g.str(k.reload)
	}
	if k.pidFile != "" {
		p.PidFile = g.str(k.pidFile)
	}
	if in.ServiceTemplateID != 0 {
		p.ProcessTemplateID = in.ServiceTemplateID*10 + int64(n+1)
	}
	inner := ""
	if h := g.hosts[in.HostID]; h != nil {
		inner, _, _ = strings.Cut(h.InnerIP, ",")
	}
	p.BindInfo = make([]BindRow, len(k.rows), len(k.rows)+2)
	for i, r := range k.rows {
		ip := r.ip
		if ip == "inner" {
			ip = inner
		}
		p.BindInfo[i] = BindRow{TemplateRowID: rowIDs[i], IP: g.str(ip), Port: g.str(r.port), Protocol: g.str(r.protocol), Enable: pTrue}
	}
	return p
}

// pick is a deterministic draw in [0, n) for instance id and purpose salt.
func (g *procGen) pick(id int64, salt uint64, n int) int {
	return int(splitmix(uint64(id)^g.seed<<20^salt) % uint64(n))
}

// instanceProcesses appends the processes of the k-th selected instance:
// those of its module (an "app" elsewhere), one in three also an agent, and
// the odd cases spread by k.
func (g *procGen) instanceProcesses(k int, in *Instance, module string) {
	if k%37 == 17 {
		return // an instance without processes: process_instances null
	}
	kinds, ok := procsOfModule[module]
	if !ok {
		kinds = []procKind{procApp}
	}
	first := len(g.d.Processes)
	for n, kind := range kinds {
		g.d.Processes = append(g.d.Processes, g.process(kind, n, in))
	}
	if g.pick(in.ID, 0xa6e7, 3) == 0 || k%41 == 19 {
		agent := g.process(procAgent, len(kinds), in)
		if k%41 == 19 {
			agent.BindInfo = nil // bind_info null
		}
		g.d.Processes = append(g.d.Processes, agent)
	}
	main := &g.d.Processes[first]
	h := g.hosts[in.HostID]
	switch {
	case k%17 == 3: // a loopback admin port
		main.BindInfo = append(main.BindInfo, BindRow{TemplateRowID: rowIDs[3], IP: g.str("127.0.0.1"), Port: g.str("9999"), Protocol: g.str(ProtocolTCP), Enable: pTrue})
	case k%19 == 5: // a disabled row
		main.BindInfo[0].Enable = pFalse
	case k%23 == 7: // enable null
		main.BindInfo[0].Enable = nil
	case k%29 == 11: // port null
		main.BindInfo[0].Port = nil
	case k%31 == 13: // a protocol that is not a code
		main.BindInfo[0].Protocol = g.str("tcp")
	case k%43 == 21: // bind_info []
		main.BindInfo = []BindRow{}
	case k%47 == 23: // a row stored empty
		main.BindInfo = append(main.BindInfo, BindRow{})
	}
	if h != nil && h.InnerIPv6 != "" && k%3 == 0 && len(main.BindInfo) > 0 { // tcp6 on "::" of an IPv6 host
		main.BindInfo = append(main.BindInfo, BindRow{TemplateRowID: rowIDs[2], IP: g.str("::"), Port: main.BindInfo[0].Port, Protocol: g.str(ProtocolTCP6), Enable: pTrue})
	}
}

// WithProcesses gives every service instance of d that keep accepts (nil:
// all) realistic processes, deterministically from seed: by module (nginx on
// 0.0.0.0:80 and 443, a game server on its host's inner IP with a port range,
// …), one in three also an agent on a comma list of ports, and rarely the odd
// cases of the CMDB (a loopback admin port, a disabled row, a null enable, a
// null port, a protocol that is not a code, bind_info null or [], an empty
// row, no process at all, tcp6 on "::" for hosts with an inner IPv6). It
// returns d. 100,000 instances take well under a second.
func WithProcesses(d *Dataset, seed int64, keep func(*Instance) bool) *Dataset {
	g := newProcGen(d, seed)
	names := make(map[int64]string, len(d.Modules))
	for _, m := range d.Modules {
		names[m.ID] = m.Name
	}
	if d.Processes == nil {
		d.Processes = make([]Process, 0, len(d.ServiceInstances)*2)
	}
	k := 0
	for i := range d.ServiceInstances {
		in := &d.ServiceInstances[i]
		if keep != nil && !keep(in) {
			continue
		}
		g.instanceProcesses(k, in, names[in.ModuleID])
		k++
	}
	return d
}

// shareCreateTimes makes the instances of each module created together, as
// from a template: in runs of four (by id) those built from a service
// template share the create_time of the earliest of the run.
func shareCreateTimes(d *Dataset) {
	byModule := map[int64][]int{}
	for i, in := range d.ServiceInstances {
		if in.ServiceTemplateID != 0 {
			byModule[in.ModuleID] = append(byModule[in.ModuleID], i)
		}
	}
	for _, idx := range byModule {
		slices.SortFunc(idx, func(a, b int) int { return int(d.ServiceInstances[a].ID - d.ServiceInstances[b].ID) })
		for from := 0; from < len(idx); from += 4 {
			run := idx[from:min(len(idx), from+4)]
			earliest := run[0]
			for _, i := range run {
				if instantOf(d.ServiceInstances[i].CreateTime).Before(instantOf(d.ServiceInstances[earliest].CreateTime)) {
					earliest = i
				}
			}
			for _, i := range run {
				d.ServiceInstances[i].CreateTime = d.ServiceInstances[earliest].CreateTime
			}
		}
	}
}

func instantOf(ts string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, ts)
	return t
}
