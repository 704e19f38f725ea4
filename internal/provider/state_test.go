package provider

import (
	"bytes"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// referenceFields builds the attributes of a record as tftypes values of typ, the slow
// obvious way, from the record type's fields.
func referenceFields[T any](r *recordType[T], typ tftypes.Object, rec *T) map[string]tftypes.Value {
	values := map[string]tftypes.Value{}
	for _, f := range r.fields {
		switch f.kind {
		case kindInt:
			values[f.name] = tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(f.int(rec)))
		case kindString:
			values[f.name] = tftypes.NewValue(tftypes.String, f.str(rec))
		case kindStringList:
			elems := []tftypes.Value{}
			for _, s := range f.strs(rec) {
				elems = append(elems, tftypes.NewValue(tftypes.String, s))
			}
			values[f.name] = tftypes.NewValue(typ.AttributeTypes[f.name], elems)
		case kindStringMap:
			elems := map[string]tftypes.Value{}
			for k, v := range f.strMap(rec) {
				elems[k] = tftypes.NewValue(tftypes.String, v)
			}
			values[f.name] = tftypes.NewValue(typ.AttributeTypes[f.name], elems)
		case kindBool:
			values[f.name] = tftypes.NewValue(tftypes.Bool, f.boolean(rec))
		case kindList:
			ref, _ := f.nested.(interface {
				reference(tftypes.Type, *T) tftypes.Value
			})
			values[f.name] = ref.reference(typ.AttributeTypes[f.name], rec)
		}
	}
	return values
}

// reference is the nested records of rec as a tftypes list, the obvious way.
func (c childList[T, C]) reference(typ tftypes.Type, rec *T) tftypes.Value {
	list, _ := typ.(tftypes.List)
	return referenceList(c.child, list, c.get(rec))
}

// referenceList is records as a tftypes list of typ's element objects.
func referenceList[T any](r *recordType[T], typ tftypes.List, records []T) tftypes.Value {
	obj, _ := typ.ElementType.(tftypes.Object)
	elems := []tftypes.Value{}
	for i := range records {
		elems = append(elems, tftypes.NewValue(obj, referenceFields(r, obj, &records[i])))
	}
	return tftypes.NewValue(typ, elems)
}

// stateFixture is one data source's state, as the provider writes it (config and
// computed attributes) and as the obvious tftypes value.
type stateFixture struct {
	config    map[string]tftypes.Value
	computed  []stateAttr
	reference func(typ tftypes.Object) map[string]tftypes.Value
}

var (
	long    = strings.Repeat("é", 40_000) // 80,000 bytes: a str32
	edgeIDs = []int64{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, 1<<53 + 1, math.MaxInt64, -1, -32, -33, math.MinInt64}
)

