package emulator

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"testing"
)

func bizReq(body map[string]any) apiReq {
	return apiReq{api: APISearchBusiness, params: bizParams, body: body}
}

// TestSearchBusinessCondition: a string is a case-insensitive substring
// (the decoys come with web-shop), an integer is exact, a user field matches
// a member of the list; the resource pool and disabled businesses never
// come, unless bk_data_status is asked for; default in the condition is
// overridden.
func TestSearchBusinessCondition(t *testing.T) {
	s, d := demoServer(t, Options{})
	byName := func(name string) []int64 {
		var out []int64
		for _, b := range d.Businesses {
			if b.Name == name {
				out = append(out, b.ID)
			}
		}
		return out
	}
	decoys := append(append(append(byName("web-shop"), byName("Web-Shop-Legacy")...), byName("web-shop-mobile")...), byName("old-web-shop")...)
	slices.Sort(decoys)
	cases := []struct {
		name string
		cond map[string]any
		want []int64
	}{
		{"fuzzy name", map[string]any{"bk_biz_name": "web-shop"}, decoys},
		{"fuzzy name in capitals", map[string]any{"bk_biz_name": "WEB-SHOP"}, decoys},
		{"substring", map[string]any{"bk_biz_name": "shop-mob"}, byName("web-shop-mobile")},
		{"regex characters are literal", map[string]any{"bk_biz_name": "web.shop"}, []int64{}},
		{"exact id", map[string]any{"bk_biz_id": 3}, []int64{3}},
		{"id and name", map[string]any{"bk_biz_id": 2, "bk_biz_name": "shop"}, []int64{2}},
		{"resource pool never", map[string]any{"bk_biz_id": 1}, []int64{}},
		{"default overridden", map[string]any{"default": 1}, bizIDsOf(d.BusinessesMatching(""))},
		{"disabled never", map[string]any{"bk_biz_name": "archive"}, []int64{}},
		{"disabled when asked for", map[string]any{"bk_biz_name": "archive", "bk_data_status": "disabled"}, byName("web-shop-archive")},
		{"user member", map[string]any{"bk_biz_maintainer": "bob"}, bizWithMaintainer(d, "bob")},
		{"user is not a substring", map[string]any{"bk_biz_maintainer": "bo"}, []int64{}},
		{"every user listed", map[string]any{"bk_biz_maintainer": "ops-bot,alice"}, intersect(bizWithMaintainer(d, "ops-bot"), bizWithMaintainer(d, "alice"))},
		{"operator in", map[string]any{"bk_biz_id": map[string]any{"$in": []int{2, 3, 1}}}, []int64{2, 3}},
	}
	for _, tc := range cases {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				got := walkIDs(t, s, gw, bizReq(map[string]any{"condition": tc.cond}), "bk_biz_id", 2, "bk_biz_id")
				if !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
	if got := bizIDsOf(d.BusinessesMatching("web-shop")); !slices.Equal(got, decoys) || len(decoys) != 4 {
		t.Fatalf("BusinessesMatching(web-shop) = %v, want %v", got, decoys)
	}
}

func bizIDsOf(bs []Business) []int64 {
	out := []int64{}
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

func bizWithMaintainer(d *Dataset, user string) []int64 {
	out := []int64{}
	for _, b := range d.BusinessesMatching("") {
		if slices.Contains(splitComma(b.Maintainer), user) {
			out = append(out, b.ID)
		}
	}
	return out
}

func intersect(a, b []int64) []int64 {
	out := []int64{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestSearchBusinessRecord: the record's keys and comma-joined users; fields
// limits the keys (and, as in the CMDB, adds "default").
func TestSearchBusinessRecord(t *testing.T) {
	s, _ := demoServer(t, Options{})
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			_, info := callAPI(t, s, gw, bizReq(map[string]any{"condition": map[string]any{"bk_biz_id": 2}, "page": page(0, 10, "")})).records(t)
			if len(info) != 1 {
				t.Fatalf("%d records", len(info))
			}
			want := []string{"bk_biz_developer", "bk_biz_id", "bk_biz_maintainer", "bk_biz_name", "bk_biz_productor", "bk_biz_tester",
				"bk_supplier_account", "default", "language", "life_cycle", "operator", "time_zone"}
			if keys := sortedKeys(info[0]); !reflect.DeepEqual(keys, want) {
				t.Fatalf("keys %v, want %v", keys, want)
			}
			if info[0].str(t, "bk_biz_name") != "web-shop" || info[0].str(t, "bk_biz_developer") != "dave,erin,frank" || info[0].str(t, "bk_biz_tester") != "" {
				t.Fatalf("record %v", info[0])
			}
			for _, tc := range []struct {
				fields []string
				keys   []string
			}{
				{[]string{"bk_biz_id", "bk_biz_name"}, []string{"bk_biz_id", "bk_biz_name", "default"}},
				{[]string{"bk_biz_name"}, []string{"bk_biz_name", "default"}},
				{[]string{"no_such_field"}, []string{"default"}},
				{[]string{""}, want},
				{[]string{}, want},
			} {
				_, info := callAPI(t, s, gw, bizReq(map[string]any{"fields": tc.fields, "condition": map[string]any{"bk_biz_id": 2}, "page": page(0, 10, "")})).records(t)
				if keys := sortedKeys(info[0]); !reflect.DeepEqual(keys, tc.keys) {
					t.Errorf("fields %q: keys %v, want %v", tc.fields, keys, tc.keys)
				}
			}
		})
	}
}

// TestSearchBusinessOrderAndPaging: no default order (not by id, but the
// same on every request so that paging works), sort ascending and
// descending, count for the filter, start past the end, limit 0 is no limit.
func TestSearchBusinessOrderAndPaging(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := bizIDsOf(d.BusinessesMatching(""))
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			natural := walkIDs(t, s, gw, bizReq(nil), "bk_biz_id", 2, "")
			if ascending(natural) || len(natural) != len(want) {
				t.Fatalf("without sort: %v, want all of %v in an order that is not by id", natural, want)
			}
			if again := walkIDs(t, s, gw, bizReq(nil), "bk_biz_id", 3, ""); !slices.Equal(again, natural) {
				t.Fatalf("natural order changed between walks: %v then %v", natural, again)
			}
			sorted := slices.Clone(natural)
			slices.Sort(sorted)
			if !slices.Equal(sorted, want) {
				t.Fatalf("walk without sort: %v, want the ids %v", natural, want)
			}
			if got := walkIDs(t, s, gw, bizReq(nil), "bk_biz_id", 2, "bk_biz_id"); !slices.Equal(got, want) {
				t.Fatalf("sort bk_biz_id: %v", got)
			}
			if got := walkIDs(t, s, gw, bizReq(nil), "bk_biz_id", 2, "-bk_biz_id"); !slices.Equal(got, reversed(want)) {
				t.Fatalf("sort -bk_biz_id: %v", got)
			}
			byName := walkIDs(t, s, gw, bizReq(nil), "bk_biz_id", 4, "bk_biz_name")
			names := map[int64]string{}
			for _, b := range d.Businesses {
				names[b.ID] = b.Name
			}
			if !sort.SliceIsSorted(byName, func(i, j int) bool { return names[byName[i]] < names[byName[j]] }) {
				t.Fatalf("sort bk_biz_name: %v", byName)
			}
			count, info := callAPI(t, s, gw, bizReq(map[string]any{"page": page(100, 10, "")})).records(t)
			if count != len(want) || len(info) != 0 {
				t.Fatalf("start past the end: count %d, %d records", count, len(info))
			}
			count, info = callAPI(t, s, gw, bizReq(map[string]any{"page": page(0, 0, "")})).records(t)
			if count != len(want) || len(info) != len(want) {
				t.Fatalf("limit 0: count %d, %d records", count, len(info))
			}
		})
	}
}

