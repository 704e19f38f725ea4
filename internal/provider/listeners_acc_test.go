package provider

import (
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// moveInstance5005 moves instance 5005 of testdata/listeners.json to the other module
// of its template (110 ↔ 111).
func moveInstance5005(m *emulator.Mutator) {
	for _, in := range m.Instances(2, 11) {
		if in.ID == 5005 {
			in.ModuleID = 221 - in.ModuleID
			m.Insert(2, 11, in)
		}
	}
}

// Data that moves between the instance walk and the detail read is read again; data
// that moves on every read is an error that says what differed.
func TestAccProcessesDataMoves(t *testing.T) {
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway+"/once", func(t *testing.T) {
			clearProviderEnv(t)
			d := listenersData(t)
			srv := newEmulator(t, emulator.Options{Data: d})
			var deleted atomic.Bool
			srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.API == emulator.APIListServiceInstanceDetail && deleted.CompareAndSwap(false, true) {
					m.Delete(5005) // the walk saw it, its details are gone
				}
			})
			want := d.Instances(2, 11)
			want = want[:len(want)-1]
			if want[len(want)-1].ID != 5004 {
				t.Fatal("5005 is not the last instance of template 11")
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + `
data "bkcmdb_service_instances" "procs" {
  bk_biz_id       = 2
  set_template_id = 11
  with_processes  = true
}
`,
					ConfigStateChecks: []statecheck.StateCheck{
						expectInstances{addr: "data.bkcmdb_service_instances.procs", want: want, processes: wantProcesses},
					},
				}},
			})
			if !deleted.Load() {
				t.Fatal("the hook never ran")
			}
		})
		t.Run(gateway+"/always", func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: listenersData(t)})
			srv.OnPage(func(p emulator.PageRequest, m *emulator.Mutator) {
				if p.API == emulator.APIListServiceInstanceDetail {
					moveInstance5005(m)
				}
			})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + `
data "bkcmdb_listeners" "all" {
  bk_biz_id       = 2
  set_template_id = 11
}
`,
					ExpectError: diagPattern("list_service_instance_detail failed: the service instances and their processes did not agree in 3 reads",
						"last read: 5 instances in list_service_instance_by_set_template, 5 with details in list_service_instance_detail; "+
							"instances without details: 0; details of instances not in the list: 0; in another module or on another host: 1 (5005)"),
				}},
			})
			if by := requestsByAPI(srv); by[emulator.APIListServiceInstanceDetail] != 3 || by[emulator.APIListServiceInstances] != 3 {
				t.Errorf("requests by API %v: want 3 instance walks and 3 detail reads", by)
			}
		})
	}
}

// Bad arguments fail at plan time, before any request.
func TestAccListenersValidation(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: listenersData(t)})
	good := providerBlock("esb", srv.URL())
	block := func(kind string, args ...string) string {
		return "\ndata \"" + kind + "\" \"x\" {\n  " + strings.Join(args, "\n  ") + "\n}\n"
	}
	cases := []struct{ name, config, want string }{
		{"protocol unknown", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", `protocols = ["tcp", "http"]`),
			`(?s)protocols.*value must be one of.*"tcp".*"udp".*"tcp6".*"udp6".*"http"`},
		{"protocol case", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", `protocols = ["TCP"]`), `(?s)protocols.*one of`},
		{"protocol code", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", `protocols = ["1"]`), `(?s)protocols.*one of`},
		{"bk_biz_id", block("bkcmdb_listeners", "bk_biz_id = 0", "set_template_id = 11"), `(?s)bk_biz_id.*at least 1`},
		{"set_template_id", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = -1"), `(?s)set_template_id.*at least 1`},
		{"missing template", block("bkcmdb_listeners", "bk_biz_id = 2"), `(?s)set_template_id.*required`},
		{"bk_module_ids", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", "bk_module_ids = [0]"), `(?s)bk_module_ids.*at least 1`},
		{"bk_host_ids", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", "bk_host_ids = [-1]"), `(?s)bk_host_ids.*at least 1`},
		{"include_disabled", block("bkcmdb_listeners", "bk_biz_id = 2", "set_template_id = 11", `include_disabled = "maybe"`), `(?s)include_disabled.*bool`},
		{"with_processes", block("bkcmdb_service_instances", "bk_biz_id = 2", "set_template_id = 11", `with_processes = "yes"`), `(?s)with_processes.*bool`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: good + tc.config, PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the CMDB, want none", n)
	}
}

// The malformed rows come to the user as one warning, through the real CLI, and the
// state is still written.
func TestAccListenersWarningThroughTerraformCLI(t *testing.T) {
	cli := terraformCLI(t)
	pluginDir := t.TempDir()
	buildProvider(t, pluginDir)
	srv := newEmulator(t, emulator.Options{Data: listenersData(t)})
	w := newTFWorkspace(t, cli, pluginDir)
	w.writeConfig(`terraform {
  required_providers {
    bkcmdb = { source = "bkcmdb/bkcmdb" }
  }
}
` + providerBlock("apigw", baseURLFor(srv, "apigw")) + `
data "bkcmdb_listeners" "all" {
  bk_biz_id       = 2
  set_template_id = 11
}
output "targets" {
  value = compact(data.bkcmdb_listeners.all.listeners[*].target)
}
`)
	apply := w.run("apply", "-auto-approve", "-no-color")
	if apply.err != nil {
		t.Fatalf("terraform apply: %v\n%s\n%s", apply.err, apply.stdout, apply.stderr)
	}
	out := strings.Join(strings.Fields(apply.stdout), " ")
	want := `Warning: 4 bind rows left out of listeners: empty or malformed port or protocol with data.bkcmdb_listeners.all, ` +
		`on main.tf line 17, in data "bkcmdb_listeners" "all": 17: data "bkcmdb_listeners" "all" { ` +
		`list_service_instance_detail sent bind rows whose port is not a port (1-65535), an ascending range or a comma list of them, ` +
		`or whose protocol is not one of CMDB's codes "1" to "4" (tcp, udp, tcp6, udp6). They are not in listeners: ` +
		`"nginx" (bk_process_id 7010, service instance 5002): port "abc", protocol "1"; ` +
		`"nginx" (bk_process_id 7010, service instance 5002): port "81", protocol "9"; ` +
		`"nginx" (bk_process_id 7010, service instance 5002): port "", protocol "2"; ` +
		`"nginx" (bk_process_id 7010, service instance 5002): port "82", protocol "tcp". Fix these processes' bind info in CMDB.`
	if !strings.Contains(out, want) {
		t.Errorf("apply output lacks the warning\n%s\nwant\n%s", out, want)
	}
	if strings.Count(out, "bind rows left out") != 1 {
		t.Errorf("the warning is not given once:\n%s", out)
	}
	if !strings.Contains(out, `targets = tolist([ "10.0.0.1:80", "[fd00::1]:80", "10.0.0.1:443", "10.0.0.2:80", "10.0.0.2:7100", "[fd00::3]:7000", "[fd00::3]:7003", ])`) {
		t.Errorf("apply output lacks the targets:\n%s", out)
	}
}
