package emulator

import (
	"fmt"
	"slices"
	"strconv"
)

// groupObjects are the condition objects of each kind of group
// (DynamicGroupConditionTypes); groupOperators the operators the emulator
// evaluates (DynamicGroupOperators but contains; $lt and $gt as MongoDB's).
var (
	groupObjects   = map[string]map[string]bool{"host": {"set": true, "module": true, "host": true}, "set": {"set": true}}
	groupOperators = map[string]bool{"$eq": true, "$ne": true, "$in": true, "$nin": true, "$lte": true, "$gte": true,
		"$lt": true, "$gt": true, "$regex": true, "contains_s": true}
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// validateObjects checks the custom models (a bk_obj_id that is not a
// built-in model and is unique, bk_inst_id positive and unique over every
// model, a bk_inst_name), the cloud areas (ids 0 or more and unique, a
// name, RFC 3339 times) and the dynamic groups (id and name set, the id
// unique in a known business, bk_obj_id host or set, conditions on the
// objects and with the operators the CMDB allows).
func (d *Dataset) validateObjects(bizs map[int64]bool) error {
	models := map[string]bool{}
	ids := map[int64]bool{}
	for _, m := range d.Models {
		switch {
		case m.ObjID == "" || models[m.ObjID]:
			return fmt.Errorf("model %q: bk_obj_id must be set and unique", m.ObjID)
		case builtinModels[m.ObjID]:
			return fmt.Errorf("model %q: a built-in model, not a custom one", m.ObjID)
		}
		models[m.ObjID] = true
		for _, in := range m.Instances {
			switch {
			case in.ID <= 0 || ids[in.ID]:
				return fmt.Errorf("model %s: instance %d: bk_inst_id must be positive and unique over every model", m.ObjID, in.ID)
			case in.Name == "":
				return fmt.Errorf("model %s: instance %d: bk_inst_name is empty", m.ObjID, in.ID)
			}
			ids[in.ID] = true
		}
	}
	areas := map[int64]bool{}
	for _, a := range d.CloudAreas {
		if a.ID < 0 || areas[a.ID] || a.Name == "" {
			return fmt.Errorf("cloud area %d: bk_cloud_id must be 0 or more and unique, bk_cloud_name set", a.ID)
		}
		areas[a.ID] = true
		if err := optionalTimes(a.CreateTime, a.LastTime); err != nil {
			return fmt.Errorf("cloud area %d: %w", a.ID, err)
		}
	}
	groups := map[[2]string]bool{}
	for _, g := range d.DynamicGroups {
		key := [2]string{formatInt(g.BizID), g.ID}
		switch {
		case g.ID == "" || g.Name == "" || groups[key]:
			return fmt.Errorf("dynamic group %q: id and name must be set, the id unique in its business", g.ID)
		case !bizs[g.BizID]:
			return fmt.Errorf("dynamic group %q: unknown business %d", g.ID, g.BizID)
		case g.ObjID != "host" && g.ObjID != "set":
			return fmt.Errorf("dynamic group %q: bk_obj_id must be host or set", g.ID)
		}
		groups[key] = true
		for _, gc := range append(slices.Clone(g.Info.Condition), g.Info.VariableCondition...) {
			if !groupObjects[g.ObjID][gc.ObjID] {
				return fmt.Errorf("dynamic group %q: a %s group has no %q conditions", g.ID, g.ObjID, gc.ObjID)
			}
			for _, r := range gc.Condition {
				if !groupOperators[r.Operator] || r.Field == "" {
					return fmt.Errorf("dynamic group %q: rule %q %q: unknown operator or empty field", g.ID, r.Field, r.Operator)
				}
			}
		}
		if err := optionalTimes(g.CreateTime, g.LastTime); err != nil {
			return fmt.Errorf("dynamic group %q: %w", g.ID, err)
		}
	}
	return nil
}
