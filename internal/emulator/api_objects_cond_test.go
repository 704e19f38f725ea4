package emulator

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// attrOf reads an attribute of a generated instance for the expectations.
func attrOf(in ModelInstance, key string) any { return in.Attributes[key] }

func portOf(in ModelInstance) int64 {
	n, _ := attrOf(in, "port").(json.Number)
	i, _ := n.Int64()
	return i
}

func strAttr(in ModelInstance, key string) string {
	s, _ := attrOf(in, key).(string)
	return s
}

func listAttr(in ModelInstance, key string) []any {
	l, _ := attrOf(in, key).([]any)
	return l
}

func hasTag(in ModelInstance, tag string) bool {
	return slices.Contains(listAttr(in, "tags"), any(tag))
}

// bigNumber is a JSON number written as is (above 2^53).
func bigNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// TestObjectInstancesConditions: the conditions evaluator, each operator on
// each JSON type, AND/OR nesting, integers above 2^53 compared exactly, on
// both front doors; the count agrees.
func TestObjectInstancesConditions(t *testing.T) {
	s, d := demoServer(t, Options{})
	all := d.ModelInstances("mysql")
	where := func(f func(ModelInstance) bool) []int64 {
		out := []int64{}
		for _, in := range all {
			if f(in) {
				out = append(out, in.ID)
			}
		}
		return out
	}
	serial := func(i int64) json.Number { return bigNumber(MySQLSerialBase + 2*i) }
	cases := []struct {
		name string
		cond map[string]any
		want []int64
	}{
		{"equal string", qbAnd(qbRuleOf("role", "equal", "master")), where(func(in ModelInstance) bool { return attrOf(in, "role") == "master" })},
		{"equal is case-sensitive", qbAnd(qbRuleOf("role", "equal", "Master")), []int64{}},
		{"equal int", qbAnd(qbRuleOf("port", "equal", 3307)), where(func(in ModelInstance) bool { return portOf(in) == 3307 })},
		{"equal big int exact", qbAnd(qbRuleOf("serial", "equal", serial(5))), []int64{firstMySQLID + 5}},
		{"equal 2^53 is not 2^53+1", qbAnd(qbRuleOf("serial", "equal", bigNumber(1<<53))), []int64{}},
		{"equal float", qbAnd(qbRuleOf("cpu_ratio", "equal", 0.375)), where(func(in ModelInstance) bool { return attrOf(in, "cpu_ratio") == json.Number("0.375") })},
		{"equal bool", qbAnd(qbRuleOf("backup_enabled", "equal", false)), where(func(in ModelInstance) bool { return attrOf(in, "backup_enabled") == false })},
		{"equal list element", qbAnd(qbRuleOf("tags", "equal", "pay")), where(func(in ModelInstance) bool { return hasTag(in, "pay") })},
		{"equal user list", qbAnd(qbRuleOf("dba", "equal", users[1])), where(func(in ModelInstance) bool { return slices.Contains(listAttr(in, "dba"), any(users[1])) })},
		{"not_equal", qbAnd(qbRuleOf("role", "not_equal", "master")), where(func(in ModelInstance) bool { return attrOf(in, "role") != "master" })},
		{"not_equal big int", qbAnd(qbRuleOf("serial", "not_equal", serial(0))), where(func(in ModelInstance) bool { return in.ID != firstMySQLID })},
		{"in strings", qbAnd(qbRuleOf("bk_inst_name", "in", []string{"mysql-pay-01", "mysql-log-02", "nope"})), []int64{firstMySQLID + 1, firstMySQLID + 7}},
		{"in big ints", qbAnd(qbRuleOf("serial", "in", []any{serial(3), serial(9), bigNumber(1 << 53)})), []int64{firstMySQLID + 3, firstMySQLID + 9}},
		{"in bools", qbAnd(qbRuleOf("backup_enabled", "in", []bool{true})), where(func(in ModelInstance) bool { return attrOf(in, "backup_enabled") == true })},
		{"not_in", qbAnd(qbRuleOf("port", "not_in", []int{3306})), where(func(in ModelInstance) bool { return portOf(in) != 3306 })},
		{"contains ignores case", qbAnd(qbRuleOf("bk_inst_name", "contains", "PAY")), where(func(in ModelInstance) bool { return strings.Contains(in.Name, "pay") })},
		{"contains on a list", qbAnd(qbRuleOf("tags", "contains", "ga")), where(func(in ModelInstance) bool { return hasTag(in, "game") })},
		{"greater float", qbAnd(qbRuleOf("cpu_ratio", "greater", 0.75)), where(func(in ModelInstance) bool {
			n, _ := attrOf(in, "cpu_ratio").(json.Number)
			f, _ := n.Float64()
			return f > 0.75
		})},
		{"less int", qbAnd(qbRuleOf("port", "less", 3307)), where(func(in ModelInstance) bool { return portOf(in) < 3307 })},
		{"greater_or_equal big int", qbAnd(qbRuleOf("serial", "greater_or_equal", serial(38))), []int64{firstMySQLID + 38, firstMySQLID + 39}},
		{"greater big int against 2^53+1", qbAnd(qbRuleOf("serial", "greater", bigNumber(MySQLSerialBase))), where(func(in ModelInstance) bool { return in.ID != firstMySQLID })},
		{"less_or_equal big int", qbAnd(qbRuleOf("serial", "less_or_equal", serial(1))), []int64{firstMySQLID, firstMySQLID + 1}},
		{"greater than 2^53 written as a float", qbAnd(qbRuleOf("serial", "greater", json.Number("9007199254740992.0"))), where(func(ModelInstance) bool { return true })},
		{"less than a fraction", qbAnd(qbRuleOf("serial", "less", json.Number("9007199254740993.5"))), []int64{firstMySQLID}},
		{"begins_with", qbAnd(qbRuleOf("version", "begins_with", "8.")), where(func(in ModelInstance) bool { return strings.HasPrefix(strAttr(in, "version"), "8.") })},
		{"begins_with is case-sensitive", qbAnd(qbRuleOf("bk_inst_name", "begins_with", "MYSQL")), []int64{}},
		{"ends_with", qbAnd(qbRuleOf("bk_inst_name", "ends_with", "-03")), where(func(in ModelInstance) bool { return strings.HasSuffix(in.Name, "-03") })},
		{"exist", qbAnd(qbRuleOf("extra", "exist", nil)), where(func(in ModelInstance) bool { _, ok := in.Attributes["extra"]; return ok })},
		{"not_exist", qbAnd(qbRuleOf("extra", "not_exist", nil)), []int64{firstMySQLID, firstMySQLID + 1}},
		{"exist holds for null", qbAnd(qbRuleOf("comment", "exist", nil)), where(func(ModelInstance) bool { return true })},
		{"unknown field", qbAnd(qbRuleOf("nope", "equal", "x")), []int64{}},
		{"atom at the top", qbRuleOf("role", "equal", "master"), where(func(in ModelInstance) bool { return attrOf(in, "role") == "master" })},
		{"AND", qbAnd(qbRuleOf("role", "equal", "slave"), qbRuleOf("port", "equal", 3306)),
			where(func(in ModelInstance) bool { return attrOf(in, "role") == "slave" && portOf(in) == 3306 })},
		{"OR", qbOr(qbRuleOf("bk_inst_id", "equal", firstMySQLID+3), qbRuleOf("bk_inst_id", "equal", firstMySQLID+30)), []int64{firstMySQLID + 3, firstMySQLID + 30}},
		{"OR of ANDs", qbOr(
			qbAnd(qbRuleOf("role", "equal", "master"), qbRuleOf("tags", "equal", "pay")),
			qbAnd(qbRuleOf("backup_enabled", "equal", false), qbRuleOf("port", "greater", 3306))),
			where(func(in ModelInstance) bool {
				return attrOf(in, "role") == "master" && hasTag(in, "pay") || attrOf(in, "backup_enabled") == false && portOf(in) > 3306
			})},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			body := map[string]any{"conditions": tc.cond, "page": page(0, 500, "bk_inst_id")}
			got := objIDs(t, s, gw, "mysql", body)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s/%s: got %v, want %v", tc.name, gw, got, tc.want)
			}
			if n := objCount(t, s, gw, "mysql", map[string]any{"conditions": tc.cond}); n != int64(len(tc.want)) {
				t.Errorf("%s/%s: count %d, want %d", tc.name, gw, n, len(tc.want))
			}
		}
	}
}

