//go:build benchsplit

package provider

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// TestExperimentStatesAreTheShippedOnes: the benchmark's detail-by-module build gives,
// byte for byte, the states of the shipped read, on both gateways: one module, several
// (repeated), a module of another template ([] instances), [], and a host filter
// besides; total is the template's count every time. Run with -tags benchsplit.
func TestExperimentStatesAreTheShippedOnes(t *testing.T) {
	data := emulator.WithProcesses(emulator.Templates(benchBiz, benchTpl, 2, 4, 3000, 42), 42, nil)
	srv := newEmulator(t, emulator.Options{Data: data})
	mods := map[int64][]int64{}
	for _, m := range data.Modules {
		mods[m.SetTemplateID] = append(mods[m.SetTemplateID], m.ID)
	}
	host := data.ServiceInstances[0].HostID
	shipped := newSpec(dataSourceSpec{name: serviceInstancesSpec.name, schema: serviceInstancesSpec.schema, read: readServiceInstances})
	typ, err := serviceInstancesSpec.stateType()
	if err != nil {
		t.Fatal(err)
	}
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(n)) }
	ids := func(list ...int64) tftypes.Value {
		vals := make([]tftypes.Value, len(list))
		for i, id := range list {
			vals[i] = num(id)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, vals)
	}
	mine, other := mods[benchTpl], mods[benchTpl+1]
	for _, gw := range []struct {
		gateway cmdb.Gateway
		url     string
	}{{cmdb.GatewayESB, srv.URL()}, {cmdb.GatewayAPIGW, srv.APIGWURL()}} {
		client, err := cmdb.NewClient(cmdb.Config{BaseURL: gw.url, Gateway: gw.gateway,
			Credentials: cmdb.Credentials{AppCode: testAppCode, AppSecret: testAppSecret, Username: testUser}})
		if err != nil {
			t.Fatal(err)
		}
		pd := &providerData{client: client}
		for _, tc := range []struct {
			name     string
			set      map[string]tftypes.Value
			minBytes int // of the state: the instances are there
		}{
			{"one module", map[string]tftypes.Value{"bk_module_ids": ids(mine[1])}, 50000},
			{"several, repeated", map[string]tftypes.Value{"bk_module_ids": ids(mine[3], mine[0], mine[3])}, 100000},
			{"another template's module", map[string]tftypes.Value{"bk_module_ids": ids(other[0], mine[2])}, 50000},
			{"only another template's", map[string]tftypes.Value{"bk_module_ids": ids(other[1])}, 0},
			{"[]", map[string]tftypes.Value{"bk_module_ids": ids()}, 0},
			{"with a host", map[string]tftypes.Value{"bk_module_ids": ids(mine...), "bk_host_ids": ids(host)}, 300},
		} {
			vals := map[string]tftypes.Value{}
			for name, at := range typ.AttributeTypes {
				vals[name] = tftypes.NewValue(at, nil)
			}
			vals["bk_biz_id"], vals["set_template_id"] = num(benchBiz), num(benchTpl)
			for k, v := range tc.set {
				vals[k] = v
			}
			config := tftypes.NewValue(typ, vals)
			want, d := shipped.readState(context.Background(), pd, config)
			if d.HasError() {
				t.Fatalf("%s %s: shipped: %v", gw.gateway, tc.name, d)
			}
			before := srv.RequestCount()
			got, d := serviceInstancesSpec.readState(context.Background(), pd, config)
			if d.HasError() {
				t.Fatalf("%s %s: experiment: %v", gw.gateway, tc.name, d)
			}
			if !bytes.Equal(got, want) || len(want) < tc.minBytes {
				t.Errorf("%s %s: the experiment's state (%d bytes) differs from the shipped one (%d bytes)", gw.gateway, tc.name, len(got), len(want))
			}
			if srv.RequestCount() == before && tc.name == "one module" {
				t.Errorf("%s: the experiment sent no request: it is not what ran", gw.gateway)
			}
		}
	}
}
