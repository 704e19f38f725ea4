package cmdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// The records of the custom-model, cloud-area and dynamic-group APIs
// (cmdb-process-api.md).

// Instance is one record of search_object_instances: an instance of a custom model.
type Instance struct {
	ID    int64  // bk_inst_id
	Name  string // bk_inst_name
	ObjID string // bk_obj_id
	// Attributes are every other field: a string as it is, anything else as compact
	// JSON text with its numbers exactly as sent; null fields are left out. Nil when
	// there are none.
	Attributes map[string]string
}

// UnmarshalJSON implements json.Unmarshaler: an instance is a flat map whose fields
// besides the three named ones depend on the model.
func (in *Instance) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	*in = Instance{}
	for k, raw := range fields {
		raw = bytes.TrimSpace(raw)
		if bytes.Equal(raw, []byte("null")) {
			continue
		}
		var err error
		switch k {
		case "bk_inst_id":
			err = json.Unmarshal(raw, &in.ID)
		case "bk_inst_name":
			err = json.Unmarshal(raw, &in.Name)
		case "bk_obj_id":
			err = json.Unmarshal(raw, &in.ObjID)
		default:
			var v string
			if v, err = attributeText(raw); err == nil {
				if in.Attributes == nil {
					in.Attributes = make(map[string]string, len(fields))
				}
				in.Attributes[k] = v
			}
		}
		if err != nil {
			return fmt.Errorf("instance field %s: %w", k, err)
		}
	}
	return nil
}

// attributeText is a JSON value as an attribute: a string as it is, anything else as
// compact JSON text (numbers keep their digits: never through float64).
func attributeText(raw json.RawMessage) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// InstanceQuery selects the instances of one custom model.
type InstanceQuery struct {
	// ObjID is the model, bk_obj_id.
	ObjID string
	// Conditions is CMDB's filter expression, {condition, rules}, as JSON; nil for
	// every instance.
	Conditions json.RawMessage
	// Fields are the fields to read; nil for every field. bk_inst_id, bk_inst_name and
	// bk_obj_id are always read.
	Fields []string
}

// objectInstancesBody is the body of search_object_instances and, without fields,
// count_object_instances.
type objectInstancesBody struct {
	Conditions json.RawMessage `json:"conditions,omitempty"`
	Fields     []string        `json:"fields,omitempty"`
}

// instanceKeyFields are read whatever fields a query asks for.
var instanceKeyFields = []string{"bk_inst_id", "bk_inst_name", "bk_obj_id"}

// SearchObjectInstances returns the instances of q's model that its conditions select,
// ascending by bk_inst_id; Count is count_object_instances' for the same conditions.
func (c *Client) SearchObjectInstances(ctx context.Context, q InstanceQuery) (*ListResult[Instance], error) {
	body := objectInstancesBody{Conditions: q.Conditions}
	if q.Fields != nil {
		body.Fields = slices.Clone(instanceKeyFields)
		for _, f := range q.Fields {
			if !slices.Contains(body.Fields, f) {
				body.Fields = append(body.Fields, f)
			}
		}
	}
	return List(ctx, c, SearchObjectInstances, Params{ObjID: q.ObjID}, body, func(in *Instance) int64 { return in.ID })
}

// CloudArea is one record of search_cloud_area.
type CloudArea struct {
	ID     int64  `json:"bk_cloud_id"`
	Name   string `json:"bk_cloud_name"`
	Status string `json:"bk_status"`
	Vendor string `json:"bk_cloud_vendor"`
	VPCID  string `json:"bk_vpc_id"`
	VPC    string `json:"bk_vpc_name"`
	Region string `json:"bk_region"`
}

var cloudAreaFields = []string{"bk_cloud_id", "bk_cloud_name", "bk_status", "bk_cloud_vendor", "bk_vpc_id", "bk_vpc_name", "bk_region"}

// SearchCloudAreas returns the cloud areas that match condition exactly, ascending by
// bk_cloud_id.
func (c *Client) SearchCloudAreas(ctx context.Context, condition map[string]any) (*ListResult[CloudArea], error) {
	return List(ctx, c, SearchCloudArea, Params{}, searchBody{Fields: cloudAreaFields, Condition: nonNil(condition)},
		func(a *CloudArea) int64 { return a.ID })
}

// DynamicGroup is one record of search_dynamic_group.
type DynamicGroup struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	BizID int64  `json:"bk_biz_id"`
	ObjID string `json:"bk_obj_id"` // "host" or "set"
}

// The kinds of dynamic group.
const (
	GroupOfHosts = "host"
	GroupOfSets  = "set"
)

var dynamicGroupFields = []string{"id", "name", "bk_biz_id", "bk_obj_id"}

// SearchDynamicGroups returns the dynamic groups of business bizID that condition
// selects (a name matches as a case-insensitive substring: callers compare names
// themselves), ascending by id.
func (c *Client) SearchDynamicGroups(ctx context.Context, bizID int64, condition map[string]any) (*ListResult[DynamicGroup], error) {
	return List(ctx, c, SearchDynamicGroup, Params{BizID: bizID}, searchBody{Fields: dynamicGroupFields, Condition: nonNil(condition)},
		func(g *DynamicGroup) string { return g.ID })
}

// fieldsBody is the body of execute_dynamic_group, whose fields are required.
type fieldsBody struct {
	Fields []string `json:"fields"`
}

// ExecuteHostGroup returns the hosts of dynamic group id (a group of hosts) of business
// bizID, ascending by bk_host_id.
func (c *Client) ExecuteHostGroup(ctx context.Context, bizID int64, id string) (*ListResult[Host], error) {
	return List(ctx, c, ExecuteDynamicGroupHosts, Params{BizID: bizID, ID: id}, fieldsBody{HostFields},
		func(h *Host) int64 { return h.ID })
}

// ExecuteSetGroup returns the sets of dynamic group id (a group of sets) of business
// bizID, ascending by bk_set_id.
func (c *Client) ExecuteSetGroup(ctx context.Context, bizID int64, id string) (*ListResult[Set], error) {
	return List(ctx, c, ExecuteDynamicGroupSets, Params{BizID: bizID, ID: id}, fieldsBody{setFields},
		func(s *Set) int64 { return s.ID })
}
