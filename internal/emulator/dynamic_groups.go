package emulator

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// DynamicGroup is a saved host or set query of a business (a CMDB dynamic
// group). Its id is a string (a UUID in the CMDB); Info holds the stored
// conditions that execute_dynamic_group evaluates against the business.
type DynamicGroup struct {
	BizID      int64     `json:"bk_biz_id"`
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	ObjID      string    `json:"bk_obj_id"` // "host" or "set"
	Info       GroupInfo `json:"info"`
	CreateUser string    `json:"create_user"`
	ModifyUser string    `json:"modify_user"`
	CreateTime string    `json:"create_time"`
	LastTime   string    `json:"last_time"`
}

// GroupInfo is DynamicGroupInfo: the locked conditions and the variable
// ones (both evaluated; a request's variable_condition is not emulated).
type GroupInfo struct {
	Condition         []GroupCondition `json:"condition"`
	VariableCondition []GroupCondition `json:"variable_condition"`
}

// GroupCondition is DynamicGroupInfoCondition: rules on one object, "set",
// "module" or "host" for a host group, "set" for a set group.
type GroupCondition struct {
	ObjID     string      `json:"bk_obj_id"`
	Condition []GroupRule `json:"condition"`
}

// GroupRule is DynamicGroupCondition: a field, an operator ($eq, $ne, $in,
// $nin, $lte, $gte, $lt, $gt, $regex (case-insensitive, as ParseCommonParams
// makes it), contains_s (a case-sensitive $regex)) and its value.
type GroupRule struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// groupKind is the wire schema of a dynamic group (a Go struct, so in field
// order); its string id has no numeric order, so the kind has no id key.
var groupKind = newKind("", "name", false, 0x6772_7000, []string{
	"bk_biz_id", "id", "name", "bk_obj_id", "info", "create_user", "modify_user", "create_time", "last_time",
}, nil, nil)

// zeroTime is how a zero time.Time of a projected-away field is sent.
const zeroTime = "0001-01-01T00:00:00Z"

// groupRecord encodes a group; its record id is its position in the store
// (a string id has no numeric order), its natural order a hash of the id.
func groupRecord(g DynamicGroup, seq int64) *record {
	g.Info = normalizeInfo(g.Info)
	m := map[string]any{"bk_biz_id": g.BizID, "id": g.ID, "name": g.Name, "bk_obj_id": g.ObjID, "info": g.Info,
		"create_user": g.CreateUser, "modify_user": g.ModifyUser, "create_time": g.CreateTime, "last_time": g.LastTime}
	r := newMapRecord(groupKind, seq, g, m)
	var h uint64
	for _, c := range g.ID {
		h = h*131 + uint64(c)
	}
	r.order = splitmix(h ^ groupKind.salt)
	return r
}

// normalizeInfo copies the conditions with numbers as json.Number (a file
// decodes them as float64, a test may write ints), as a request's are.
func normalizeInfo(in GroupInfo) GroupInfo {
	norm := func(conds []GroupCondition) []GroupCondition {
		if conds == nil {
			return nil
		}
		out := make([]GroupCondition, len(conds))
		for i, c := range conds {
			out[i] = GroupCondition{ObjID: c.ObjID, Condition: make([]GroupRule, len(c.Condition))}
			for j, r := range c.Condition {
				r.Value = jsonNumbers(r.Value)
				out[i].Condition[j] = r
			}
		}
		return out
	}
	return GroupInfo{Condition: norm(in.Condition), VariableCondition: norm(in.VariableCondition)}
}

