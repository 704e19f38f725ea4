package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// listenersData is testdata/listeners.json: business 2, set template 11 (modules 110
// and 111) with five instances whose processes cover every null, protocol code, port
// form, loopback, disabled, IPv6 and empty-bind case, and template 12 as a decoy.
func listenersData(t *testing.T) *emulator.Dataset {
	t.Helper()
	d, err := emulator.LoadDataset("testdata/listeners.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func bind(ip, port, protocol string, enable bool) map[string]any {
	return map[string]any{"ip": ip, "port": port, "protocol": protocol, "enable": enable}
}

func process(id, tpl int64, name, funcName, user, workPath string, rows ...map[string]any) map[string]any {
	if rows == nil {
		rows = []map[string]any{}
	}
	return map[string]any{"bk_process_id": id, "process_template_id": tpl, "bk_process_name": name, "bk_func_name": funcName,
		"user": user, "work_path": workPath, "bind_info": rows}
}

// wantProcesses are the processes of testdata/listeners.json as the contract maps them:
// ascending by bk_process_id, codes named, nulls "" / false / [].
var wantProcesses = map[int64][]map[string]any{
	5001: {
		process(7002, 0, "nginx-admin", "", "", "", bind("10.0.0.1", "9000", "tcp", false), bind("10.0.0.1", "9001", "tcp", false)),
		process(7012, 31, "nginx", "nginx", "www", "/usr/local/nginx",
			bind("0.0.0.0", "80,443", "tcp", true), bind("::", "80", "tcp6", true), bind("127.0.0.1", "8080", "tcp", true)),
	},
	5002: {process(7010, 31, "nginx", "nginx", "www", "", bind("", "80", "tcp", true), bind("", "", "", false),
		bind("10.0.0.2", "abc", "tcp", true), bind("10.0.0.2", "81", "9", true), bind("10.0.0.2", "", "udp", true), bind("10.0.0.2", "82", "tcp", true))},
	5003: {
		process(7003, 32, "gamesvr", "", "", "/data/gamesvr", bind("10.0.0.2", "7000-7010", "tcp", true), bind("10.0.0.2", "7100", "udp", true)),
		process(7006, 0, "sidecar", "", "", ""),
	},
	5004: {
		process(7004, 32, "gamesvr", "", "", "", bind("::", "7000", "tcp6", true), bind("0.0.0.0", "7001", "tcp", true),
			bind("::1", "7002", "udp6", true), bind("fd00::3", "7003,7005-7006", "udp6", true)),
		process(7005, 0, "agent", "", "", ""),
	},
}

// lst is one expected listener: instance, module, host, process, name, protocol, bind
// ip, address, ports, target, enabled.
func lst(si, module, host, proc int64, name, protocol, bindIP, address string, port, last int64, target string, enabled bool) map[string]any {
	return map[string]any{"service_instance_id": si, "bk_module_id": module, "bk_host_id": host, "bk_process_id": proc,
		"bk_process_name": name, "protocol": protocol, "bind_ip": bindIP, "address": address, "port": port, "port_last": last,
		"target": target, "enabled": enabled}
}

// The listeners of template 11 with the defaults: wildcards resolved (1003 has no
// inner IPv4), loopback and disabled rows out, the four malformed rows of 7010 out (a
// protocol name where CMDB holds a code included).
var (
	l5001tcp80  = lst(5001, 110, 1001, 7012, "nginx", "tcp", "0.0.0.0", "10.0.0.1", 80, 80, "10.0.0.1:80", true)
	l5001tcp680 = lst(5001, 110, 1001, 7012, "nginx", "tcp6", "::", "fd00::1", 80, 80, "[fd00::1]:80", true)
	l5001tcp443 = lst(5001, 110, 1001, 7012, "nginx", "tcp", "0.0.0.0", "10.0.0.1", 443, 443, "10.0.0.1:443", true)
	l5002tcp80  = lst(5002, 110, 1002, 7010, "nginx", "tcp", "", "10.0.0.2", 80, 80, "10.0.0.2:80", true)
	l5003range  = lst(5003, 111, 1002, 7003, "gamesvr", "tcp", "10.0.0.2", "10.0.0.2", 7000, 7010, "", true)
	l5003udp    = lst(5003, 111, 1002, 7003, "gamesvr", "udp", "10.0.0.2", "10.0.0.2", 7100, 7100, "10.0.0.2:7100", true)
	l5004tcp6   = lst(5004, 111, 1003, 7004, "gamesvr", "tcp6", "::", "fd00::3", 7000, 7000, "[fd00::3]:7000", true)
	l5004noV4   = lst(5004, 111, 1003, 7004, "gamesvr", "tcp", "0.0.0.0", "", 7001, 7001, "", true)
	l5004udp6   = lst(5004, 111, 1003, 7004, "gamesvr", "udp6", "fd00::3", "fd00::3", 7003, 7003, "[fd00::3]:7003", true)
	l5004range  = lst(5004, 111, 1003, 7004, "gamesvr", "udp6", "fd00::3", "fd00::3", 7005, 7006, "", true)
)

const listenersConfig = `
data "bkcmdb_service_instances" "plain" {
  bk_biz_id       = 2
  set_template_id = 11
}
data "bkcmdb_service_instances" "off" {
  bk_biz_id       = 2
  set_template_id = 11
  with_processes  = false
}
data "bkcmdb_service_instances" "procs" {
  bk_biz_id       = 2
  set_template_id = 11
  with_processes  = true
}
data "bkcmdb_listeners" "all" {
  bk_biz_id       = 2
  set_template_id = 11
}
data "bkcmdb_listeners" "everything" {
  bk_biz_id        = 2
  set_template_id  = 11
  include_disabled = true
  include_loopback = true
}
data "bkcmdb_listeners" "filtered" {
  bk_biz_id       = 2
  set_template_id = 11
  process_names   = ["gamesvr"]
  protocols       = ["udp6", "tcp"]
  bk_host_ids     = [1003]
}
data "bkcmdb_listeners" "prod_nginx" {
  bk_biz_id       = 2
  set_template_id = 11
  process_names   = ["nginx"]
  bk_module_ids   = [110]
  labels          = { env = "prod" }
}
data "bkcmdb_listeners" "no_names" {
  bk_biz_id       = 2
  set_template_id = 11
  process_names   = []
}
data "bkcmdb_listeners" "other_template" {
  bk_biz_id       = 2
  set_template_id = 12
}
`

// TestAccProcessesAndListeners reads testdata/listeners.json on both gateways in pages
// of 2 (the instance walk spans pages, the details come in three chunks) and checks
// every process and every listener field by field, and the detail requests' bodies.
func TestAccProcessesAndListeners(t *testing.T) {
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			d := listenersData(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			instances := d.Instances(2, 11)
			everything := []map[string]any{
				lst(5001, 110, 1001, 7002, "nginx-admin", "tcp", "10.0.0.1", "10.0.0.1", 9000, 9000, "10.0.0.1:9000", false),
				lst(5001, 110, 1001, 7002, "nginx-admin", "tcp", "10.0.0.1", "10.0.0.1", 9001, 9001, "10.0.0.1:9001", false),
				l5001tcp80, l5001tcp680, l5001tcp443,
				lst(5001, 110, 1001, 7012, "nginx", "tcp", "127.0.0.1", "127.0.0.1", 8080, 8080, "127.0.0.1:8080", true),
				l5002tcp80, l5003range, l5003udp, l5004tcp6, l5004noV4,
				lst(5004, 111, 1003, 7004, "gamesvr", "udp6", "::1", "::1", 7002, 7002, "[::1]:7002", true),
				l5004udp6, l5004range,
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway), "page_size = 2", "parallelism = 2") + listenersConfig,
					ConfigStateChecks: []statecheck.StateCheck{
						expectInstances{addr: "data.bkcmdb_service_instances.plain", want: instances},
						expectInstances{addr: "data.bkcmdb_service_instances.off", want: instances},
						expectInstances{addr: "data.bkcmdb_service_instances.procs", want: instances, processes: wantProcesses},
						expectObjects{"data.bkcmdb_listeners.all", "listeners", []map[string]any{
							l5001tcp80, l5001tcp680, l5001tcp443, l5002tcp80, l5003range, l5003udp, l5004tcp6, l5004noV4, l5004udp6, l5004range,
						}},
						expectObjects{"data.bkcmdb_listeners.everything", "listeners", everything},
						expectObjects{"data.bkcmdb_listeners.filtered", "listeners", []map[string]any{l5004noV4, l5004udp6, l5004range}},
						expectObjects{"data.bkcmdb_listeners.prod_nginx", "listeners", []map[string]any{l5001tcp80, l5001tcp680, l5001tcp443}},
						expectObjects{"data.bkcmdb_listeners.no_names", "listeners", []map[string]any{}},
						expectObjects{"data.bkcmdb_listeners.other_template", "listeners", []map[string]any{
							lst(5006, 120, 1004, 7007, "nginx", "tcp", "0.0.0.0", "10.0.0.4", 80, 80, "10.0.0.4:80", true),
						}},
					},
				}},
			})
			checkDetailRequests(t, srv, 2)
		})
	}
}

