package provider

import (
	"bytes"
	"context"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// TestStateMsgPack checks the hand-written msgpack against the state built as tftypes
// values of the schema's type and encoded by terraform-plugin-go: the same bytes, and the
// same value once decoded.
func TestStateMsgPack(t *testing.T) {
	long := strings.Repeat("é", 40_000) // 80,000 bytes: a str32
	cases := map[string][]cmdb.ServiceInstance{
		"none": {},
		"one":  {{ID: 1, Name: "10.0.0.1_nginx", BizID: 3, ModuleID: 4, HostID: 5, Labels: nil}},
		"edges": {
			{ID: 1<<53 + 1, Name: "", BizID: 127, ModuleID: 128, HostID: 255, ServiceTemplateID: 0, Labels: map[string]string{}},
			{ID: 256, Name: strings.Repeat("n", 31), BizID: 65535, ModuleID: 65536, HostID: math.MaxUint32, ServiceTemplateID: math.MaxUint32 + 1,
				Labels: map[string]string{"env": "prod"}, Creator: strings.Repeat("c", 32), Modifier: strings.Repeat("m", 255),
				CreateTime: strings.Repeat("t", 256), LastTime: "2024-01-02T03:04:05.123+08:00", SupplierAccount: "0"},
			{ID: math.MaxInt64, Name: "名字_服务", BizID: -1, ModuleID: -32, HostID: -33, ServiceTemplateID: math.MinInt64,
				Labels: map[string]string{"b": "2", "a": "1", "c": long, "": "empty key", "z" + strings.Repeat("k", 40): ""}, Creator: long},
		},
	}
	many := make([]cmdb.ServiceInstance, 70_000) // array32 length
	for i := range many {
		many[i] = cmdb.ServiceInstance{ID: int64(i + 1), Name: "x", Labels: map[string]string{"i": "v"}}
	}
	cases["many"] = many

	tt := serviceInstancesTestTypes(t)
	for name, items := range cases {
		t.Run(name, func(t *testing.T) {
			list := &cmdb.ServiceInstanceList{Count: int64(len(items)), Instances: items}
			computed := []stateAttr{intAttr("total", list.Count), serviceInstanceRecord.list("instances", instanceRows(list.Instances, nil))}
			config := map[string]tftypes.Value{"bk_biz_id": testNumber(3), "set_template_id": testNumber(70000)}
			got, err := encodeState(tt.state, config, computed)
			if err != nil {
				t.Fatal(err)
			}
			if bound := computed[1].size; len(got) > bound+256 {
				t.Errorf("state is %d bytes, above the size its attributes announce (%d + the arguments)", len(got), bound)
			}
			want := referenceState(tt, 3, 70000, list)
			wantValue, err := tfprotov6.NewDynamicValue(tt.state, want)
			if err != nil {
				t.Fatal(err)
			}
			wantBytes := wantValue.MsgPack
			// terraform-plugin-go writes map keys in Go's map order, so the bytes can only be
			// compared when no labels map has two keys.
			ordered := true
			for _, in := range items {
				ordered = ordered && len(in.Labels) < 2
			}
			if ordered && !bytes.Equal(got, wantBytes) {
				i := 0
				for i < len(got) && i < len(wantBytes) && got[i] == wantBytes[i] {
					i++
				}
				t.Errorf("msgpack differs from terraform-plugin-go's encoding (%d vs %d bytes) at byte %d: % x vs % x", len(got), len(wantBytes), i, got[max(0, i-8):min(len(got), i+8)], wantBytes[max(0, i-8):min(len(wantBytes), i+8)])
			}
			decoded, err := (&tfprotov6.DynamicValue{MsgPack: got}).Unmarshal(tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if !decoded.Equal(want) {
				diffs, _ := decoded.Diff(want)
				t.Fatalf("decoded state differs: %v", diffs[:min(3, len(diffs))])
			}
		})
	}
}

// serviceInstancesTypes are the Terraform types of bkcmdb_service_instances, from its schema.
type serviceInstancesTypes struct {
	state    tftypes.Object
	list     tftypes.List
	instance tftypes.Object
	labels   tftypes.Map
}

func serviceInstancesTestTypes(t testing.TB) serviceInstancesTypes {
	t.Helper()
	state, err := serviceInstancesSpec.stateType()
	if err != nil {
		t.Fatal(err)
	}
	list, ok := state.AttributeTypes["instances"].(tftypes.List)
	if !ok {
		t.Fatal("instances is not a list")
	}
	instance, ok := list.ElementType.(tftypes.Object)
	if !ok {
		t.Fatal("instances elements are not objects")
	}
	labels, ok := instance.AttributeTypes["labels"].(tftypes.Map)
	if !ok {
		t.Fatal("labels is not a map")
	}
	return serviceInstancesTypes{state: state, list: list, instance: instance, labels: labels}
}

func testNumber(n int64) tftypes.Value {
	return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(n))
}

// referenceState builds the state the slow, obvious way, as tftypes values.
func referenceState(t serviceInstancesTypes, bizID, setTemplateID int64, list *cmdb.ServiceInstanceList) tftypes.Value {
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(n)) }
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	items := []tftypes.Value{}
	for _, in := range list.Instances {
		labels := map[string]tftypes.Value{}
		for k, v := range in.Labels {
			labels[k] = str(v)
		}
		items = append(items, tftypes.NewValue(t.instance, map[string]tftypes.Value{
			"id": num(in.ID), "name": str(in.Name), "bk_biz_id": num(in.BizID), "bk_module_id": num(in.ModuleID),
			"bk_host_id": num(in.HostID), "service_template_id": num(in.ServiceTemplateID),
			"labels": tftypes.NewValue(t.labels, labels), "creator": str(in.Creator), "modifier": str(in.Modifier),
			"create_time": str(in.CreateTime), "last_time": str(in.LastTime), "bk_supplier_account": str(in.SupplierAccount),
			"processes": tftypes.NewValue(t.instance.AttributeTypes["processes"], []tftypes.Value{}),
		}))
	}
	return tftypes.NewValue(t.state, map[string]tftypes.Value{
		"bk_biz_id": num(bizID), "set_template_id": num(setTemplateID), "total": num(list.Count),
		"instances":      tftypes.NewValue(t.list, items),
		"bk_module_ids":  tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, nil),
		"bk_host_ids":    tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, nil),
		"labels":         tftypes.NewValue(t.labels, nil),
		"with_processes": tftypes.NewValue(tftypes.Bool, nil),
	})
}