// stateFixtures has a fixture for every data source, with edge values: every integer
// width, strings of every length class, unicode, empty and one-element lists.
func stateFixtures() map[string]stateFixture {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	businesses := []cmdb.Business{
		{ID: 2, Name: "web-shop", Maintainers: cmdb.CommaList{"alice", "bob"}, Operators: cmdb.CommaList{"ops"}, LifeCycle: "2", TimeZone: "Asia/Shanghai", Language: "1", SupplierAccount: "0"},
	}
	setTemplates := []cmdb.SetTemplate{{ID: math.MaxInt64, Name: "游戏服", BizID: 2, Creator: long, CreateTime: "2019-06-20T22:46:00.69+08:00"}}
	var sets []cmdb.Set
	var modules []cmdb.Module
	var hosts []cmdb.Host
	for i, id := range edgeIDs {
		sets = append(sets, cmdb.Set{ID: id, Name: strings.Repeat("s", i*20), BizID: 2, SetTemplateID: id, Env: "3", ServiceStatus: "1"})
		modules = append(modules, cmdb.Module{ID: id, Name: "m", SetID: id, BizID: 2, ServiceTemplateID: -id, Type: "1",
			Operators: cmdb.CommaList{strings.Repeat("o", i*17)}, BakOperators: nil})
		hosts = append(hosts, cmdb.Host{ID: id, Name: "h", InnerIP: cmdb.CommaList{"10.0.0.1", "10.0.0.2"}, CloudID: id % 7,
			OSType: "", State: "运行中", Operators: cmdb.CommaList{"a", "b", "c"}})
	}
	objInstances := []cmdb.Instance{
		// One key each: terraform-plugin-go writes map keys in Go's random order, so the bytes
		// of a longer map cannot be compared.
		{ID: 1<<53 + 1, Name: "m1", ObjID: "mysql", Attributes: map[string]string{"role": long}},
		{ID: 1<<53 + 3, Name: "m2", ObjID: "mysql", Attributes: map[string]string{"tags": `["a","b"]`}},
		{ID: math.MaxInt64, Name: "", ObjID: "mysql"},
	}
	areas := []cmdb.CloudArea{{ID: 0, Name: "Default Area", Status: "1"}, {ID: 90000001, Name: "云", Vendor: "2", Region: "ap-guangzhou"}}
	group := cmdb.DynamicGroup{ID: "bq5kq9a8o", Name: "canary", BizID: 2, ObjID: cmdb.GroupOfHosts}
	instances := []cmdb.ServiceInstance{{ID: 1, Name: "10.0.0.1_nginx", BizID: 3, ModuleID: 4, HostID: 5, Labels: map[string]string{"env": "prod"}}, {ID: 2}}
	instanceProcesses := instanceRows(instances, [][]cmdb.ProcessInstance{{
		{Process: cmdb.Process{ID: math.MaxInt64, Name: "nginx", User: long, BindInfo: []cmdb.BindInfo{
			{IP: "0.0.0.0", Port: "80,443", Protocol: "1", Enable: true}, {}, {IP: "::1", Port: "8000-8010", Protocol: "7"}}}},
		{Process: cmdb.Process{ID: 1}, Relation: cmdb.ProcessRelation{ProcessTemplateID: 1 << 53}},
	}, nil})
	listeners := []listener{
		{ServiceInstanceID: 1, ModuleID: 4, HostID: 5, ProcessID: math.MaxInt64, ProcessName: "nginx", Protocol: cmdb.ProtocolTCP6,
			BindIP: "::", Address: "fd00::1", Target: "[fd00::1]:443", Port: 443, PortLast: 443, Enabled: true},
		{Port: 8000, PortLast: 8010, BindIP: long},
	}
	many := make([]cmdb.Host, 70_000) // an array32 length
	for i := range many {
		many[i] = cmdb.Host{ID: int64(i + 1), InnerIP: cmdb.CommaList{"10.1.0.1"}}
	}
	listOf := func(name string, ref func(tftypes.List) tftypes.Value) func(tftypes.Object) map[string]tftypes.Value {
		return func(typ tftypes.Object) map[string]tftypes.Value {
			list, _ := typ.AttributeTypes[name].(tftypes.List)
			return map[string]tftypes.Value{name: ref(list)}
		}
	}
	return map[string]stateFixture{
		"business": {
			config:   map[string]tftypes.Value{"name": str("web-shop")},
			computed: businessRecord.attrs(&businesses[0]),
			reference: func(typ tftypes.Object) map[string]tftypes.Value {
				return referenceFields(businessRecord, typ, &businesses[0])
			},
		},
		"set_template": {
			config:   map[string]tftypes.Value{"bk_biz_id": testNumber(2), "id": testNumber(math.MaxInt64)},
			computed: setTemplateRecord.attrs(&setTemplates[0]),
			reference: func(typ tftypes.Object) map[string]tftypes.Value {
				return referenceFields(setTemplateRecord, typ, &setTemplates[0])
			},
		},
		"sets": {
			config:    map[string]tftypes.Value{"bk_biz_id": testNumber(2), "name": str("x")},
			computed:  []stateAttr{setRecord.list("sets", sets)},
			reference: listOf("sets", func(l tftypes.List) tftypes.Value { return referenceList(setRecord, l, sets) }),
		},
		"modules": {
			config:    map[string]tftypes.Value{"bk_biz_id": testNumber(2)},
			computed:  []stateAttr{moduleRecord.list("modules", modules)},
			reference: listOf("modules", func(l tftypes.List) tftypes.Value { return referenceList(moduleRecord, l, modules) }),
		},
		"hosts": {
			config: map[string]tftypes.Value{"bk_biz_id": testNumber(2), "bk_host_ids": tftypes.NewValue(tftypes.List{ElementType: tftypes.Number},
				[]tftypes.Value{testNumber(1), testNumber(math.MaxInt64)})},
			computed:  []stateAttr{hostRecord.list("hosts", append(hosts, many...))},
			reference: listOf("hosts", func(l tftypes.List) tftypes.Value { return referenceList(hostRecord, l, append(hosts, many...)) }),
		},
		"service_instances": {
			config: map[string]tftypes.Value{"bk_biz_id": testNumber(3), "set_template_id": testNumber(7),
				"labels": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"env": str("prod")})},
			computed: []stateAttr{intAttr("total", 1), serviceInstanceRecord.list("instances", instanceProcesses)},
			reference: func(typ tftypes.Object) map[string]tftypes.Value {
				list, _ := typ.AttributeTypes["instances"].(tftypes.List)
				return map[string]tftypes.Value{"total": testNumber(1), "instances": referenceList(serviceInstanceRecord, list, instanceProcesses)}
			},
		},
		"instances": {
			config:   map[string]tftypes.Value{"bk_obj_id": str("mysql"), "conditions": str(`{"condition":"AND","rules":[]}`)},
			computed: []stateAttr{intAttr("total", int64(len(objInstances))), instanceRecord.list("instances", objInstances)},
			reference: func(typ tftypes.Object) map[string]tftypes.Value {
				list, _ := typ.AttributeTypes["instances"].(tftypes.List)
				return map[string]tftypes.Value{"total": testNumber(int64(len(objInstances))), "instances": referenceList(instanceRecord, list, objInstances)}
			},
		},
		"cloud_areas": {
			config:    map[string]tftypes.Value{},
			computed:  []stateAttr{cloudAreaRecord.list("cloud_areas", areas)},
			reference: listOf("cloud_areas", func(l tftypes.List) tftypes.Value { return referenceList(cloudAreaRecord, l, areas) }),
		},
		"dynamic_group": {
			config:   map[string]tftypes.Value{"bk_biz_id": testNumber(2), "name": str("canary")},
			computed: append(dynamicGroupRecord.attrs(&group), hostRecord.list("hosts", hosts), setRecord.list("sets", nil)),
			reference: func(typ tftypes.Object) map[string]tftypes.Value {
				v := referenceFields(dynamicGroupRecord, typ, &group)
				hl, _ := typ.AttributeTypes["hosts"].(tftypes.List)
				sl, _ := typ.AttributeTypes["sets"].(tftypes.List)
				v["hosts"], v["sets"] = referenceList(hostRecord, hl, hosts), referenceList(setRecord, sl, nil)
				return v
			},
		},
		"listeners": {
			config: map[string]tftypes.Value{"bk_biz_id": testNumber(3), "set_template_id": testNumber(7),
				"include_loopback": tftypes.NewValue(tftypes.Bool, true)},
			computed:  []stateAttr{listenerRecord.list("listeners", listeners)},
			reference: listOf("listeners", func(l tftypes.List) tftypes.Value { return referenceList(listenerRecord, l, listeners) }),
		},
	}
}