// jsonNumbers turns Go numbers into json.Number, in lists too.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(x), 10))
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonNumbers(e)
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = json.Number(strconv.FormatInt(e, 10))
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// rulesPred compiles the rules of one object as ParseCommonParams reads
// them: $eq a value, $regex a case-insensitive and contains_s a
// case-sensitive regular expression, the other operators MongoDB's.
func rulesPred(k *kind, rules []GroupRule) (pred, error) {
	var preds []pred
	for _, r := range rules {
		var test valueTest
		var err error
		switch r.Operator {
		case "$eq":
			test = eqTest(r.Value)
		case "$regex":
			test, err = regexTest(r.Value, "i")
		case "contains_s":
			test, err = regexTest(r.Value, "")
		case "$in":
			if r.Value == nil {
				r.Value = []any{}
			}
			test, err = opTest(r.Operator, r.Value)
		default:
			test, err = opTest(r.Operator, r.Value)
		}
		if err != nil {
			return nil, err
		}
		preds = append(preds, fieldPred(k, r.Field, test))
	}
	return allOf(preds), nil
}

// groupStore is the part of objectStore with the dynamic groups, in
// insertion order (the record ids).
type groupStore struct {
	groups  []*record
	nextSeq int64
}

// putGroup adds or replaces (by business and id) a group; o.mu is held.
func (o *objectStore) putGroup(g DynamicGroup) {
	groups := slices.Clone(o.groups.groups)
	for i, r := range groups {
		if old := srcOf[DynamicGroup](r); old.ID == g.ID && old.BizID == g.BizID {
			groups[i] = groupRecord(g, r.id)
			o.groups.groups = groups
			return
		}
	}
	o.groups.nextSeq++
	o.groups.groups = append(groups, groupRecord(g, o.groups.nextSeq))
}

// groupsOf returns the groups of a business in insertion order.
func (o *objectStore) groupsOf(bizID int64) []*record {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []*record
	for _, r := range o.groups.groups {
		if srcOf[DynamicGroup](r).BizID == bizID {
			out = append(out, r)
		}
	}
	return out
}

// group returns a group of a business by id.
func (o *objectStore) group(bizID int64, id string) (DynamicGroup, bool) {
	for _, r := range o.groupsOf(bizID) {
		if g := srcOf[DynamicGroup](r); g.ID == id {
			return g, true
		}
	}
	return DynamicGroup{}, false
}

// InsertDynamicGroup adds a group, or replaces the one with its business
// and id, and returns it as stored (an empty id takes a new UUID-like one).
func (m *Mutator) InsertDynamicGroup(g DynamicGroup) DynamicGroup {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	if g.ID == "" {
		g.ID = groupUUID(int(o.groups.nextSeq) + 1000)
	}
	o.putGroup(g)
	return g
}

// DeleteDynamicGroup removes a group of a business.
func (m *Mutator) DeleteDynamicGroup(bizID int64, id string) bool {
	o := m.t.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.groups.groups)
	o.groups.groups = slices.DeleteFunc(slices.Clone(o.groups.groups), func(r *record) bool {
		g := srcOf[DynamicGroup](r)
		return g.ID == id && g.BizID == bizID
	})
	return len(o.groups.groups) < n
}

// groupUUID is a fixed UUID (version 1 shape) for generated group n.
func groupUUID(n int) string {
	return "6f1c" + strconv.FormatInt(int64(0x1000+n), 16) + "-3c2a-11ef-8b5e-525400" + strconv.FormatInt(int64(0x100000+n), 16)
}

// DynamicGroupsOf returns the groups of a business ascending by id, never nil.
func (d *Dataset) DynamicGroupsOf(bizID int64) []DynamicGroup {
	out := []DynamicGroup{}
	for _, g := range d.DynamicGroups {
		if g.BizID == bizID {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b DynamicGroup) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// UnmarshalJSON reads a rule with its numbers exact (json.Number).
func (r *GroupRule) UnmarshalJSON(raw []byte) error {
	var v struct {
		Field    string `json:"field"`
		Operator string `json:"operator"`
		Value    any    `json:"value"`
	}
	if err := decodeBody(raw, &v); err != nil {
		return err
	}
	*r = GroupRule{Field: v.Field, Operator: v.Operator, Value: v.Value}
	return nil
}
