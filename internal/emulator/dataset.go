package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"time"
)

// Dataset is the emulated CMDB content: businesses, set templates, modules
// built from a set template, hosts, and the service instances that run in
// modules. It is what the emulator serves and what tests compare against.
//
// File format (JSON, as read by LoadDataset and written by the command's
// -dump flag); every key is required unless marked optional:
//
//	{
//	  "businesses":    [{"bk_biz_id": 2, "bk_biz_name": "mall"}],
//	  "set_templates": [{"id": 11, "bk_biz_id": 2, "name": "web-cluster"}],
//	  "modules":       [{"bk_module_id": 101, "bk_module_name": "nginx", "bk_biz_id": 2,
//	                     "set_template_id": 11, "service_template_id": 51}],
//	  "hosts":         [{"bk_host_id": 1001, "bk_host_innerip": "10.0.0.1", "bk_biz_id": 2}],
//	  "service_instances": [{"bk_biz_id": 2, "id": 5001, "name": "10.0.0.1_nginx",
//	      "labels": {"env": "prod"}, "service_template_id": 51, "bk_host_id": 1001,
//	      "bk_module_id": 101, "creator": "admin", "modifier": "admin",
//	      "create_time": "2020-10-09T02:46:25.002Z", "last_time": "2020-10-09T02:46:25.002Z",
//	      "bk_supplier_account": "0"}]
//	}
//
// A module whose set_template_id is 0 was not built from a set template; its
// instances are never returned by list_service_instance_by_set_template.
// The query for (bk_biz_id B, set_template_id T) returns the instances whose
// module has bk_biz_id B and set_template_id T, ascending by id. Instance
// "labels" may be null; "service_template_id" may be 0 (instance not made from
// a service template). Times are RFC 3339 with fractional seconds, UTC or with
// an offset. "hosts" may be empty, in which case bk_host_id is not checked.
type Dataset struct {
	Businesses       []Business    `json:"businesses"`
	SetTemplates     []SetTemplate `json:"set_templates"`
	Modules          []Module      `json:"modules"`
	Hosts            []Host        `json:"hosts"`
	ServiceInstances []Instance    `json:"service_instances"`
}

// Business is a CMDB business (bk_biz).
type Business struct {
	ID   int64  `json:"bk_biz_id"`
	Name string `json:"bk_biz_name"`
}

// SetTemplate is a set (cluster) template of a business.
type SetTemplate struct {
	ID    int64  `json:"id"`
	BizID int64  `json:"bk_biz_id"`
	Name  string `json:"name"`
}

// Module is a module of a business; SetTemplateID is the set template it was
// built from (0 when none) and ServiceTemplateID the service template it
// instantiates (0 when none).
type Module struct {
	ID                int64  `json:"bk_module_id"`
	Name              string `json:"bk_module_name"`
	BizID             int64  `json:"bk_biz_id"`
	SetTemplateID     int64  `json:"set_template_id"`
	ServiceTemplateID int64  `json:"service_template_id"`
}

// Host is a host of a business.
type Host struct {
	ID      int64  `json:"bk_host_id"`
	InnerIP string `json:"bk_host_innerip"`
	BizID   int64  `json:"bk_biz_id"`
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

// Validate checks ids are positive and unique, references resolve, labels and
// times follow the CMDB rules.
func (d *Dataset) Validate() error {
	bizs := make(map[int64]bool, len(d.Businesses))
	for _, b := range d.Businesses {
		if b.ID <= 0 || bizs[b.ID] {
			return fmt.Errorf("business %d: id must be positive and unique", b.ID)
		}
		bizs[b.ID] = true
	}
	templates := make(map[int64]SetTemplate, len(d.SetTemplates))
	for _, t := range d.SetTemplates {
		if _, dup := templates[t.ID]; t.ID <= 0 || dup {
			return fmt.Errorf("set template %d: id must be positive and unique", t.ID)
		}
		if !bizs[t.BizID] {
			return fmt.Errorf("set template %d: unknown business %d", t.ID, t.BizID)
		}
		templates[t.ID] = t
	}
	modules := make(map[int64]Module, len(d.Modules))
	for _, m := range d.Modules {
		if _, dup := modules[m.ID]; m.ID <= 0 || dup {
			return fmt.Errorf("module %d: id must be positive and unique", m.ID)
		}
		if !bizs[m.BizID] {
			return fmt.Errorf("module %d: unknown business %d", m.ID, m.BizID)
		}
		if m.SetTemplateID != 0 {
			t, ok := templates[m.SetTemplateID]
			if !ok || t.BizID != m.BizID {
				return fmt.Errorf("module %d: set template %d is not a template of business %d", m.ID, m.SetTemplateID, m.BizID)
			}
		}
		modules[m.ID] = m
	}
	hosts := make(map[int64]bool, len(d.Hosts))
	for _, h := range d.Hosts {
		if h.ID <= 0 || hosts[h.ID] {
			return fmt.Errorf("host %d: id must be positive and unique", h.ID)
		}
		hosts[h.ID] = true
	}
	seen := make(map[int64]bool, len(d.ServiceInstances))
	for _, in := range d.ServiceInstances {
		if in.ID <= 0 || seen[in.ID] {
			return fmt.Errorf("service instance %d: id must be positive and unique", in.ID)
		}
		seen[in.ID] = true
		m, ok := modules[in.ModuleID]
		if !ok {
			return fmt.Errorf("service instance %d: unknown module %d", in.ID, in.ModuleID)
		}
		if m.BizID != in.BizID {
			return fmt.Errorf("service instance %d: bk_biz_id %d differs from its module's %d", in.ID, in.BizID, m.BizID)
		}
		if len(d.Hosts) > 0 && !hosts[in.HostID] {
			return fmt.Errorf("service instance %d: unknown host %d", in.ID, in.HostID)
		}
		for k, v := range in.Labels {
			if !ValidLabel(k, v) {
				return fmt.Errorf("service instance %d: invalid label %q=%q", in.ID, k, v)
			}
		}
		for _, ts := range []string{in.CreateTime, in.LastTime} {
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				return fmt.Errorf("service instance %d: time %q is not RFC 3339", in.ID, ts)
			}
		}
	}
	return nil
}

// Instances returns the expected answer of list_service_instance_by_set_template
// for bizID and setTemplateID on this dataset: the instances of the modules of
// that business built from that set template, ascending by id. It is never nil.
func (d *Dataset) Instances(bizID, setTemplateID int64) []Instance {
	inModule := make(map[int64]bool)
	for _, m := range d.Modules {
		if m.BizID == bizID && m.SetTemplateID == setTemplateID && setTemplateID != 0 {
			inModule[m.ID] = true
		}
	}
	out := []Instance{}
	for _, in := range d.ServiceInstances {
		if in.BizID == bizID && inModule[in.ModuleID] {
			out = append(out, cloneInstance(in))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Clone returns a deep copy of the dataset.
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{
		Businesses:       append([]Business(nil), d.Businesses...),
		SetTemplates:     append([]SetTemplate(nil), d.SetTemplates...),
		Modules:          append([]Module(nil), d.Modules...),
		Hosts:            append([]Host(nil), d.Hosts...),
		ServiceInstances: make([]Instance, len(d.ServiceInstances)),
	}
	for i, in := range d.ServiceInstances {
		c.ServiceInstances[i] = cloneInstance(in)
	}
	return c
}

func cloneInstance(in Instance) Instance {
	if in.Labels != nil {
		labels := make(map[string]string, len(in.Labels))
		for k, v := range in.Labels {
			labels[k] = v
		}
		in.Labels = labels
	}
	return in
}
