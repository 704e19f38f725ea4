package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// The CMDB's querybuilder (src/common/querybuilder), the host_property_filter
// of list_biz_hosts and the biz_property_filter of search_business: a
// combined rule {condition: AND|OR, rules: [...]} whose rules are atoms
// {field, operator, value} or combined rules again.

// qbRule is a parsed rule: combined when rules is set, else an atom.
type qbRule struct {
	condition string
	rules     []*qbRule
	combined  bool
	field     string
	operator  string
	value     any
}

// qbOptions are the checks an API asks of a filter (RuleOption).
type qbOptions struct {
	maxSlice int // values of an in/not_in rule, 0 = no limit
	maxOr    int // rules of an OR, 0 = no limit
	// expr is the dialect of pkg/filter's Expression (search_object_instances'
	// conditions, ExprOption with IgnoreRuleFields): an atom may stand at the
	// top, a field need only be non-empty, in/not_in need a non-empty list,
	// more operators exist (the _i and _s variants), and maxRules bounds the
	// rules of every combined rule.
	expr     bool
	maxRules int
}

// exprOptions is NewDefaultExprOpt: in/not_in ≤ 500 values, ≤ 50 rules per
// combined rule (the depth, 3, is checked with depth()).
var exprOptions = qbOptions{expr: true, maxSlice: 500, maxRules: 50}

// exprOperators are the operators of pkg/filter besides qbOperators
// (filter_object, filter_array and size are not emulated).
var exprOperators = map[string]bool{
	"begins_with_i": true, "not_begins_with_i": true, "contains_s": true, "not_contains_i": true,
	"ends_with_i": true, "not_ends_with_i": true,
}

// qbMaxDeep is querybuilder.MaxDeep: the tree height, so two levels of nesting.
const qbMaxDeep = 3

var errNoFilter = errors.New("no query filter found")

// parseQB parses a decoded filter object the way ParseRule does; an error is
// a body the CMDB cannot decode.
func parseQB(data map[string]any) (*qbRule, error) {
	if c, ok := data["condition"]; ok {
		cond, isStr := c.(string)
		rules, isList := data["rules"].([]any)
		if !isStr && c != nil || !isList && data["rules"] != nil {
			return nil, errNoFilter
		}
		r := &qbRule{combined: true, condition: cond}
		for _, item := range rules {
			if item == nil {
				continue
			}
			m, ok := item.(map[string]any)
			if !ok {
				return nil, errNoFilter
			}
			child, err := parseQB(m)
			if err != nil {
				return nil, err
			}
			r.rules = append(r.rules, child)
		}
		return r, nil
	}
	if op, ok := data["operator"]; ok {
		operator, isStr := op.(string)
		field, fieldOK := data["field"].(string)
		if !isStr || !fieldOK && data["field"] != nil {
			return nil, errNoFilter
		}
		return &qbRule{field: field, operator: operator, value: data["value"]}, nil
	}
	return nil, errNoFilter
}

// depth is GetDeep: an atom is 1, a combined rule one more than its deepest child (at least 1).
func (r *qbRule) depth() int {
	if !r.combined {
		return 1
	}
	deepest := 1
	for _, c := range r.rules {
		deepest = max(deepest, c.depth())
	}
	return deepest + 1
}

var qbFieldPattern = regexp.MustCompile(`^[a-zA-Z0-9][\d\w\-_.]*$`)

// qbOperators are the operators the CMDB accepts.
var qbOperators = map[string]bool{
	"equal": true, "not_equal": true, "in": true, "not_in": true,
	"less": true, "less_or_equal": true, "greater": true, "greater_or_equal": true,
	"datetime_less": true, "datetime_less_or_equal": true, "datetime_greater": true, "datetime_greater_or_equal": true,
	"begins_with": true, "not_begins_with": true, "contains": true, "not_contains": true,
	"ends_with": true, "not_ends_with": true, "is_empty": true, "is_not_empty": true,
	"is_null": true, "is_not_null": true, "exist": true, "not_exist": true,
}

// validate is QueryFilter.Validate: it returns the key of the first fault
// ("" for a top-level atom, "condition", "rules[1].value", …).
func (r *qbRule) validate(top bool, opt qbOptions) (string, bool) {
	if !r.combined {
		if top && !opt.expr {
			return "", false // "query filter must be combined rules"
		}
		switch {
		case !qbOperators[r.operator] && (!opt.expr || !exprOperators[r.operator]):
			return "operator", false
		case opt.expr && r.field == "", !opt.expr && !qbFieldPattern.MatchString(r.field):
			return "field", false
		case !r.validValue(opt):
			return "value", false
		}
		return "", true
	}
	switch {
	case r.condition != "AND" && r.condition != "OR":
		return "condition", false
	case len(r.rules) == 0, r.condition == "OR" && opt.maxOr > 0 && len(r.rules) > opt.maxOr,
		opt.maxRules > 0 && len(r.rules) > opt.maxRules:
		return "rules", false
	}
	for i, c := range r.rules {
		if key, ok := c.validate(false, opt); !ok {
			return fmt.Sprintf("rules[%d].%s", i, key), false
		}
	}
	return "", true
}

