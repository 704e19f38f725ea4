package emulator

import "encoding/json"

// Generated dynamic groups: host and set groups of web-shop with decoy names.

// GeneratedGroupID is the id of generated dynamic group n (1..8, see generateGroups).
func GeneratedGroupID(n int) string { return groupUUID(n) }

// generateGroups builds the dynamic groups of web-shop (bk_biz_id 2), in
// creation order (ties share a create_time):
//
//  1. canary (host): sets web-gz and web-sh, hosts of cloud area 0;
//  2. canary-2 (host): sets of bk_set_env "2" (created with 1);
//  3. Canary (host): modules named nginx;
//  4. pre-canary (host): hosts of cloud area 2 (created with 3);
//  5. formal-sets (set): sets of bk_set_env "3";
//  6. canary-sets (set): sets whose name matches $regex "-GZ$" (case-insensitive; created with 5);
//  7. empty-hosts (host): set bk_set_name "nope", no host;
//
// and in payment (bk_biz_id 3) 8. canary (host): hosts of cloud areas 0 and 2.
func generateGroups() []DynamicGroup {
	n := func(s string) json.Number { return json.Number(s) }
	rule := func(field, op string, v any) GroupRule { return GroupRule{Field: field, Operator: op, Value: v} }
	on := func(obj string, rules ...GroupRule) GroupCondition {
		return GroupCondition{ObjID: obj, Condition: rules}
	}
	t := []string{modelTime(1, 0), modelTime(2, 0), modelTime(3, 0), modelTime(4, 0)}
	group := func(i int, biz int64, name, obj string, created string, conds ...GroupCondition) DynamicGroup {
		return DynamicGroup{BizID: biz, ID: groupUUID(i), Name: name, ObjID: obj, Info: GroupInfo{Condition: conds},
			CreateUser: "admin", ModifyUser: users[i%len(users)], CreateTime: created, LastTime: created}
	}
	return []DynamicGroup{
		group(1, 2, "canary", "host", t[0], on("set", rule("bk_set_name", "$in", []any{"web-gz", "web-sh"})),
			on("host", rule("bk_cloud_id", "$eq", n("0")))),
		group(2, 2, "canary-2", "host", t[0], on("set", rule("bk_set_env", "$eq", "2"))),
		group(3, 2, "Canary", "host", t[1], on("module", rule("bk_module_name", "$eq", "nginx"))),
		group(4, 2, "pre-canary", "host", t[1], on("host", rule("bk_cloud_id", "$eq", n("2")))),
		group(5, 2, "formal-sets", "set", t[2], on("set", rule("bk_set_env", "$eq", "3"))),
		group(6, 2, "canary-sets", "set", t[2], on("set", rule("bk_set_name", "$regex", "-GZ$"))),
		group(7, 2, "empty-hosts", "host", t[3], on("set", rule("bk_set_name", "$eq", "nope"))),
		group(8, 3, "canary", "host", t[0], on("host", rule("bk_cloud_id", "$in", []any{n("0"), n("2")}))),
	}
}
