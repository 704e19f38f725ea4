package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
)

// pred tests one record.
type pred func(r *record) bool

// valueTest tests one record value: int64, string, []string (a list field,
// matched per element as MongoDB matches an array) or nil (null or absent).
type valueTest func(v any) bool

// errQuery is a condition the database refuses (an unknown operator, a bad
// regular expression): the CMDB answers 1199017.
var errQuery = errors.New("query failed")

// fieldPred applies a value test to one field of k (an unknown field is absent).
func fieldPred(k *kind, field string, test valueTest) pred {
	i, ok := k.index[field]
	if !ok {
		return func(*record) bool { return test(nil) }
	}
	return func(r *record) bool { return test(r.vals[i]) }
}

// compileCond compiles one condition value as MongoDB reads it: a map of
// operators ("$in", "$ne", …) or a value to equal.
func compileCond(cond any) (valueTest, error) {
	ops, ok := cond.(map[string]any)
	if !ok {
		return eqTest(cond), nil
	}
	var tests []valueTest
	for op, arg := range ops {
		if op == "$options" {
			continue
		}
		if op == "$regex" {
			options, _ := ops["$options"].(string)
			t, err := regexTest(arg, options)
			if err != nil {
				return nil, err
			}
			tests = append(tests, t)
			continue
		}
		t, err := opTest(op, arg)
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
	}
	return func(v any) bool {
		for _, t := range tests {
			if !t(v) {
				return false
			}
		}
		return true
	}, nil
}

// opTest compiles one MongoDB comparison operator.
func opTest(op string, arg any) (valueTest, error) {
	switch op {
	case "$eq":
		return eqTest(arg), nil
	case "$ne":
		eq := eqTest(arg)
		return func(v any) bool { return !eq(v) }, nil
	case "$in", "$nin":
		list, ok := arg.([]any)
		if !ok && arg != nil {
			return nil, errQuery
		}
		in := inTest(list)
		if op == "$nin" {
			return func(v any) bool { return !in(v) }, nil
		}
		return in, nil
	case "$gt", "$gte", "$lt", "$lte":
		return orderTest(op, arg), nil
	case "$not":
		t, err := compileCond(arg)
		if err != nil {
			return nil, err
		}
		return func(v any) bool { return !t(v) }, nil
	case "$exists":
		want, _ := arg.(bool)
		return func(v any) bool { return (v != nil) == want }, nil
	}
	return nil, errQuery
}

// eachValue applies test to v, or to each element of a list.
func eachValue(v any, test func(any) bool) bool {
	switch list := v.(type) {
	case []string:
		for _, e := range list {
			if test(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range list {
			if test(e) {
				return true
			}
		}
		return false
	}
	return test(v)
}

func eqTest(arg any) valueTest {
	switch a := arg.(type) {
	case nil:
		return func(v any) bool { return v == nil }
	case string:
		return func(v any) bool { return eachValue(v, func(e any) bool { return e == a }) }
	case json.Number:
		want, ok := numberArg(a)
		return func(v any) bool {
			return ok && eachValue(v, func(e any) bool { c, ok := compareNumber(e, want); return ok && c == 0 })
		}
	case bool:
		return func(v any) bool { return eachValue(v, func(e any) bool { b, ok := e.(bool); return ok && b == a }) }
	}
	return func(any) bool { return false } // arrays and objects: matched by no rule
}

func inTest(list []any) valueTest {
	ints, strs, bools, withNil := map[int64]bool{}, map[string]bool{}, map[bool]bool{}, false
	var others []num // numbers that are not an int64
	for _, e := range list {
		switch x := e.(type) {
		case nil:
			withNil = true
		case string:
			strs[x] = true
		case bool:
			bools[x] = true
		case json.Number:
			if n, ok := numberArg(x); ok && n.isInt {
				ints[n.i] = true
			} else if ok {
				others = append(others, n)
			}
		}
	}
	return func(v any) bool {
		if v == nil {
			return withNil
		}
		return eachValue(v, func(e any) bool {
			switch x := e.(type) {
			case int64:
				if ints[x] {
					return true
				}
			case float64:
				if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 && ints[int64(x)] {
					return true
				}
			case string:
				return strs[x]
			case bool:
				return bools[x]
			default:
				return false
			}
			for _, n := range others {
				if c, ok := compareNumber(e, n); ok && c == 0 {
					return true
				}
			}
			return false
		})
	}
}

// orderTest compares numbers with numbers and strings with strings.
func orderTest(op string, arg any) valueTest {
	holds := func(c int) bool {
		switch op {
		case "$gt":
			return c > 0
		case "$gte":
			return c >= 0
		case "$lt":
			return c < 0
		}
		return c <= 0
	}
	n, isNum := numberArg(arg)
	s, isStr := arg.(string)
	return func(v any) bool {
		return eachValue(v, func(e any) bool {
			if x, ok := e.(string); ok {
				return isStr && holds(strings.Compare(x, s))
			}
			c, ok := compareNumber(e, n)
			return isNum && ok && holds(c)
		})
	}
}

// regexTest matches strings (or list elements) with a MongoDB $regex.
func regexTest(arg any, options string) (valueTest, error) {
	pattern, ok := arg.(string)
	if !ok {
		return nil, errQuery
	}
	if strings.Contains(options, "i") {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, errQuery
	}
	return func(v any) bool {
		return eachValue(v, func(e any) bool { s, ok := e.(string); return ok && re.MatchString(s) })
	}, nil
}

// conditionPred compiles a legacy "condition" map (exact matches and
// MongoDB operators) into one predicate; nil for an empty condition.
func conditionPred(k *kind, cond map[string]any) (pred, error) {
	var preds []pred
	for field, c := range cond {
		test, err := compileCond(c)
		if err != nil {
			return nil, err
		}
		preds = append(preds, fieldPred(k, field, test))
	}
	return allOf(preds), nil
}

// allOf is the conjunction of preds (nil for none).
func allOf(preds []pred) pred {
	if len(preds) == 0 {
		return nil
	}
	return func(r *record) bool {
		for _, p := range preds {
			if !p(r) {
				return false
			}
		}
		return true
	}
}

// filterRecords keeps the records p accepts (all of them for a nil p).
func filterRecords(recs []*record, p pred) []*record {
	if p == nil {
		return recs
	}
	var out []*record
	for _, r := range recs {
		if p(r) {
			out = append(out, r)
		}
	}
	return out
}

// decodeBody decodes a CMDB request body into v with numbers kept as
// json.Number. Like the CMDB's DecodeInto, an empty body decodes to nothing.
func decodeBody(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errQuery // trailing data, which json.Unmarshal refuses too
	}
	return nil
}
