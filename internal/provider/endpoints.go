package provider

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// The endpoints of bkcmdb_listeners, from a snapshot of instances and their processes:
// one listener per bind row and per item of its port list, wildcard binds resolved to
// the host's inner address. Pure functions, so that every rule is unit-tested.

// listener is one element of bkcmdb_listeners.listeners.
type listener struct {
	ServiceInstanceID, ModuleID, HostID, ProcessID int64
	ProcessName                                    string
	Protocol                                       cmdb.Protocol
	BindIP, Address, Target                        string
	Port, PortLast                                 int64
	Enabled                                        bool
}

// listenerFilter is what the arguments of bkcmdb_listeners keep.
type listenerFilter struct {
	instance        func(*cmdb.ServiceInstance) bool // nil keeps every instance
	processNames    []string                         // exact names; nil keeps every process
	protocols       []cmdb.Protocol                  // nil keeps every protocol
	includeDisabled bool
	includeLoopback bool
}

// listenerProtocols are the protocols a listener may have, in the order they are documented.
var listenerProtocols = []cmdb.Protocol{cmdb.ProtocolTCP, cmdb.ProtocolUDP, cmdb.ProtocolTCP6, cmdb.ProtocolUDP6}

// badBindRow is a bind row left out because its port or protocol is empty or malformed.
type badBindRow struct {
	processName       string
	processID         int64
	port, protocol    string
	serviceInstanceID int64
}

// expandListeners returns the listeners of snap that f keeps, with Address and Target
// not yet set for wildcard binds (see wildcardHosts and resolveListeners), and the rows
// f would keep but whose port or protocol is empty or malformed. Rows that f leaves out
// anyway (another process, disabled, loopback, another known protocol) are left out
// before their port is looked at, so that the warning names only rows that were lost.
func expandListeners(snap *cmdb.ServiceInstanceProcesses, f *listenerFilter) ([]listener, []badBindRow) {
	var out []listener
	var bad []badBindRow
	for i := range snap.Instances {
		in := &snap.Instances[i]
		if f.instance != nil && !f.instance(in) {
			continue
		}
		for j := range snap.Processes[i] {
			p := &snap.Processes[i][j].Process
			if f.processNames != nil && !slices.Contains(f.processNames, p.Name) {
				continue
			}
			for k := range p.BindInfo {
				row := &p.BindInfo[k]
				if (!row.Enable && !f.includeDisabled) || (!f.includeLoopback && isLoopback(row.IP)) {
					continue
				}
				proto, known := row.Protocol.Known()
				if known && f.protocols != nil && !slices.Contains(f.protocols, proto) {
					continue
				}
				ports, ok := parsePorts(row.Port)
				if !ok || !known {
					bad = append(bad, badBindRow{p.Name, p.ID, row.Port, string(row.Protocol), in.ID})
					continue
				}
				for _, pr := range ports {
					l := listener{
						ServiceInstanceID: in.ID, ModuleID: in.ModuleID, HostID: in.HostID, ProcessID: p.ID,
						ProcessName: p.Name, Protocol: proto, BindIP: row.IP,
						Port: pr.first, PortLast: pr.last, Enabled: row.Enable,
					}
					if !isWildcard(row.IP) {
						l.setAddress(row.IP)
					}
					out = append(out, l)
				}
			}
		}
	}
	slices.SortStableFunc(out, compareListeners)
	return out, bad
}

// compareListeners is the order of listeners: (bk_module_id, bk_host_id,
// service_instance_id, bk_process_id, port, protocol).
func compareListeners(a, b listener) int {
	return cmp.Or(cmp.Compare(a.ModuleID, b.ModuleID), cmp.Compare(a.HostID, b.HostID),
		cmp.Compare(a.ServiceInstanceID, b.ServiceInstanceID), cmp.Compare(a.ProcessID, b.ProcessID),
		cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
}

// setAddress sets the address a peer connects to and the target made of it: "" for a
// port range or an empty address.
func (l *listener) setAddress(addr string) {
	l.Address, l.Target = addr, ""
	if addr != "" && l.Port == l.PortLast {
		l.Target = net.JoinHostPort(addr, strconv.FormatInt(l.Port, 10))
	}
}

// isWildcard reports whether ip binds every address, or none was given.
func isWildcard(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }

// isLoopback reports whether ip is in 127.0.0.0/8 or is ::1.
func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}

