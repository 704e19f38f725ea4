package cmdb

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// API is one CMDB API: everything the client needs to call it through either gateway.
// Each is declared once, in the table below.
type API struct {
	// Name is the API's name, used in every error and log line.
	Name string
	// ESBPath is the path under the PaaS root.
	ESBPath string
	// GatewayPath is the path under the gateway stage URL. Its parameters, {bk_biz_id},
	// {bk_set_id}, {bk_obj_id}, {id} and {bk_supplier_account}, are filled from Params
	// and Config; ESB sends the same parameters (bar bk_supplier_account's place) in
	// the body instead.
	GatewayPath string
	// BodyParams are parameters that go in the body on both doors (ParamBizID or
	// ParamSetID), for an API whose gateway path does not name them.
	BodyParams []string
	// MaxPageSize is the documented page maximum: no request asks for more.
	MaxPageSize int
	// IDField is the records' id field, sent as page.sort.
	IDField string
	// Counter, when set, counts this API's records: its answers carry no count (data is
	// {info}, info null when nothing matches), so List reads Counter with the same body
	// minus page and fields before and after the walk, and pages until a short page.
	Counter *API
	// CountOnly marks a counting API: no page is sent and data is {count}.
	CountOnly bool
}

// Path parameters an API's GatewayPath may name.
const (
	ParamBizID           = "bk_biz_id"
	ParamSetID           = "bk_set_id"
	ParamObjID           = "bk_obj_id"
	ParamID              = "id"
	ParamSupplierAccount = "bk_supplier_account"
)

// Names of the APIs, used in every error and log line.
const (
	APIListServiceInstanceBySetTemplate = "list_service_instance_by_set_template"
	APISearchBusiness                   = "search_business"
	APIListSetTemplate                  = "list_set_template"
	APISearchSet                        = "search_set"
	APISearchModule                     = "search_module"
	APIListBizHosts                     = "list_biz_hosts"
	APISearchObjectInstances            = "search_object_instances"
	APICountObjectInstances             = "count_object_instances"
	APISearchCloudArea                  = "search_cloud_area"
	APISearchDynamicGroup               = "search_dynamic_group"
	APIExecuteDynamicGroup              = "execute_dynamic_group"
	APIListBizHostsTopo                 = "list_biz_hosts_topo"
	APIListServiceInstanceDetail        = "list_service_instance_detail"
)