// checkDetailRequests holds every list_service_instance_detail request to the
// contract: bk_biz_id in the body, page.sort "id", limit = pageSize, 1 to pageSize
// service_instance_ids; and that there were some.
func checkDetailRequests(t *testing.T, srv *emulator.Server, pageSize int) {
	t.Helper()
	n := 0
	for _, r := range srv.Requests() {
		if r.API != emulator.APIListServiceInstanceDetail {
			continue
		}
		n++
		var body struct {
			BizID int64   `json:"bk_biz_id"`
			IDs   []int64 `json:"service_instance_ids"`
			Page  struct {
				Limit int    `json:"limit"`
				Sort  string `json:"sort"`
			} `json:"page"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || body.BizID != 2 || body.Page.Sort != "id" ||
			body.Page.Limit != pageSize || len(body.IDs) < 1 || len(body.IDs) > pageSize {
			t.Errorf("detail request %s: %s", r.Path, r.Body)
		}
	}
	if n == 0 {
		t.Error("no list_service_instance_detail request")
	}
}

// requestsByAPI counts the requests srv received per API.
func requestsByAPI(srv *emulator.Server) map[string]int {
	out := map[string]int{}
	for _, r := range srv.Requests() {
		out[r.API]++
	}
	return out
}

// Without with_processes (absent or false) not one detail request is sent, and no hosts are read.
func TestAccNoDetailRequestWithoutProcesses(t *testing.T) {
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			d := listenersData(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + strings.Split(listenersConfig, `data "bkcmdb_service_instances" "procs"`)[0],
					ConfigStateChecks: []statecheck.StateCheck{
						expectInstances{addr: "data.bkcmdb_service_instances.plain", want: d.Instances(2, 11)},
						expectInstances{addr: "data.bkcmdb_service_instances.off", want: d.Instances(2, 11)},
					},
				}},
			})
			by := requestsByAPI(srv)
			if by[emulator.APIListServiceInstanceDetail] != 0 || by[emulator.APIListBizHosts] != 0 || by[emulator.APIListServiceInstances] == 0 {
				t.Errorf("requests by API: %v; want no detail and no host request", by)
			}
		})
	}
}

// listenersWorkload is the listeners configuration, optionally with the identical
// service_instances (with_processes) and hosts reads it shares.
func listenersWorkload(withShared bool) string {
	hcl := `
data "bkcmdb_listeners" "a" {
  bk_biz_id       = 2
  set_template_id = 11
}
`
	if withShared {
		hcl += `
data "bkcmdb_listeners" "b" {
  bk_biz_id        = 2
  set_template_id  = 11
  include_loopback = true
  protocols        = ["tcp"]
}
data "bkcmdb_service_instances" "procs" {
  bk_biz_id       = 2
  set_template_id = 11
  with_processes  = true
  bk_module_ids   = [111]
}
data "bkcmdb_hosts" "wildcard_hosts" {
  bk_biz_id   = 2
  bk_host_ids = [1003, 1001, 1002]
}
`
	}
	return hcl
}

// Listeners share their reads: adding identical service_instances (with_processes),
// hosts and other listeners reads of the same configuration adds no request.
func TestAccListenersSharedReads(t *testing.T) {
	counts := map[bool]map[string]int{}
	for _, withShared := range []bool{false, true} {
		clearProviderEnv(t)
		srv := newEmulator(t, emulator.Options{Data: listenersData(t)})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: providerBlock("apigw", baseURLFor(srv, "apigw"), "page_size = 2") + listenersWorkload(withShared),
				ConfigStateChecks: []statecheck.StateCheck{
					expectObjects{"data.bkcmdb_listeners.a", "listeners", []map[string]any{
						l5001tcp80, l5001tcp680, l5001tcp443, l5002tcp80, l5003range, l5003udp, l5004tcp6, l5004noV4, l5004udp6, l5004range,
					}},
				},
			}},
		})
		counts[withShared] = requestsByAPI(srv)
	}
	t.Logf("requests by API: alone %v, with the shared reads %v", counts[false], counts[true])
	if fmt.Sprint(counts[false]) != fmt.Sprint(counts[true]) || counts[false][emulator.APIListBizHosts] == 0 {
		t.Errorf("requests by API: alone %v, with identical reads %v; want the same", counts[false], counts[true])
	}
}