// portRange is one item of a port list; a single port has first == last.
type portRange struct{ first, last int64 }

// parsePorts splits a port list ("80", "8000-8010", "80,443,8000-8010") into its items;
// false when it is empty or any item is not a port 1..65535 or an ascending range.
func parsePorts(s string) ([]portRange, bool) {
	if s == "" {
		return nil, false
	}
	items := make([]portRange, 0, strings.Count(s, ",")+1)
	for item := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(item, "-")
		first, ok := parsePort(a)
		last := first
		if isRange {
			var okLast bool
			last, okLast = parsePort(b)
			ok = ok && okLast && first <= last
		}
		if !ok {
			return nil, false
		}
		items = append(items, portRange{first, last})
	}
	return items, true
}

// parsePort parses one port, 1 to 65535, digits only.
func parsePort(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 1 && n <= 65535
}

// wildcardHosts returns the hosts, ascending, of the listeners whose address comes from
// their host; nil when none does.
func wildcardHosts(ls []listener) []int64 {
	var ids []int64
	for i := range ls {
		if isWildcard(ls[i].BindIP) {
			ids = append(ids, ls[i].HostID)
		}
	}
	if ids == nil {
		return nil
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// hostAddresses are a host's first inner IPv4 and IPv6 addresses, "" when it has none.
type hostAddresses struct{ v4, v6 string }

// innerAddresses returns the first inner IPv4 and IPv6 of each host.
func innerAddresses(hosts []cmdb.Host) map[int64]hostAddresses {
	m := make(map[int64]hostAddresses, len(hosts))
	for i := range hosts {
		h := &hosts[i]
		m[h.ID] = hostAddresses{v4: firstOf(h.InnerIP, netip.Addr.Is4), v6: firstOf(h.InnerIPv6, func(a netip.Addr) bool { return a.Is6() && !a.Is4In6() })}
	}
	return m
}

// firstOf returns the first of ips that parses and is of the family, "" if none is.
func firstOf(ips []string, family func(netip.Addr) bool) string {
	for _, ip := range ips {
		if a, err := netip.ParseAddr(ip); err == nil && family(a) {
			return ip
		}
	}
	return ""
}

// resolveListeners sets the address of the wildcard listeners from their host: the
// first inner IPv4 for tcp and udp, the first inner IPv6 for tcp6 and udp6.
func resolveListeners(ls []listener, hosts map[int64]hostAddresses) {
	for i := range ls {
		l := &ls[i]
		if !isWildcard(l.BindIP) {
			continue
		}
		h := hosts[l.HostID]
		if l.Protocol == cmdb.ProtocolTCP6 || l.Protocol == cmdb.ProtocolUDP6 {
			l.setAddress(h.v6)
		} else {
			l.setAddress(h.v4)
		}
	}
}

// maxNamedBadRows bounds the rows one warning names.
const maxNamedBadRows = 10

// badRowsWarning is the summary and detail of the one warning about bad rows.
func badRowsWarning(bad []badBindRow) (summary, detail string) {
	summary = fmt.Sprintf("%d bind rows left out of listeners: empty or malformed port or protocol", len(bad))
	if len(bad) == 1 {
		summary = "1 bind row left out of listeners: empty or malformed port or protocol"
	}
	names := make([]string, 0, min(len(bad), maxNamedBadRows))
	for _, b := range bad[:min(len(bad), maxNamedBadRows)] {
		names = append(names, fmt.Sprintf("%q (bk_process_id %d, service instance %d): port %q, protocol %q",
			b.processName, b.processID, b.serviceInstanceID, b.port, b.protocol))
	}
	detail = "list_service_instance_detail sent bind rows whose port is not a port (1-65535), an ascending range or a comma " +
		"list of them, or whose protocol is not one of CMDB's codes \"1\" to \"4\" (tcp, udp, tcp6, udp6). They are not in listeners: " + strings.Join(names, "; ")
	if more := len(bad) - len(names); more > 0 {
		detail += fmt.Sprintf("; and %d more", more)
	}
	return summary, detail + ". Fix these processes' bind info in CMDB."
}