// The API table.
var (
	// ListServiceInstanceBySetTemplate lists the service instances of the modules built
	// from one set template; its body is {set_template_id}.
	ListServiceInstanceBySetTemplate = &API{
		Name:        APIListServiceInstanceBySetTemplate,
		ESBPath:     "/api/c/compapi/v2/cc/list_service_instance_by_set_template/",
		GatewayPath: "/api/v3/findmany/proc/service/set_template/list_service_instance/biz/{bk_biz_id}",
		MaxPageSize: 500,
		IDField:     "id",
	}
	// None of the topology and host APIs but list_biz_hosts has a default order the
	// client could rely on; List always sends page.sort = IDField.
	// SearchBusiness finds businesses; its body is {condition, fields}. A string in the
	// condition is a case-insensitive substring match, so callers compare names themselves.
	SearchBusiness = &API{
		Name:        APISearchBusiness,
		ESBPath:     "/api/c/compapi/v2/cc/search_business/",
		GatewayPath: "/api/v3/biz/search/{bk_supplier_account}",
		MaxPageSize: 200,
		IDField:     "bk_biz_id",
	}
	// ListSetTemplate lists the set templates of a business; its body is {set_template_ids}.
	ListSetTemplate = &API{
		Name:        APIListSetTemplate,
		ESBPath:     "/api/c/compapi/v2/cc/list_set_template/",
		GatewayPath: "/api/v3/findmany/topo/set_template/bk_biz_id/{bk_biz_id}",
		MaxPageSize: 500,
		IDField:     "id",
	}
	// SearchSet lists the sets of a business; its body is {condition, fields}, exact matches.
	SearchSet = &API{
		Name:        APISearchSet,
		ESBPath:     "/api/c/compapi/v2/cc/search_set/",
		GatewayPath: "/api/v3/set/search/{bk_supplier_account}/{bk_biz_id}",
		MaxPageSize: 500,
		IDField:     "bk_set_id",
	}
	// SearchModule lists the modules of a business (bk_set_id 0) or of one set; its body is
	// {condition, fields}, exact matches.
	SearchModule = &API{
		Name:        APISearchModule,
		ESBPath:     "/api/c/compapi/v2/cc/search_module/",
		GatewayPath: "/api/v3/module/search/{bk_supplier_account}/{bk_biz_id}/{bk_set_id}",
		MaxPageSize: 500,
		IDField:     "bk_module_id",
	}
	// ListBizHosts lists the hosts of a business; its body is hostsBody.
	ListBizHosts = &API{
		Name:        APIListBizHosts,
		ESBPath:     "/api/c/compapi/v2/cc/list_biz_hosts/",
		GatewayPath: "/api/v3/hosts/app/{bk_biz_id}/list_hosts",
		MaxPageSize: 500,
		IDField:     "bk_host_id",
	}
	// CountObjectInstances counts the instances of a custom model; its body is
	// search_object_instances' without page and fields.
	CountObjectInstances = &API{
		Name:        APICountObjectInstances,
		ESBPath:     "/api/c/compapi/v2/cc/count_object_instances/",
		GatewayPath: "/api/v3/count/instances/object/{bk_obj_id}",
		CountOnly:   true,
	}
	// SearchObjectInstances lists the instances of a custom model; its body is
	// {conditions, fields}. It has no default order and answers no count.
	SearchObjectInstances = &API{
		Name:        APISearchObjectInstances,
		ESBPath:     "/api/c/compapi/v2/cc/search_object_instances/",
		GatewayPath: "/api/v3/search/instances/object/{bk_obj_id}",
		MaxPageSize: 500,
		IDField:     "bk_inst_id",
		Counter:     CountObjectInstances,
	}
	// SearchCloudArea lists the cloud areas; its body is {condition, fields}, exact
	// matches. Its default order is -create_time; its documentation asks for pages of 200.
	SearchCloudArea = &API{
		Name:        APISearchCloudArea,
		ESBPath:     "/api/c/compapi/v2/cc/search_cloud_area/",
		GatewayPath: "/api/v3/findmany/cloudarea",
		MaxPageSize: 200,
		IDField:     "bk_cloud_id",
	}
	// SearchDynamicGroup lists the dynamic groups of a business; its body is {condition,
	// fields}, a name matching as a case-insensitive substring. Ids are strings.
	SearchDynamicGroup = &API{
		Name:        APISearchDynamicGroup,
		ESBPath:     "/api/c/compapi/v2/cc/search_dynamic_group/",
		GatewayPath: "/api/v3/dynamicgroup/search/{bk_biz_id}",
		MaxPageSize: 200,
		IDField:     "id",
	}
	// ExecuteDynamicGroupHosts and ExecuteDynamicGroupSets run one dynamic group (path
	// parameter id) of hosts or of sets; the body is {fields}, which the API requires.
	ExecuteDynamicGroupHosts = &API{
		Name:        APIExecuteDynamicGroup,
		ESBPath:     "/api/c/compapi/v2/cc/execute_dynamic_group/",
		GatewayPath: "/api/v3/dynamicgroup/data/{bk_biz_id}/{id}",
		MaxPageSize: 200,
		IDField:     "bk_host_id",
	}
	ExecuteDynamicGroupSets = &API{
		Name:        APIExecuteDynamicGroup,
		ESBPath:     ExecuteDynamicGroupHosts.ESBPath,
		GatewayPath: ExecuteDynamicGroupHosts.GatewayPath,
		MaxPageSize: 200,
		IDField:     "bk_set_id",
	}
	// ListBizHostsTopo lists the hosts of a business with the sets and modules they are
	// in; its body is hostsTopoBody. Without fields each host holds only bk_host_id.
	ListBizHostsTopo = &API{
		Name:        APIListBizHostsTopo,
		ESBPath:     "/api/c/compapi/v2/cc/list_biz_hosts_topo/",
		GatewayPath: "/api/v3/hosts/app/{bk_biz_id}/list_hosts_topo",
		MaxPageSize: 500,
		IDField:     "bk_host_id",
	}
	// ListServiceInstanceDetail lists service instances with their processes; its body is
	// {service_instance_ids}, with bk_biz_id on both doors. Its default order is
	// -create_time, unstable for instances created together: page.sort "id" is always sent.
	ListServiceInstanceDetail = &API{
		Name:        APIListServiceInstanceDetail,
		ESBPath:     "/api/c/compapi/v2/cc/list_service_instance_detail/",
		GatewayPath: "/api/v3/findmany/proc/service_instance/details",
		BodyParams:  []string{ParamBizID},
		MaxPageSize: 500,
		IDField:     "id",
	}
)

