package cmdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// The records of the topology and host APIs (cmdb-topology-api.md), with the fields a
// user needs. Ids are exact int64s; a string field CMDB sends as null is "".

// Business is one record of search_business.
type Business struct {
	ID              int64     `json:"bk_biz_id"`
	Name            string    `json:"bk_biz_name"`
	Maintainers     CommaList `json:"bk_biz_maintainer"`
	Productors      CommaList `json:"bk_biz_productor"`
	Developers      CommaList `json:"bk_biz_developer"`
	Testers         CommaList `json:"bk_biz_tester"`
	Operators       CommaList `json:"operator"`
	LifeCycle       string    `json:"life_cycle"`
	TimeZone        string    `json:"time_zone"`
	Language        string    `json:"language"`
	SupplierAccount string    `json:"bk_supplier_account"`
}

// SetTemplate is one record of list_set_template.
type SetTemplate struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	BizID           int64  `json:"bk_biz_id"`
	Creator         string `json:"creator"`
	Modifier        string `json:"modifier"`
	CreateTime      string `json:"create_time"`
	LastTime        string `json:"last_time"`
	SupplierAccount string `json:"bk_supplier_account"`
}

// Set is one record of search_set.
type Set struct {
	ID            int64  `json:"bk_set_id"`
	Name          string `json:"bk_set_name"`
	BizID         int64  `json:"bk_biz_id"`
	SetTemplateID int64  `json:"set_template_id"`
	Env           string `json:"bk_set_env"`
	ServiceStatus string `json:"bk_service_status"`
	Desc          string `json:"bk_set_desc"`
}

// Module is one record of search_module.
type Module struct {
	ID                int64     `json:"bk_module_id"`
	Name              string    `json:"bk_module_name"`
	SetID             int64     `json:"bk_set_id"`
	BizID             int64     `json:"bk_biz_id"`
	ServiceTemplateID int64     `json:"service_template_id"`
	SetTemplateID     int64     `json:"set_template_id"`
	Type              string    `json:"bk_module_type"`
	Operators         CommaList `json:"operator"`
	BakOperators      CommaList `json:"bk_bak_operator"`
}

// Host is one record of list_biz_hosts, or the host of one of list_biz_hosts_topo.
type Host struct {
	ID           int64     `json:"bk_host_id"`
	Name         string    `json:"bk_host_name"`
	InnerIP      CommaList `json:"bk_host_innerip"`
	OuterIP      CommaList `json:"bk_host_outerip"`
	InnerIPv6    CommaList `json:"bk_host_innerip_v6"`
	OuterIPv6    CommaList `json:"bk_host_outerip_v6"`
	CloudID      int64     `json:"bk_cloud_id"`
	OSType       string    `json:"bk_os_type"`
	OSName       string    `json:"bk_os_name"`
	OSVersion    string    `json:"bk_os_version"`
	AgentID      string    `json:"bk_agent_id"`
	State        string    `json:"bk_state"`
	Operators    CommaList `json:"operator"`
	BakOperators CommaList `json:"bk_bak_operator"`
	// Topology is every module the host is in within the business, ascending by
	// (SetID, ModuleID); only ListBizHostsTopology fills it, nil elsewhere.
	Topology []HostModule `json:"-"`
}

// HostFields are the host fields the client asks list_biz_hosts for (hosts have many).
var HostFields = []string{
	"bk_host_id", "bk_host_name", "bk_host_innerip", "bk_host_outerip", "bk_host_innerip_v6", "bk_host_outerip_v6",
	"bk_cloud_id", "bk_os_type", "bk_os_name", "bk_os_version", "bk_agent_id", "bk_state", "operator", "bk_bak_operator",
}

// CommaList is a CMDB field stored as a list and sent as one comma-joined string
// (users, IP addresses): the members in the order sent, without empty ones. It also
// accepts a JSON array of strings, and null, which is empty.
type CommaList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *CommaList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*l = compactMembers(list)
		return nil
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0:
		// The common case, a string without escapes (IPs, user names): no second decode.
		*l = compactMembers(strings.Split(string(b[1:len(b)-1]), ","))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a comma-joined field must be a string: %w", err)
	}
	*l = compactMembers(strings.Split(s, ","))
	return nil
}

// compactMembers trims each member and drops the empty ones, in place.
func compactMembers(list []string) CommaList {
	out := list[:0]
	for _, m := range list {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return CommaList(out)
}

// Fields asked for, so that custom attributes do not travel.
var (
	businessFields = []string{"bk_biz_id", "bk_biz_name", "bk_biz_maintainer", "bk_biz_productor", "bk_biz_developer",
		"bk_biz_tester", "operator", "life_cycle", "time_zone", "language", "bk_supplier_account"}
	setFields    = []string{"bk_set_id", "bk_set_name", "bk_biz_id", "set_template_id", "bk_set_env", "bk_service_status", "bk_set_desc"}
	moduleFields = []string{"bk_module_id", "bk_module_name", "bk_set_id", "bk_biz_id", "service_template_id", "set_template_id",
		"bk_module_type", "operator", "bk_bak_operator"}
)

// searchBody is the body of search_business, search_set and search_module.
type searchBody struct {
	Fields    []string       `json:"fields"`
	Condition map[string]any `json:"condition"`
}

// SearchBusinesses returns the businesses search_business answers for condition (a
// string value matches as a case-insensitive substring), every page of them.
func (c *Client) SearchBusinesses(ctx context.Context, condition map[string]any) (*ListResult[Business], error) {
	return List(ctx, c, SearchBusiness, Params{}, searchBody{Fields: businessFields, Condition: nonNil(condition)},
		func(b *Business) int64 { return b.ID })
}

// ListSetTemplates returns the set templates of business bizID, only those of ids when
// ids is not nil.
func (c *Client) ListSetTemplates(ctx context.Context, bizID int64, ids []int64) (*ListResult[SetTemplate], error) {
	body := struct {
		IDs []int64 `json:"set_template_ids,omitempty"`
	}{ids}
	return List(ctx, c, ListSetTemplate, Params{BizID: bizID}, body, func(t *SetTemplate) int64 { return t.ID })
}

// SearchSets returns the sets of business bizID that match condition exactly.
func (c *Client) SearchSets(ctx context.Context, bizID int64, condition map[string]any) (*ListResult[Set], error) {
	return List(ctx, c, SearchSet, Params{BizID: bizID}, searchBody{Fields: setFields, Condition: nonNil(condition)},
		func(s *Set) int64 { return s.ID })
}

// SearchModules returns the modules of business bizID, of set setID unless it is 0, that
// match condition exactly.
func (c *Client) SearchModules(ctx context.Context, bizID, setID int64, condition map[string]any) (*ListResult[Module], error) {
	return List(ctx, c, SearchModule, Params{BizID: bizID, SetID: setID}, searchBody{Fields: moduleFields, Condition: nonNil(condition)},
		func(m *Module) int64 { return m.ID })
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
