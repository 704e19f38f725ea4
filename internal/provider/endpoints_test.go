package provider

import (
	"cmp"
	"fmt"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

func TestParsePorts(t *testing.T) {
	for in, want := range map[string]string{
		"80": "[{80 80}]", "8000-8010": "[{8000 8010}]", "80,443,8000-8010": "[{80 80} {443 443} {8000 8010}]",
		"1": "[{1 1}]", "65535": "[{65535 65535}]", "80, 443": "[{80 80} {443 443}]", "9-9": "[{9 9}]",
		"": "bad", "0": "bad", "65536": "bad", "http": "bad", "80,": "bad", ",80": "bad", "10-5": "bad", "-80": "bad",
		"80-": "bad", "1-2-3": "bad", "+80": "bad", "80,,443": "bad", " ": "bad", "99999999999999999999": "bad",
	} {
		got, ok := parsePorts(in)
		s := fmt.Sprint(got)
		if !ok {
			s = "bad"
		}
		if s != want {
			t.Errorf("parsePorts(%q) = %s, want %s", in, s, want)
		}
	}
}

func TestIsLoopbackAndWildcard(t *testing.T) {
	for ip, want := range map[string]bool{"127.0.0.1": true, "127.1.2.3": true, "::1": true, "::ffff:127.0.0.1": true,
		"128.0.0.1": false, "0.0.0.0": false, "::": false, "": false, "10.0.0.1": false, "fe80::1": false, "localhost": false} {
		if got := isLoopback(ip); got != want {
			t.Errorf("isLoopback(%q) = %v", ip, got)
		}
	}
	for ip, want := range map[string]bool{"0.0.0.0": true, "::": true, "": true, "10.0.0.1": false, "127.0.0.1": false} {
		if got := isWildcard(ip); got != want {
			t.Errorf("isWildcard(%q) = %v", ip, got)
		}
	}
}

// endpointSnapshot: two instances (the second in a lower module), processes with every kind of row.
func endpointSnapshot() *cmdb.ServiceInstanceProcesses {
	codes := map[string]cmdb.ProtocolCode{"tcp": "1", "udp": "2", "tcp6": "3", "udp6": "4"}
	row := func(ip, port, proto string, enable bool) cmdb.BindInfo { // proto: a name, or a raw value
		return cmdb.BindInfo{IP: ip, Port: port, Protocol: cmp.Or(codes[proto], cmdb.ProtocolCode(proto)), Enable: enable}
	}
	proc := func(id int64, name string, rows ...cmdb.BindInfo) cmdb.ProcessInstance {
		return cmdb.ProcessInstance{Process: cmdb.Process{ID: id, Name: name, BindInfo: rows}}
	}
	return &cmdb.ServiceInstanceProcesses{
		Count: 2,
		Instances: []cmdb.ServiceInstance{
			{ID: 1, ModuleID: 20, HostID: 7},
			{ID: 2, ModuleID: 10, HostID: 8},
		},
		Processes: [][]cmdb.ProcessInstance{
			{
				proc(100, "nginx",
					row("0.0.0.0", "443,80", "tcp", true),
					row("::", "80", "tcp6", true),
					row("127.0.0.1", "8080", "tcp", true),
					row("10.0.0.7", "9000", "udp", false),
					row("", "81", "udp6", true),
					row("10.0.0.7", "", "tcp", true),
					row("10.0.0.7", "82", "", true),
					row("10.0.0.7", "83", "7", true),
					cmdb.BindInfo{IP: "10.0.0.7", Port: "85", Protocol: "tcp", Enable: true}, // the name, not a code
					row("10.0.0.7", "abc", "tcp", false),                                     // disabled: left out before its port is looked at
				),
				proc(101, "admin", row("::1", "9001", "tcp6", true)),
			},
			{
				proc(200, "gamesvr", row("10.0.0.8", "7000-7010", "tcp", true), row("fd00::8", "7100", "udp6", true),
					row("10.0.0.8", "7100", "udp", true)),
			},
		},
	}
}

func listenerStrings(ls []listener) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("m%d h%d si%d p%d %s %s %s bind=%q addr=%q %d-%d target=%q enabled=%v",
			l.ModuleID, l.HostID, l.ServiceInstanceID, l.ProcessID, l.ProcessName, l.Protocol, "", l.BindIP, l.Address,
			l.Port, l.PortLast, l.Target, l.Enabled)
	}
	return out
}

