package provider

import (
	"context"
	"fmt"
	"math/big"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

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

// serviceInstancesState builds the data source's state value directly as Terraform values:
// no reflection and no intermediate framework objects, since a read can hold 100,000 instances.
func serviceInstancesState(_ context.Context, bizID, setTemplateID int64, list *cmdb.ServiceInstanceList) (tftypes.Value, error) {
	t, err := stateTypes()
	if err != nil {
		return tftypes.Value{}, err
	}
	items := make([]tftypes.Value, len(list.Instances))
	for i := range list.Instances {
		items[i] = instanceValue(t, &list.Instances[i])
	}
	return tftypes.NewValue(t.state, map[string]tftypes.Value{
		"bk_biz_id":       number(bizID),
		"set_template_id": number(setTemplateID),
		"total":           number(list.Count),
		"instances":       tftypes.NewValue(t.list, items),
	}), nil
}

func instanceValue(t serviceInstancesTypes, in *cmdb.ServiceInstance) tftypes.Value {
	labels := make(map[string]tftypes.Value, len(in.Labels))
	for k, v := range in.Labels {
		labels[k] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(t.instance, map[string]tftypes.Value{
		"id":                  number(in.ID),
		"name":                tftypes.NewValue(tftypes.String, in.Name),
		"bk_biz_id":           number(in.BizID),
		"bk_module_id":        number(in.ModuleID),
		"bk_host_id":          number(in.HostID),
		"service_template_id": number(in.ServiceTemplateID),
		"labels":              tftypes.NewValue(t.labels, labels),
		"creator":             tftypes.NewValue(tftypes.String, in.Creator),
		"modifier":            tftypes.NewValue(tftypes.String, in.Modifier),
		"create_time":         tftypes.NewValue(tftypes.String, in.CreateTime),
		"last_time":           tftypes.NewValue(tftypes.String, in.LastTime),
		"bk_supplier_account": tftypes.NewValue(tftypes.String, in.SupplierAccount),
	})
}

// number is an exact Terraform number for a 64-bit id (no float64 rounding).
func number(n int64) tftypes.Value {
	return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(n))
}
