package emulator

import "fmt"

// validateObjects checks the custom models (a bk_obj_id that is not a
// built-in model and is unique, bk_inst_id positive and unique over every
// model, a bk_inst_name).
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
	_ = bizs
	return nil
}