func basicValue(v any) bool {
	switch v.(type) {
	case json.Number, bool, string:
		return true
	}
	return false
}

// validValue checks the value's type for the operator, as validateValue does
// (the CMDB asks in/not_in values to share one type).
func (r *qbRule) validValue(opt qbOptions) bool {
	switch r.operator {
	case "equal", "not_equal":
		return basicValue(r.value)
	case "in", "not_in":
		if r.value == nil {
			return !opt.expr // ValidateSliceOfBasicType: "value is nil"
		}
		list, ok := r.value.([]any)
		if !ok || opt.maxSlice > 0 && len(list) > opt.maxSlice || opt.expr && len(list) == 0 {
			return false
		}
		for _, e := range list {
			if !basicValue(e) || fmt.Sprintf("%T", e) != fmt.Sprintf("%T", list[0]) {
				return false
			}
		}
		return true
	case "less", "less_or_equal", "greater", "greater_or_equal":
		_, isNum := r.value.(json.Number)
		return isNum
	case "datetime_less", "datetime_less_or_equal", "datetime_greater", "datetime_greater_or_equal":
		s, _ := r.value.(string)
		_, errTime := time.Parse(time.RFC3339Nano, s)
		_, errDate := time.Parse(time.DateOnly, s)
		return errTime == nil || errDate == nil
	case "begins_with", "not_begins_with", "contains", "not_contains", "ends_with", "not_ends_with",
		"begins_with_i", "not_begins_with_i", "contains_s", "not_contains_i", "ends_with_i", "not_ends_with_i":
		s, ok := r.value.(string)
		return ok && s != ""
	}
	return true
}

// compile turns a valid rule into a predicate over records of k, with the
// MongoDB meaning the CMDB gives each operator (ToMgo): "contains" is a
// case-insensitive regular expression, the other string operators are
// case-sensitive ones; a list field matches when an element does.
func (r *qbRule) compile(k *kind) (pred, error) {
	if r.combined {
		preds := make([]pred, len(r.rules))
		for i, c := range r.rules {
			p, err := c.compile(k)
			if err != nil {
				return nil, err
			}
			preds[i] = p
		}
		if r.condition == "AND" {
			return allOf(preds), nil
		}
		return func(rec *record) bool {
			for _, p := range preds {
				if p(rec) {
					return true
				}
			}
			return false
		}, nil
	}
	i, known := k.index[r.field]
	valueOf := func(rec *record) (any, bool) {
		if !known {
			return nil, false
		}
		return rec.vals[i], rec.frags[i] != nil
	}
	test, err := r.atomTest()
	if err != nil {
		return nil, err
	}
	switch r.operator {
	case "exist", "not_exist":
		want := r.operator == "exist"
		return func(rec *record) bool { _, present := valueOf(rec); return present == want }, nil
	case "is_empty", "is_not_empty":
		want := r.operator == "is_empty"
		return func(rec *record) bool {
			v, _ := valueOf(rec)
			switch l := v.(type) {
			case []string:
				return (len(l) == 0) == want
			case []any:
				return (len(l) == 0) == want
			}
			return false
		}, nil
	}
	return func(rec *record) bool { v, _ := valueOf(rec); return test(v) }, nil
}

// atomTest is the value test of an atom's MongoDB operator.
func (r *qbRule) atomTest() (valueTest, error) {
	not := func(t valueTest, err error) (valueTest, error) {
		if err != nil {
			return nil, err
		}
		return func(v any) bool { return !t(v) }, nil
	}
	s, _ := r.value.(string)
	switch r.operator {
	case "equal":
		return opTest("$eq", r.value)
	case "not_equal":
		return opTest("$ne", r.value)
	case "in":
		return opTest("$in", r.value)
	case "not_in":
		return opTest("$nin", r.value)
	case "less":
		return opTest("$lt", r.value)
	case "less_or_equal":
		return opTest("$lte", r.value)
	case "greater":
		return opTest("$gt", r.value)
	case "greater_or_equal":
		return opTest("$gte", r.value)
	case "begins_with":
		return regexTest("^"+s, "")
	case "not_begins_with":
		return not(regexTest("^"+s, ""))
	case "begins_with_i":
		return regexTest("^"+s, "i")
	case "not_begins_with_i":
		return not(regexTest("^"+s, "i"))
	case "contains":
		return regexTest(s, "i")
	case "contains_s":
		return regexTest(s, "")
	case "not_contains":
		return not(regexTest(s, ""))
	case "not_contains_i":
		return not(regexTest(s, "i"))
	case "ends_with":
		return regexTest(s+"$", "")
	case "ends_with_i":
		return regexTest(s+"$", "i")
	case "not_ends_with":
		return not(regexTest(s+"$", ""))
	case "not_ends_with_i":
		return not(regexTest(s+"$", "i"))
	case "is_null":
		return func(v any) bool { return v == nil }, nil
	case "is_not_null":
		return func(v any) bool { return v != nil }, nil
	}
	// datetime_* compare dates, which no served field holds; the rest are
	// handled by compile.
	return func(any) bool { return false }, nil
}