func TestListenersExpandResolveAndOrder(t *testing.T) {
	ls, bad := expandListeners(endpointSnapshot(), &listenerFilter{})
	if got := wildcardHosts(ls); fmt.Sprint(got) != "[7]" {
		t.Errorf("wildcardHosts = %v", got)
	}
	resolveListeners(ls, innerAddresses([]cmdb.Host{
		{ID: 7, InnerIP: cmdb.CommaList{"fd00::bad", "10.0.0.7", "10.0.1.7"}, InnerIPv6: cmdb.CommaList{"10.9.9.9", "fd00::7"}},
	}))
	want := []string{
		`m10 h8 si2 p200 gamesvr tcp  bind="10.0.0.8" addr="10.0.0.8" 7000-7010 target="" enabled=true`,
		`m10 h8 si2 p200 gamesvr udp  bind="10.0.0.8" addr="10.0.0.8" 7100-7100 target="10.0.0.8:7100" enabled=true`,
		`m10 h8 si2 p200 gamesvr udp6  bind="fd00::8" addr="fd00::8" 7100-7100 target="[fd00::8]:7100" enabled=true`,
		`m20 h7 si1 p100 nginx tcp  bind="0.0.0.0" addr="10.0.0.7" 80-80 target="10.0.0.7:80" enabled=true`,
		`m20 h7 si1 p100 nginx tcp6  bind="::" addr="fd00::7" 80-80 target="[fd00::7]:80" enabled=true`,
		`m20 h7 si1 p100 nginx udp6  bind="" addr="fd00::7" 81-81 target="[fd00::7]:81" enabled=true`,
		`m20 h7 si1 p100 nginx tcp  bind="0.0.0.0" addr="10.0.0.7" 443-443 target="10.0.0.7:443" enabled=true`,
	}
	if got := listenerStrings(ls); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listeners:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := fmt.Sprint(bad); got != `[{nginx 100  1 1} {nginx 100 82  1} {nginx 100 83 7 1} {nginx 100 85 tcp 1}]` {
		t.Errorf("bad rows %s", got)
	}
}

func TestListenersFilters(t *testing.T) {
	cases := []struct {
		name string
		f    listenerFilter
		want string // the (process, port, protocol, enabled) of each listener
		bad  int
	}{
		{"loopback", listenerFilter{includeLoopback: true, processNames: []string{"nginx", "admin"}},
			"[100/80/tcp/true 100/80/tcp6/true 100/81/udp6/true 100/443/tcp/true 100/8080/tcp/true 101/9001/tcp6/true]", 4},
		{"disabled", listenerFilter{includeDisabled: true, protocols: []cmdb.Protocol{"udp"}}, "[200/7100/udp/true 100/9000/udp/false]", 3},
		{"names exact", listenerFilter{processNames: []string{"gamesv", "nginx "}}, "[]", 0},
		{"protocols", listenerFilter{protocols: []cmdb.Protocol{"tcp6", "udp6"}}, "[200/7100/udp6/true 100/80/tcp6/true 100/81/udp6/true]", 3},
		{"instances", listenerFilter{instance: func(in *cmdb.ServiceInstance) bool { return in.HostID == 8 }},
			"[200/7000/tcp/true 200/7100/udp/true 200/7100/udp6/true]", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ls, bad := expandListeners(endpointSnapshot(), &tc.f)
			got := make([]string, len(ls))
			for i, l := range ls {
				got[i] = fmt.Sprintf("%d/%d/%s/%v", l.ProcessID, l.Port, l.Protocol, l.Enabled)
			}
			if fmt.Sprint(got) != tc.want || len(bad) != tc.bad {
				t.Errorf("got %v, %d bad; want %s, %d", got, len(bad), tc.want, tc.bad)
			}
		})
	}
}

// A wildcard bind on a host without an address of the family has no address and no target.
func TestListenersHostWithoutAddress(t *testing.T) {
	ls, _ := expandListeners(endpointSnapshot(), &listenerFilter{processNames: []string{"nginx"}})
	resolveListeners(ls, innerAddresses([]cmdb.Host{{ID: 7, InnerIP: cmdb.CommaList{"10.0.0.7"}}}))
	for _, l := range ls {
		wantAddr := map[cmdb.Protocol]string{"tcp": "10.0.0.7", "tcp6": "", "udp6": ""}[l.Protocol]
		if l.Address != wantAddr || (wantAddr == "") != (l.Target == "") {
			t.Errorf("%+v: address %q", l, wantAddr)
		}
	}
	resolveListeners(ls, nil) // the host was not found
	for _, l := range ls {
		if l.Address != "" || l.Target != "" {
			t.Errorf("%+v without its host", l)
		}
	}
}

func TestBadRowsWarning(t *testing.T) {
	var bad []badBindRow
	for i := range 13 {
		bad = append(bad, badBindRow{"worker", int64(300 + i), "", "tcp", 9})
	}
	summary, detail := badRowsWarning(bad)
	if summary != "13 bind rows left out of listeners: empty or malformed port or protocol" ||
		!strings.Contains(detail, `"worker" (bk_process_id 300, service instance 9): port "", protocol "tcp"`) ||
		!strings.Contains(detail, "309") || strings.Contains(detail, "310") || !strings.Contains(detail, "; and 3 more.") {
		t.Errorf("%s\n%s", summary, detail)
	}
	if s, _ := badRowsWarning(bad[:1]); !strings.HasPrefix(s, "1 bind row left out") {
		t.Error(s)
	}
}