// APIs returns the API table.
func APIs() []*API {
	return []*API{
		ListServiceInstanceBySetTemplate, SearchBusiness, ListSetTemplate, SearchSet, SearchModule, ListBizHosts, ListBizHostsTopo,
		ListServiceInstanceDetail, SearchObjectInstances, CountObjectInstances, SearchCloudArea, SearchDynamicGroup,
		ExecuteDynamicGroupHosts, ExecuteDynamicGroupSets,
	}
}

// Params are the path parameters of one call, for those of them the API's GatewayPath names.
type Params struct {
	BizID int64  // bk_biz_id, 1 or more
	SetID int64  // bk_set_id, 0 or more
	ObjID string // bk_obj_id, not empty
	ID    string // id (of a dynamic group), not empty
}

// PathParams returns the names of the parameters in the API's GatewayPath, in order.
func (a *API) PathParams() []string {
	var names []string
	for rest := a.GatewayPath; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return names
		}
		names = append(names, rest[i+1:j])
		rest = rest[j+1:]
	}
}

// pageSize is the limit of every request of a: the configured page size, capped at the
// API's documented maximum.
func (a *API) pageSize(configured int) int {
	if a.MaxPageSize > 0 {
		return min(configured, a.MaxPageSize)
	}
	return configured
}

// request is one API call prepared for the client's gateway: its URL and the parts of
// its JSON body around the page, which each page request fills in.
type request struct {
	api  *API
	url  string
	head []byte // the client's fields, without braces: ESB credentials and path parameters
	tail []byte // the caller's fields, without braces
	sort []byte // the JSON string of the API's id field, nil without one
	// noPage: the body has no page (a counting API).
	noPage bool
}

// reservedBodyKeys are the body fields the client sets itself.
var reservedBodyKeys = []string{"page", "bk_app_code", "bk_app_secret", "bk_username", "bk_token",
	ParamBizID, ParamSetID, ParamObjID, ParamID, ParamSupplierAccount}

// esbHead holds the fields of an ESB body that the client adds: the credentials that
// are set and the API's path and body parameters, bk_supplier_account always.
type esbHead struct {
	credentialFields
	paramFields
	SupplierAccount string `json:"bk_supplier_account"`
}

// paramFields are the parameters sent in the body: on ESB all of them, on the gateway
// the API's BodyParams.
type paramFields struct {
	BizID *int64 `json:"bk_biz_id,omitempty"`
	SetID *int64 `json:"bk_set_id,omitempty"`
	ObjID string `json:"bk_obj_id,omitempty"`
	ID    string `json:"id,omitempty"`
}