// TestServedReadFallsBack checks that reads the fast path does not take go to the
// framework: before ConfigureProvider, and for another type name.
func TestServedReadFallsBack(t *testing.T) {
	ctx := context.Background()
	s, err := NewProtocol6Server("test")()
	if err != nil {
		t.Fatal(err)
	}
	tt := serviceInstancesTestTypes(t)
	config, err := tfprotov6.NewDynamicValue(tt.state, tftypes.NewValue(tt.state, map[string]tftypes.Value{
		"bk_biz_id":       tftypes.NewValue(tftypes.Number, big.NewFloat(3)),
		"set_template_id": tftypes.NewValue(tftypes.Number, big.NewFloat(7)),
		"total":           tftypes.NewValue(tftypes.Number, nil),
		"instances":       tftypes.NewValue(tt.list, nil),
		"bk_module_ids":   tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, nil),
		"bk_host_ids":     tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, nil),
		"labels":          tftypes.NewValue(tt.labels, nil),
		"with_processes":  tftypes.NewValue(tftypes.Bool, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: serviceInstancesSpec.typeName(), Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != "Provider not configured" {
		t.Errorf("unconfigured read: got %v, want the framework's %q error", diagText(resp.Diagnostics), "Provider not configured")
	}
	resp, err = s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "bkcmdb_nothing", Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	if !hasError(resp.Diagnostics) {
		t.Errorf("unknown data source: got no error")
	}
}

// TestServerServesEveryFrameworkMethod holds that the served server answers every RPC
// the framework's server answers, the optional list resource, action and state store
// ones included: a method the framework adds later and the wrapper does not forward
// fails here instead of going silently unserved.
func TestServerServesEveryFrameworkMethod(t *testing.T) {
	fw, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	served, err := NewProtocol6Server("test")()
	if err != nil {
		t.Fatal(err)
	}
	fwType, servedType := reflect.TypeOf(fw), reflect.TypeOf(served)
	if fwType.NumMethod() < 20 {
		t.Fatalf("the framework's server has %d methods; the check would prove nothing", fwType.NumMethod())
	}
	for i := range fwType.NumMethod() {
		m := fwType.Method(i)
		sm, ok := servedType.MethodByName(m.Name)
		if !ok {
			t.Errorf("the served server lacks %s, which the framework's server has", m.Name)
			continue
		}
		if sm.Type.NumIn() != m.Type.NumIn() || sm.Type.NumOut() != m.Type.NumOut() {
			t.Errorf("%s: signature %s, the framework's is %s", m.Name, sm.Type, m.Type)
		}
	}
	//nolint:staticcheck // deprecated as separate interfaces, and what the framework's server implements today
	for name, iface := range map[string]reflect.Type{
		"ProviderServerWithListResource": reflect.TypeFor[tfprotov6.ProviderServerWithListResource](),
		"ProviderServerWithActions":      reflect.TypeFor[tfprotov6.ProviderServerWithActions](),
		"ProviderServerWithStateStores":  reflect.TypeFor[tfprotov6.ProviderServerWithStateStores](),
	} {
		if fwType.Implements(iface) && !servedType.Implements(iface) {
			t.Errorf("the framework's server implements tfprotov6.%s and the served one does not", name)
		}
	}
}
