package emulator

import (
	"strings"
)

// CMDB API names, as in RecordedRequest.API, PageRequest.API and Fault.API.
const (
	APIListServiceInstances = "list_service_instance_by_set_template"
	APISearchBusiness       = "search_business"
	APIListSetTemplate      = "list_set_template"
	APISearchSet            = "search_set"
	APISearchModule         = "search_module"
	APIListBizHosts         = "list_biz_hosts"
	// APIListServiceInstanceDetail is list_service_instance_detail (api_detail.go).
	APIListServiceInstanceDetail = "list_service_instance_detail"
	APISearchObjectInstances     = "search_object_instances"
	APICountObjectInstances      = "count_object_instances"
	APISearchCloudArea           = "search_cloud_area"
	APISearchDynamicGroup        = "search_dynamic_group"
	APIExecuteDynamicGroup       = "execute_dynamic_group"
)

// ESBPrefix is the ESB component path prefix; an API's ESB path is
// ESBPrefix + name + "/".
const ESBPrefix = "/api/c/compapi/v2/cc/"

// Documented page maxima (the figure StrictLimits holds each API to).
const (
	DocumentedBusinessPageLimit = 200 // search_business's documentation
)

// apiSpec is one served API: its name (the ESB component), its gateway path
// after the stage prefix (segments; "{x}" is a path parameter), the page
// maximum StrictLimits holds it to, and the handler of its CMDB part.
type apiSpec struct {
	name     string
	gwPath   []string
	docLimit int
	serve    func(s *Server, c *call) *response
}

// call is a request that passed the front door: its path parameters (from
// the gateway path or, on the ESB, from the body), the supplier account it
// asks for, and the ExtraItems of a fault.
type call struct {
	ex         *exchange
	params     map[string]string
	supplier   string
	extraItems int
}

// apis is the dispatch table of every served API.
var apis = []*apiSpec{
	{APIListServiceInstances, segments(APIGWResourcePrefix + "{bk_biz_id}"), DocumentedPageLimit, (*Server).serveInstances},
	{APISearchBusiness, segments("/api/v3/biz/search/{bk_supplier_account}"), DocumentedBusinessPageLimit, (*Server).serveSearchBusiness},
	{APIListSetTemplate, segments("/api/v3/findmany/topo/set_template/bk_biz_id/{bk_biz_id}"), DocumentedPageLimit, (*Server).serveListSetTemplate},
	{APISearchSet, segments("/api/v3/set/search/{bk_supplier_account}/{bk_biz_id}"), DocumentedPageLimit, (*Server).serveSearchSet},
	{APISearchModule, segments("/api/v3/module/search/{bk_supplier_account}/{bk_biz_id}/{bk_set_id}"), DocumentedPageLimit, (*Server).serveSearchModule},
	{APIListBizHosts, segments("/api/v3/hosts/app/{bk_biz_id}/list_hosts"), DocumentedPageLimit, (*Server).serveListBizHosts},
	{APIListServiceInstanceDetail, segments("/api/v3/findmany/proc/service_instance/details"), DocumentedPageLimit, (*Server).serveListServiceInstanceDetail},
	{APISearchObjectInstances, segments("/api/v3/search/instances/object/{bk_obj_id}"), maxObjectPageLimit, (*Server).serveSearchObjectInstances},
	{APICountObjectInstances, segments("/api/v3/count/instances/object/{bk_obj_id}"), maxObjectPageLimit, (*Server).serveCountObjectInstances},
	{APISearchCloudArea, segments("/api/v3/findmany/cloudarea"), DocumentedCloudPageLimit, (*Server).serveSearchCloudArea},
	{APISearchDynamicGroup, segments("/api/v3/dynamicgroup/search/{bk_biz_id}"), DocumentedGroupPageLimit, (*Server).serveSearchDynamicGroup},
	{APIExecuteDynamicGroup, segments("/api/v3/dynamicgroup/data/{bk_biz_id}/{id}"), DocumentedGroupPageLimit, (*Server).serveExecuteDynamicGroup},
	{APIListBizHostsTopo, segments("/api/v3/hosts/app/{bk_biz_id}/list_hosts_topo"), maxTopoPageLimit, (*Server).serveListBizHostsTopo},
}

// esbParamDefaults are the ESB body defaults of path parameters; a parameter
// without one (bk_biz_id) is required.
var esbParamDefaults = map[string]string{"bk_supplier_account": "0", "bk_set_id": "0"}

func segments(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

// ESBPathOf returns the ESB path of a served API.
func ESBPathOf(api string) string { return ESBPrefix + api + "/" }

// APIs returns the names of the served APIs.
func APIs() []string {
	names := make([]string, len(apis))
	for i, a := range apis {
		names[i] = a.name
	}
	return names
}

// APIGWPathOf returns the gateway path of a served API after the stage
// prefix, with its path parameters filled from params ("{bk_biz_id}" →
// params["bk_biz_id"]); nil params keep the "{…}" placeholders.
func APIGWPathOf(api string, params map[string]string) string {
	for _, a := range apis {
		if a.name != api {
			continue
		}
		parts := make([]string, len(a.gwPath))
		for i, seg := range a.gwPath {
			if name, ok := paramName(seg); ok && params != nil {
				seg = params[name]
			}
			parts[i] = seg
		}
		return "/" + strings.Join(parts, "/")
	}
	return ""
}

func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// route tells which front door and API a path belongs to, with the gateway
// path parameters. An unknown path of the gateway has the gateway and no API;
// a path of neither front door has neither.
func (s *Server) route(path string) (gateway string, api *apiSpec, params map[string]string) {
	if name, ok := strings.CutPrefix(path, ESBPrefix); ok {
		name = strings.TrimSuffix(name, "/")
		for _, a := range apis {
			if a.name == name {
				return GatewayESB, a, nil
			}
		}
		return "", nil, nil
	}
	prefix := strings.TrimSuffix(s.opts.StagePrefix, "/") // "/" serves the gateway at the root
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", nil, nil
	}
	got := segments(rest)
	for _, a := range apis {
		if params, ok := matchPath(a.gwPath, got); ok {
			return GatewayAPIGW, a, params
		}
	}
	return GatewayAPIGW, nil, nil
}

// matchPath matches path segments against a pattern; a parameter takes one
// non-empty segment.
func matchPath(pattern, got []string) (map[string]string, bool) {
	if len(pattern) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i, seg := range pattern {
		if name, ok := paramName(seg); ok {
			if got[i] == "" {
				return nil, false
			}
			params[name] = got[i]
			continue
		}
		if seg != got[i] {
			return nil, false
		}
	}
	return params, true
}
