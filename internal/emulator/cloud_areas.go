package emulator

import (
	"cmp"
	"slices"
)

// CloudArea is a cloud area (the CMDB model plat). Empty strings are absent
// from the served record (older areas lack the cloud-sync attributes);
// bk_cloud_id 0 is the built-in "Default Area".
type CloudArea struct {
	ID              int64  `json:"bk_cloud_id"`
	Name            string `json:"bk_cloud_name"`
	Status          string `json:"bk_status,omitempty"`       // "1" normal, "2" abnormal
	Vendor          string `json:"bk_cloud_vendor,omitempty"` // "1" AWS, "2" Tencent Cloud, …
	VpcID           string `json:"bk_vpc_id,omitempty"`
	VpcName         string `json:"bk_vpc_name,omitempty"`
	Region          string `json:"bk_region,omitempty"`
	AccountID       string `json:"bk_account_id,omitempty"`
	Creator         string `json:"bk_creator,omitempty"`
	LastEditor      string `json:"bk_last_editor,omitempty"`
	CreateTime      string `json:"create_time,omitempty"`
	LastTime        string `json:"last_time,omitempty"`
	SupplierAccount string `json:"bk_supplier_account,omitempty"`
}

// areaKind is the wire schema of a cloud area: a mapstr, keys in alphabetical order.
var areaKind = newKind("bk_cloud_id", "", false, 0x706c_6174, []string{
	"bk_account_id", "bk_cloud_id", "bk_cloud_name", "bk_cloud_vendor", "bk_creator", "bk_last_editor",
	"bk_region", "bk_status", "bk_supplier_account", "bk_vpc_id", "bk_vpc_name", "create_time", "last_time",
}, nil, nil)

// areaRecord encodes a cloud area; o.mu need not be held.
func (o *objectStore) areaRecord(a CloudArea) *record {
	m := map[string]any{"bk_cloud_id": a.ID, "bk_cloud_name": a.Name}
	for key, v := range map[string]string{"bk_status": a.Status, "bk_cloud_vendor": a.Vendor, "bk_vpc_id": a.VpcID,
		"bk_vpc_name": a.VpcName, "bk_region": a.Region, "bk_account_id": a.AccountID, "bk_creator": a.Creator,
		"bk_last_editor": a.LastEditor, "create_time": a.CreateTime, "last_time": a.LastTime} {
		if v != "" {
			m[key] = v
		}
	}
	switch {
	case o.multi:
	case a.SupplierAccount != "":
		m["bk_supplier_account"] = a.SupplierAccount
	default:
		m["bk_supplier_account"] = o.supplier
	}
	return newMapRecord(areaKind, a.ID, a, m)
}

// putArea adds or replaces a cloud area; o.mu is held.
func (o *objectStore) putArea(a CloudArea) {
	r := o.areaRecord(a)
	areas := slices.DeleteFunc(slices.Clone(o.areas), func(x *record) bool { return x.id == a.ID })
	pos, _ := slices.BinarySearchFunc(areas, r, byRecordID)
	o.areas = slices.Insert(areas, pos, r)
	o.maxArea = max(o.maxArea, a.ID)
}

// cloudAreas returns the served areas ascending by id.
func (o *objectStore) cloudAreas() []*record {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.areas
}

// InsertCloudArea adds or replaces a cloud area and returns it as stored: a
// negative id takes the highest id + 1 (0 is the Default Area's).
func (m *Mutator) InsertCloudArea(a CloudArea) CloudArea {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	if a.ID < 0 {
		a.ID = o.maxArea + 1
	}
	o.putArea(a)
	return a
}

// DeleteCloudArea removes a cloud area.
func (m *Mutator) DeleteCloudArea(id int64) bool {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.areas)
	o.areas = slices.DeleteFunc(slices.Clone(o.areas), func(x *record) bool { return x.id == id })
	return len(o.areas) < n
}

// CloudAreasNamed returns the cloud areas whose bk_cloud_name is name
// (every area for ""), ascending by bk_cloud_id (search_cloud_area with
// condition {"bk_cloud_name": name}, sorted).
func (d *Dataset) CloudAreasNamed(name string) []CloudArea {
	out := []CloudArea{}
	for _, a := range d.CloudAreas {
		if name == "" || a.Name == name {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b CloudArea) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
