package emulator

import (
	"cmp"
	"encoding/json"
	"math"
)

// Numbers as MongoDB compares them: exactly, an int64 against a double too,
// so that an integer above 2^53 never equals its float64 neighbour.

// num is a number of a condition: an int64 when the JSON text is one, else
// a float64.
type num struct {
	i     int64
	f     float64
	isInt bool
}

// numberArg reads a JSON number of a condition.
func numberArg(arg any) (num, bool) {
	n, ok := arg.(json.Number)
	if !ok {
		return num{}, false
	}
	if i, err := n.Int64(); err == nil {
		return num{i: i, isInt: true}, true
	}
	f, err := n.Float64()
	return num{f: f}, err == nil && !math.IsNaN(f)
}

// compareNumber compares a record value (int64 or float64) with a number;
// false when the value is not a number.
func compareNumber(v any, n num) (int, bool) {
	switch x := v.(type) {
	case int64:
		if n.isInt {
			return cmp.Compare(x, n.i), true
		}
		return compareIntFloat(x, n.f), true
	case float64:
		if n.isInt {
			return -compareIntFloat(n.i, x), true
		}
		return cmp.Compare(x, n.f), true
	}
	return 0, false
}

// compareIntFloat compares an int64 with a float64 exactly.
func compareIntFloat(i int64, f float64) int {
	switch {
	case f >= 1<<63:
		return -1
	case f < -(1 << 63):
		return 1
	}
	t := math.Trunc(f)
	if c := cmp.Compare(i, int64(t)); c != 0 {
		return c
	}
	return cmp.Compare(t, f) // i == trunc(f): i < f when f has a fraction above
}

// compareNumbers orders two record numbers (int64 or float64) exactly.
func compareNumbers(a, b any) int {
	switch y := b.(type) {
	case int64:
		c, _ := compareNumber(a, num{i: y, isInt: true})
		return c
	case float64:
		c, _ := compareNumber(a, num{f: y})
		return c
	}
	return 0
}