// TestStateMsgPackEveryDataSource writes the state of every data source and compares it
// byte for byte with terraform-plugin-go's encoding of the same value built as tftypes
// values, and decodes it back with the schema's type.
func TestStateMsgPackEveryDataSource(t *testing.T) {
	fixtures := stateFixtures()
	for _, spec := range dataSourceSpecs {
		t.Run(spec.name, func(t *testing.T) {
			fx, ok := fixtures[spec.name]
			if !ok {
				t.Fatalf("no state fixture for %s: add one", spec.typeName())
			}
			typ, err := spec.stateType()
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeState(typ, fx.config, fx.computed)
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]tftypes.Value{}
			for name, at := range typ.AttributeTypes {
				values[name] = tftypes.NewValue(at, nil)
			}
			for name, v := range fx.config {
				values[name] = v
			}
			for name, v := range fx.reference(typ) {
				values[name] = v
			}
			want := tftypes.NewValue(typ, values)
			wantValue, err := tfprotov6.NewDynamicValue(typ, want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, wantValue.MsgPack) {
				i := 0
				for i < len(got) && i < len(wantValue.MsgPack) && got[i] == wantValue.MsgPack[i] {
					i++
				}
				t.Errorf("msgpack differs from terraform-plugin-go's (%d vs %d bytes) at byte %d", len(got), len(wantValue.MsgPack), i)
			}
			decoded, err := unmarshalState(got, typ)
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
