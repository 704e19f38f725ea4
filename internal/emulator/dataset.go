package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
)

// Dataset is the emulated CMDB content: businesses (with the resource pool),
// set templates, sets, modules, hosts and the service instances that run in
// modules on hosts. It is what the emulator serves and what tests compare
// against (see the accessors: Instances, BusinessesMatching, SetTemplatesOf,
// SetsOf, ModulesOf, HostsOf).
//
// File format (JSON, as read by LoadDataset and written by the command's
// -dump flag; README.md describes every key). The keys of the first version
// (businesses with id and name, set templates, modules without bk_set_id,
// hosts with id, inner IP and business, service instances) still load: a
// dataset without sets is served as before, its modules in no set.
//
//	{
//	  "bk_supplier_account": "0",
//	  "businesses":    [{"bk_biz_id": 2, "bk_biz_name": "web-shop", "bk_biz_maintainer": "alice,bob"}],
//	  "set_templates": [{"id": 11, "bk_biz_id": 2, "name": "web"}],
//	  "sets":          [{"bk_set_id": 21, "bk_set_name": "web-gz", "bk_biz_id": 2, "set_template_id": 11, "bk_set_env": "3"}],
//	  "modules":       [{"bk_module_id": 101, "bk_module_name": "nginx", "bk_biz_id": 2, "bk_set_id": 21,
//	                     "set_template_id": 11, "service_template_id": 51}],
//	  "hosts":         [{"bk_host_id": 1001, "bk_host_innerip": "10.0.0.1,10.0.0.2", "bk_biz_id": 2,
//	                     "bk_module_ids": [101], "bk_os_type": null}],
//	  "service_instances": [{"bk_biz_id": 2, "id": 5001, "name": "10.0.0.1_nginx",
//	      "labels": {"env": "prod"}, "service_template_id": 51, "bk_host_id": 1001,
//	      "bk_module_id": 101, "creator": "admin", "modifier": "admin",
//	      "create_time": "2020-10-09T02:46:25.002Z", "last_time": "2020-10-09T02:46:25.002Z",
//	      "bk_supplier_account": "0"}],
//	  "processes": [{"bk_process_id": 7001, "service_instance_id": 5001, "process_template_id": 31,
//	      "bk_process_name": "nginx", "bind_info": [{"template_row_id": 1, "ip": "0.0.0.0",
//	      "port": "80,443", "protocol": "1", "enable": true}]}]
//	}
//
// Comma-joined fields (users, IP addresses) are written as the CMDB sends
// them: one comma-joined string, "" when empty. A module whose
// set_template_id is 0 was not built from a set template; its instances are
// never returned by list_service_instance_by_set_template.
type Dataset struct {
	// SupplierAccount is the supplier account of the whole dataset (default
	// "0"): a request for another one finds nothing.
	SupplierAccount  string        `json:"bk_supplier_account,omitempty"`
	Businesses       []Business    `json:"businesses"`
	SetTemplates     []SetTemplate `json:"set_templates"`
	Sets             []Set         `json:"sets,omitempty"`
	Modules          []Module      `json:"modules"`
	Hosts            []Host        `json:"hosts"`
	ServiceInstances []Instance    `json:"service_instances"`
	// Processes are the process instances of the service instances
	// (list_service_instance_detail); files without them have none.
	Processes []Process `json:"processes,omitempty"`
	// Models are the custom models with their instances (objects.go).
	Models []Model `json:"models,omitempty"`
	// CloudAreas are the cloud areas (cloud_areas.go), 0 "Default Area" among them.
	CloudAreas []CloudArea `json:"cloud_areas,omitempty"`
	// DynamicGroups are the saved host and set queries (dynamic_groups.go).
	DynamicGroups []DynamicGroup `json:"dynamic_groups,omitempty"`
}

// Business is a CMDB business (bk_biz). Default 1 marks the resource pool
// business, which search_business never returns, as it never returns one
// whose DataStatus is "disabled". User fields are comma-joined.
type Business struct {
	ID              int64  `json:"bk_biz_id"`
	Name            string `json:"bk_biz_name"`
	Maintainer      string `json:"bk_biz_maintainer,omitempty"`
	Productor       string `json:"bk_biz_productor,omitempty"`
	Developer       string `json:"bk_biz_developer,omitempty"`
	Tester          string `json:"bk_biz_tester,omitempty"`
	Operator        string `json:"operator,omitempty"`
	LifeCycle       string `json:"life_cycle,omitempty"` // "1" testing, "2" online, "3" stopped
	TimeZone        string `json:"time_zone,omitempty"`
	Language        string `json:"language,omitempty"` // "1" Chinese, "2" English
	SupplierAccount string `json:"bk_supplier_account,omitempty"`
	Default         int64  `json:"default,omitempty"`
	DataStatus      string `json:"bk_data_status,omitempty"`
}

