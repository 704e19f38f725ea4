package provider

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// The state of bkcmdb_service_instances is written straight from the client's records as
// the msgpack that terraform decodes (the wire form of a DynamicValue): no reflection, no
// tree of Terraform values, one buffer sized up front. A read of 100,000 instances is
// about 26 MB of msgpack; built as tftypes values and passed through the framework's
// post-read work (copy, semantic equality, equality walk, reify, msgpack) it would cost
// tens of allocations per attribute (see BENCHMARKS.md).
//
// The encoding follows the data source schema: an object (a msgpack map, keys in sorted
// order as cty writes them) with bk_biz_id, instances, set_template_id and total; each
// instance an object of its 12 attributes; numbers as msgpack integers (exact 64-bit
// ids); labels a map, {} when the CMDB sent null or nothing. TestStateMsgPackMatchesSchema
// checks it against the schema's type.

// serviceInstancesTypes are the Terraform types of the data source, derived once from its
// schema so that they cannot drift from it.
type serviceInstancesTypes struct {
	state    tftypes.Object
	list     tftypes.List
	instance tftypes.Object
	labels   tftypes.Map
}

var stateTypes = sync.OnceValues(func() (serviceInstancesTypes, error) {
	var t serviceInstancesTypes
	state, ok := serviceInstancesSchema().Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		return t, fmt.Errorf("data source schema is not an object")
	}
	list, ok := state.AttributeTypes["instances"].(tftypes.List)
	if !ok {
		return t, fmt.Errorf("instances is not a list")
	}
	instance, ok := list.ElementType.(tftypes.Object)
	if !ok {
		return t, fmt.Errorf("instances elements are not objects")
	}
	labels, ok := instance.AttributeTypes["labels"].(tftypes.Map)
	if !ok {
		return t, fmt.Errorf("labels is not a map")
	}
	return serviceInstancesTypes{state: state, list: list, instance: instance, labels: labels}, nil
})

// serviceInstancesState builds the data source's state as a Terraform value, for the
// framework's Read. It decodes the msgpack of appendServiceInstancesState, so that both
// read paths share one encoding of the state.
func serviceInstancesState(_ context.Context, bizID, setTemplateID int64, list *cmdb.ServiceInstanceList) (tftypes.Value, error) {
	t, err := stateTypes()
	if err != nil {
		return tftypes.Value{}, err
	}
	state := tfprotov6.DynamicValue{MsgPack: appendServiceInstancesState(nil, bizID, setTemplateID, list)}
	v, err := state.Unmarshal(t.state)
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("decoding the state: %w", err)
	}
	return v, nil
}

// Attribute names as msgpack strings, in the sorted order they are written in.
var (
	keyBizID           = msgpackKey("bk_biz_id")
	keyInstances       = msgpackKey("instances")
	keySetTemplateID   = msgpackKey("set_template_id")
	keyTotal           = msgpackKey("total")
	keyHostID          = msgpackKey("bk_host_id")
	keyModuleID        = msgpackKey("bk_module_id")
	keySupplierAccount = msgpackKey("bk_supplier_account")
	keyCreateTime      = msgpackKey("create_time")
	keyCreator         = msgpackKey("creator")
	keyID              = msgpackKey("id")
	keyLabels          = msgpackKey("labels")
	keyLastTime        = msgpackKey("last_time")
	keyModifier        = msgpackKey("modifier")
	keyName            = msgpackKey("name")
	keyServiceTplID    = msgpackKey("service_template_id")
)

// instanceFixedSize bounds the bytes of one instance apart from its strings and labels:
// the map header, the keys, six integers and six string headers.
var instanceFixedSize = 3 + len(keyBizID) + len(keyHostID) + len(keyModuleID) + len(keySupplierAccount) +
	len(keyCreateTime) + len(keyCreator) + len(keyID) + len(keyLabels) + len(keyLastTime) + len(keyModifier) +
	len(keyName) + len(keyServiceTplID) + 5*9 + 5 + 6*5