// newRequest prepares a call of api with params and body, the API's own fields (a
// struct or map that encodes to a JSON object, or nil). The gateway gets the path
// parameters in its path, the body parameters in the body and the credentials in
// X-Bkapi-Authorization (set with the client's headers); ESB gets all in the body.
// Body fields named in drop are left out.
func (c *Client) newRequest(api *API, p Params, body any, drop ...string) (*request, error) {
	tail, err := bodyFields(body, drop...)
	if err != nil {
		return nil, err
	}
	r := &request{api: api, tail: tail, noPage: api.CountOnly}
	if api.IDField != "" {
		r.sort, _ = json.Marshal(api.IDField)
	}
	var inPath, inBody paramFields
	path := api.GatewayPath
	for _, name := range api.PathParams() {
		value, err := c.paramValue(api, name, p, &inPath)
		if err != nil {
			return nil, err
		}
		path = strings.Replace(path, "{"+name+"}", value, 1)
	}
	for _, name := range api.BodyParams {
		if name == ParamSupplierAccount {
			return nil, fmt.Errorf("%s cannot be a body parameter: ESB bodies always carry it", name)
		}
		if _, err := c.paramValue(api, name, p, &inBody); err != nil {
			return nil, err
		}
	}
	if c.cfg.Gateway == GatewayAPIGW {
		r.url = c.base + path
		if inBody != (paramFields{}) {
			b, err := json.Marshal(inBody)
			if err != nil {
				return nil, err
			}
			r.head = b[1 : len(b)-1]
		}
		return r, nil
	}
	r.url = c.base + api.ESBPath
	head := esbHead{credentialFields: credentialFields(c.cfg.Credentials), paramFields: inPath, SupplierAccount: c.cfg.SupplierAccount}
	if inBody.BizID != nil {
		head.BizID = inBody.BizID
	}
	if inBody.SetID != nil {
		head.SetID = inBody.SetID
	}
	b, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	r.head = b[1 : len(b)-1]
	return r, nil
}

// paramValue checks the parameter name of p, records it in f and returns its text
// for a gateway path.
func (c *Client) paramValue(api *API, name string, p Params, f *paramFields) (string, error) {
	switch name {
	case ParamBizID:
		if p.BizID < 1 {
			return "", fmt.Errorf("%s (%d) must be 1 or more", ParamBizID, p.BizID)
		}
		f.BizID = &p.BizID
		return strconv.FormatInt(p.BizID, 10), nil
	case ParamSetID:
		if p.SetID < 0 {
			return "", fmt.Errorf("%s (%d) must be 0 or more", ParamSetID, p.SetID)
		}
		f.SetID = &p.SetID
		return strconv.FormatInt(p.SetID, 10), nil
	case ParamObjID:
		if p.ObjID == "" {
			return "", fmt.Errorf("%s must not be empty", ParamObjID)
		}
		f.ObjID = p.ObjID
		return url.PathEscape(p.ObjID), nil
	case ParamID:
		if p.ID == "" {
			return "", fmt.Errorf("%s must not be empty", ParamID)
		}
		f.ID = p.ID
		return url.PathEscape(p.ID), nil
	case ParamSupplierAccount:
		return url.PathEscape(c.cfg.SupplierAccount), nil
	}
	return "", fmt.Errorf("the API %s names an unknown parameter %q", api.Name, name)
}

// bodyFields encodes body and returns its fields without the braces, those named in
// drop left out.
func bodyFields(body any, drop ...string) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the request body: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("the request body %s is not a JSON object", b)
	}
	for k := range fields {
		for _, r := range reservedBodyKeys {
			if strings.EqualFold(k, r) { // CMDB matches keys without regard to case
				return nil, fmt.Errorf("the request body must not set %q: the client sets it", k)
			}
		}
	}
	if len(drop) > 0 {
		for _, k := range drop {
			delete(fields, k)
		}
		if b, err = json.Marshal(fields); err != nil {
			return nil, err
		}
	}
	return b[1 : len(b)-1], nil
}

// pageBody returns the JSON body asking for limit records from start, sorted by the API's id field.
func (r *request) pageBody(start, limit int) []byte {
	b := make([]byte, 0, len(r.head)+len(r.tail)+64)
	b = append(b, '{')
	if len(r.head) > 0 {
		b = append(b, r.head...)
		b = append(b, ',')
	}
	if r.noPage {
		if len(r.tail) > 0 {
			b = append(b, r.tail...)
		} else if len(r.head) > 0 {
			b = b[:len(b)-1] // the comma after head
		}
		return append(b, '}')
	}
	b = append(b, `"page":{"start":`...)
	b = strconv.AppendInt(b, int64(start), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	if r.sort != nil {
		b = append(b, `,"sort":`...)
		b = append(b, r.sort...)
	}
	b = append(b, '}')
	if len(r.tail) > 0 {
		b = append(b, ',')
		b = append(b, r.tail...)
	}
	return append(b, '}')
}