// TestSearchBusinessFilter: biz_property_filter (querybuilder) works, is
// refused together with condition, and is checked like the CMDB checks it.
func TestSearchBusinessFilter(t *testing.T) {
	s, _ := demoServer(t, Options{})
	filter := func(rules ...any) map[string]any { return map[string]any{"condition": "AND", "rules": rules} }
	rule := func(field, op string, value any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": value}
	}
	for _, gw := range gateways {
		t.Run(gw, func(t *testing.T) {
			got := walkIDs(t, s, gw, bizReq(map[string]any{"biz_property_filter": filter(rule("bk_biz_name", "equal", "web-shop"))}), "bk_biz_id", 10, "bk_biz_id")
			if !slices.Equal(got, []int64{2}) {
				t.Fatalf("equal web-shop: %v", got)
			}
			many := make([]int, 501)
			for _, tc := range []struct {
				name string
				body map[string]any
				code int64
				msg  string
			}{
				{"with condition", map[string]any{"condition": map[string]any{}, "biz_property_filter": filter(rule("bk_biz_id", "equal", 2))}, CodeCMDBParamsInvalid, "'%s' data parameter verification does not pass"},
				{"atom at the top", map[string]any{"biz_property_filter": rule("bk_biz_id", "equal", 2)}, CodeCMDBParamsInvalid, "'biz.property.' data parameter"},
				{"in of 501 values", map[string]any{"biz_property_filter": filter(rule("bk_biz_id", "in", many))}, CodeCMDBParamsInvalid, "'biz.property.rules[0].value'"},
				{"no query filter", map[string]any{"biz_property_filter": map[string]any{}}, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
				{"condition not a map", map[string]any{"condition": "web"}, CodeCMDBJSONDecode, "Deserializing JSON data failed"},
			} {
				assertErrorEnvelope(t, callAPI(t, s, gw, bizReq(withPage(tc.body, 0, 10, ""))), tc.code, tc.msg, gw == GatewayESB)
			}
		})
	}
}

// TestSearchBusinessIAM: Options.HiddenBusinesses are silently left out,
// count included.
func TestSearchBusinessIAM(t *testing.T) {
	s, d := demoServer(t, Options{HiddenBusinesses: []int64{2, 5}})
	want := []int64{}
	for _, id := range bizIDsOf(d.BusinessesMatching("web-shop")) {
		if id != 2 && id != 5 {
			want = append(want, id)
		}
	}
	for _, gw := range gateways {
		got := walkIDs(t, s, gw, bizReq(map[string]any{"condition": map[string]any{"bk_biz_name": "web-shop"}}), "bk_biz_id", 10, "bk_biz_id")
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", gw, got, want)
		}
	}
}