// SetTemplate is a set (cluster) template of a business.
type SetTemplate struct {
	ID              int64  `json:"id"`
	BizID           int64  `json:"bk_biz_id"`
	Name            string `json:"name"`
	Creator         string `json:"creator,omitempty"`
	Modifier        string `json:"modifier,omitempty"`
	CreateTime      string `json:"create_time,omitempty"`
	LastTime        string `json:"last_time,omitempty"`
	SupplierAccount string `json:"bk_supplier_account,omitempty"`
}

// Set is a set (cluster) of a business, built from SetTemplateID (0 when
// none). Default 1 marks the business's idle-host pool set.
type Set struct {
	ID              int64  `json:"bk_set_id"`
	Name            string `json:"bk_set_name"`
	BizID           int64  `json:"bk_biz_id"`
	SetTemplateID   int64  `json:"set_template_id"`
	Env             string `json:"bk_set_env,omitempty"`        // "1" test, "2" experience, "3" formal
	ServiceStatus   string `json:"bk_service_status,omitempty"` // "1" open, "2" closed
	Desc            string `json:"bk_set_desc,omitempty"`
	Default         int64  `json:"default,omitempty"`
	SupplierAccount string `json:"bk_supplier_account,omitempty"`
}

// Module is a module of a set of a business; SetTemplateID is the set
// template it was built from (its set's, 0 when none) and ServiceTemplateID
// the service template it instantiates (0 when none). Default 1, 2 and 3 mark
// the idle, fault and recycle modules of the idle pool set.
type Module struct {
	ID                int64  `json:"bk_module_id"`
	Name              string `json:"bk_module_name"`
	BizID             int64  `json:"bk_biz_id"`
	SetTemplateID     int64  `json:"set_template_id"`
	ServiceTemplateID int64  `json:"service_template_id"`
	SetID             int64  `json:"bk_set_id,omitempty"`
	ModuleType        string `json:"bk_module_type,omitempty"` // "1" ordinary, "2" database
	Operator          string `json:"operator,omitempty"`
	BakOperator       string `json:"bk_bak_operator,omitempty"`
	Default           int64  `json:"default,omitempty"`
	SupplierAccount   string `json:"bk_supplier_account,omitempty"`
}

// Host is a host of a business, in the modules ModuleIDs of that business.
// IP and user fields are comma-joined; OSType nil is sent as null.
type Host struct {
	ID              int64   `json:"bk_host_id"`
	InnerIP         string  `json:"bk_host_innerip"`
	BizID           int64   `json:"bk_biz_id"`
	ModuleIDs       []int64 `json:"bk_module_ids,omitempty"`
	Name            string  `json:"bk_host_name,omitempty"`
	OuterIP         string  `json:"bk_host_outerip,omitempty"`
	InnerIPv6       string  `json:"bk_host_innerip_v6,omitempty"`
	OuterIPv6       string  `json:"bk_host_outerip_v6,omitempty"`
	CloudID         int64   `json:"bk_cloud_id,omitempty"`
	OSType          *string `json:"bk_os_type"` // "1" Linux, "2" Windows, … "8" macOS; nil = null
	OSName          string  `json:"bk_os_name,omitempty"`
	OSVersion       string  `json:"bk_os_version,omitempty"`
	AgentID         string  `json:"bk_agent_id,omitempty"`
	State           string  `json:"bk_state,omitempty"`
	Operator        string  `json:"operator,omitempty"`
	BakOperator     string  `json:"bk_bak_operator,omitempty"`
	SupplierAccount string  `json:"bk_supplier_account,omitempty"`
}

// Instance is one service instance, with exactly the 12 keys of the CMDB
// record, in the order the CMDB sends them.
type Instance struct {
	BizID             int64             `json:"bk_biz_id"`
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	Labels            map[string]string `json:"labels"`
	ServiceTemplateID int64             `json:"service_template_id"`
	HostID            int64             `json:"bk_host_id"`
	ModuleID          int64             `json:"bk_module_id"`
	Creator           string            `json:"creator"`
	Modifier          string            `json:"modifier"`
	CreateTime        string            `json:"create_time"`
	LastTime          string            `json:"last_time"`
	SupplierAccount   string            `json:"bk_supplier_account"`
}

// Label key and value rules of the CMDB (each also under 64 characters).
var (
	labelKeyPattern   = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
	labelValuePattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
)

// maxLabelLen is the exclusive upper bound of a label key or value length.
const maxLabelLen = 64

// ValidLabel reports whether key and value are a label the CMDB accepts.
func ValidLabel(key, value string) bool {
	return len(key) < maxLabelLen && len(value) < maxLabelLen &&
		labelKeyPattern.MatchString(key) && labelValuePattern.MatchString(value)
}

// LoadDataset reads a dataset file (see Dataset for the format) and validates it.
func LoadDataset(path string) (*Dataset, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Dataset
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	return &d, nil
}

// Save writes the dataset as indented JSON to path.
func (d *Dataset) Save(path string) error {
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// WriteJSON writes the dataset as indented JSON (the file format) to w.
func (d *Dataset) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
