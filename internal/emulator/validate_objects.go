package emulator

import "fmt"

// validateObjects checks the custom models (a bk_obj_id that is not a
// built-in model and is unique, bk_inst_id positive and unique over every
// model, a bk_inst_name) and the cloud areas (ids 0 or more and unique, a
// name, RFC 3339 times).
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
	_ = bizs
	return nil
}