// appendServiceInstancesState appends the msgpack of the data source state to b. With a
// nil b it allocates one buffer of the right size first.
func appendServiceInstancesState(b []byte, bizID, setTemplateID int64, list *cmdb.ServiceInstanceList) []byte {
	if b == nil {
		b = make([]byte, 0, stateSizeBound(list))
	}
	b = append(b, 0x84) // fixmap of 4, keys sorted
	b = append(b, keyBizID...)
	b = appendInt(b, bizID)
	b = append(b, keyInstances...)
	b = appendArrayHeader(b, len(list.Instances))
	for i := range list.Instances {
		b = appendInstance(b, &list.Instances[i])
	}
	b = append(b, keySetTemplateID...)
	b = appendInt(b, setTemplateID)
	b = append(b, keyTotal...)
	return appendInt(b, list.Count)
}

// stateSizeBound is at least the size of the state of list.
func stateSizeBound(list *cmdb.ServiceInstanceList) int {
	n := 64
	for i := range list.Instances {
		in := &list.Instances[i]
		n += instanceFixedSize + len(in.Name) + len(in.SupplierAccount) + len(in.CreateTime) + len(in.Creator) +
			len(in.LastTime) + len(in.Modifier)
		for k, v := range in.Labels {
			n += 10 + len(k) + len(v)
		}
	}
	return n
}

// appendInstance appends one element of instances: a map of 12 attributes, keys sorted.
func appendInstance(b []byte, in *cmdb.ServiceInstance) []byte {
	b = append(b, 0x8c) // fixmap of 12
	b = append(b, keyBizID...)
	b = appendInt(b, in.BizID)
	b = append(b, keyHostID...)
	b = appendInt(b, in.HostID)
	b = append(b, keyModuleID...)
	b = appendInt(b, in.ModuleID)
	b = append(b, keySupplierAccount...)
	b = appendString(b, in.SupplierAccount)
	b = append(b, keyCreateTime...)
	b = appendString(b, in.CreateTime)
	b = append(b, keyCreator...)
	b = appendString(b, in.Creator)
	b = append(b, keyID...)
	b = appendInt(b, in.ID)
	b = append(b, keyLabels...)
	b = appendLabels(b, in.Labels)
	b = append(b, keyLastTime...)
	b = appendString(b, in.LastTime)
	b = append(b, keyModifier...)
	b = appendString(b, in.Modifier)
	b = append(b, keyName...)
	b = appendString(b, in.Name)
	b = append(b, keyServiceTplID...)
	return appendInt(b, in.ServiceTemplateID)
}

// appendLabels appends labels as a map(string), keys sorted; nil is the empty map.
func appendLabels(b []byte, labels map[string]string) []byte {
	b = appendMapHeader(b, len(labels))
	switch len(labels) {
	case 0:
		return b
	case 1:
		for k, v := range labels {
			b = appendString(b, k)
			b = appendString(b, v)
		}
		return b
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, labels[k])
	}
	return b
}

// msgpackKey is s encoded as a msgpack string.
func msgpackKey(s string) []byte { return appendString(nil, s) }

// appendString appends s as a msgpack str.
func appendString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

// appendInt appends n as the shortest msgpack integer, which Terraform reads as an exact number.
func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 0x7f:
		return append(b, byte(n))
	case n >= -32 && n < 0:
		return append(b, byte(n))
	case n >= 0 && n <= math.MaxUint8:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return append(b, 0xcd, byte(n>>8), byte(n))
	case n >= 0 && n <= math.MaxUint32:
		return append(b, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	case n >= 0:
		return append(b, 0xcf, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	case n >= math.MinInt8:
		return append(b, 0xd0, byte(n))
	case n >= math.MinInt16:
		return append(b, 0xd1, byte(n>>8), byte(n))
	case n >= math.MinInt32:
		return append(b, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(b, 0xd3, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendArrayHeader appends the header of a msgpack array of n elements.
func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	default:
		return append(b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendMapHeader appends the header of a msgpack map of n pairs.
func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xde, byte(n>>8), byte(n))
	default:
		return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}