// TestObjectInstancesBadConditions: a conditions tree that fails
// Expression.Validate is 1199006 'conditions: …' (depth above 3, more than 50
// rules, in/not_in above 500 values or empty, unknown operators, …); one
// that does not decode is 1199000. Both APIs, both doors.
func TestObjectInstancesBadConditions(t *testing.T) {
	s, _ := demoServer(t, Options{})
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = qbRuleOf("port", "equal", 3300+i)
		}
		return out
	}
	values := make([]int, 501)
	invalid := map[string]any{
		"depth 4":        qbAnd(qbOr(qbAnd(qbRuleOf("role", "equal", "master")))),
		"51 rules":       qbAnd(many(51)...),
		"501 in values":  qbAnd(qbRuleOf("port", "in", values)),
		"501 nin values": qbAnd(qbRuleOf("port", "not_in", values)),
		"empty in":       qbAnd(qbRuleOf("port", "in", []int{})),
		"null in":        qbAnd(qbRuleOf("port", "in", nil)),
		"mixed in":       qbAnd(qbRuleOf("port", "in", []any{1, "a"})),
		"operator":       qbAnd(qbRuleOf("port", "like", 1)),
		"empty field":    qbAnd(qbRuleOf("", "equal", 1)),
		"condition":      map[string]any{"condition": "XOR", "rules": []any{qbRuleOf("port", "equal", 1)}},
		"no rules":       qbAnd(),
		"less a string":  qbAnd(qbRuleOf("port", "less", "3307")),
		"equal a list":   qbAnd(qbRuleOf("port", "equal", []int{1})),
		"contains empty": qbAnd(qbRuleOf("role", "contains", "")),
	}
	undecodable := map[string]any{
		"a string":     "role=master",
		"no rule":      map[string]any{"field": "role", "value": "master"},
		"in a string":  qbAnd(qbRuleOf("port", "in", "3306")),
		"rules a map":  map[string]any{"condition": "AND", "rules": map[string]any{}},
		"rule a value": qbAnd("role"),
	}
	for _, gw := range gateways {
		for _, api := range []string{APISearchObjectInstances, APICountObjectInstances} {
			for name, cond := range invalid {
				r := callAPI(t, s, gw, objReq(api, "mysql", map[string]any{"conditions": cond, "page": page(0, 10, "")}))
				if r.code(t) != CodeCMDBParamsInvalid || !strings.Contains(string(r.body), "'conditions: {") {
					t.Errorf("%s %s %s: %s", gw, api, name, r.body)
				}
			}
			for name, cond := range undecodable {
				r := callAPI(t, s, gw, objReq(api, "mysql", map[string]any{"conditions": cond, "page": page(0, 10, "")}))
				if r.code(t) != CodeCMDBJSONDecode {
					t.Errorf("%s %s %s: %s", gw, api, name, r.body)
				}
			}
			if many50 := objIDs(t, s, gw, "mysql", map[string]any{"conditions": qbOr(many(50)...), "page": page(0, 10, "")}); len(many50) != 10 {
				t.Errorf("%s: 50 rules: %v", gw, many50)
			}
		}
	}
}