// TestSearchBusinessLimits: documented maximum 200 with StrictLimits (and a
// limit is required there), none in the CMDB code; a negative start fails in
// the database.
func TestSearchBusinessLimits(t *testing.T) {
	strict, _ := demoServer(t, Options{StrictLimits: true})
	lenient, _ := demoServer(t, Options{})
	for _, tc := range []struct {
		name  string
		s     *Server
		page  map[string]any
		code  int64
		count bool
	}{
		{"strict 200", strict, page(0, 200, ""), 0, true},
		{"strict 201", strict, page(0, 201, ""), CodeCMDBPageLimit, false},
		{"strict without limit", strict, map[string]any{"start": 0}, CodeCMDBPageLimit, false},
		{"default 201", lenient, page(0, 201, ""), 0, true},
		{"default 5000", lenient, page(0, 5000, ""), 0, true},
		{"default start -1", lenient, page(-1, 10, ""), CodeCMDBQueryFailed, false},
	} {
		for _, gw := range gateways {
			t.Run(tc.name+"/"+gw, func(t *testing.T) {
				r := callAPI(t, tc.s, gw, bizReq(map[string]any{"page": tc.page}))
				if tc.code != 0 {
					assertErrorEnvelope(t, r, tc.code, "", gw == GatewayESB)
					return
				}
				r.records(t)
			})
		}
	}
	var env map[string]json.RawMessage
	_ = json.Unmarshal(callAPI(t, strict, GatewayESB, bizReq(map[string]any{"page": page(0, 201, "")})).body, &env)
	if string(env["message"]) != `"page limit is exceeded. suggestion 200"` {
		t.Fatalf("message %s", env["message"])
	}
}
