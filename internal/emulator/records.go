package emulator

import (
	"strconv"
	"strings"
)

// kind is the wire schema of one CMDB object: its keys in the order sent,
// which of them are comma-joined lists (stored as arrays by the CMDB, so
// matched per element), and the traits of its API.
type kind struct {
	keys  []string
	index map[string]int
	lists map[int]bool
	users map[int]bool // user-type fields (search_business matches a member)
	idKey string
	// nameKey is translated when it holds a built-in name (idle pool, …).
	nameKey string
	// builtin: the CMDB adds "default" to a non-empty fields list.
	builtin bool
	salt    uint64 // of the natural order
}

func newKind(idKey, nameKey string, builtin bool, salt uint64, keys []string, lists, users []string) *kind {
	k := &kind{keys: keys, index: map[string]int{}, lists: map[int]bool{}, users: map[int]bool{},
		idKey: idKey, nameKey: nameKey, builtin: builtin, salt: salt}
	for i, key := range keys {
		k.index[key] = i
	}
	for _, key := range lists {
		k.lists[k.index[key]] = true
	}
	for _, key := range users {
		k.users[k.index[key]] = true
		k.lists[k.index[key]] = true
	}
	return k
}

// The served kinds. Hosts carry no bk_biz_id: the CMDB keeps it in the
// host-module relation. bk_parent_id of a set is its business, of a module its set.
var (
	bizKind = newKind("bk_biz_id", "bk_biz_name", true, 0x6269_7a00, []string{
		"bk_biz_id", "bk_biz_name", "bk_biz_maintainer", "bk_biz_productor", "bk_biz_developer", "bk_biz_tester",
		"operator", "life_cycle", "time_zone", "language", "bk_supplier_account", "default", "bk_data_status",
	}, nil, []string{"bk_biz_maintainer", "bk_biz_productor", "bk_biz_developer", "bk_biz_tester", "operator"})
	templateKind = newKind("id", "", false, 0x7470_6c00, []string{
		"id", "name", "bk_biz_id", "creator", "modifier", "create_time", "last_time", "bk_supplier_account",
	}, nil, nil)
	setKind = newKind("bk_set_id", "bk_set_name", true, 0x7365_7400, []string{
		"bk_set_id", "bk_set_name", "bk_biz_id", "bk_parent_id", "set_template_id", "bk_set_env",
		"bk_service_status", "bk_set_desc", "default", "bk_supplier_account",
	}, nil, nil)
	moduleKind = newKind("bk_module_id", "bk_module_name", true, 0x6d6f_6400, []string{
		"bk_module_id", "bk_module_name", "bk_set_id", "bk_parent_id", "bk_biz_id", "service_template_id",
		"set_template_id", "bk_module_type", "operator", "bk_bak_operator", "default", "bk_supplier_account",
	}, []string{"operator", "bk_bak_operator"}, nil)
	hostKind = newKind("bk_host_id", "", false, 0x686f_7300, []string{
		"bk_host_id", "bk_host_name", "bk_host_innerip", "bk_host_outerip", "bk_host_innerip_v6",
		"bk_host_outerip_v6", "bk_cloud_id", "bk_os_type", "bk_os_name", "bk_os_version", "bk_agent_id",
		"bk_state", "operator", "bk_bak_operator", "bk_supplier_account",
	}, []string{"bk_host_innerip", "bk_host_outerip", "bk_host_innerip_v6", "bk_host_outerip_v6", "operator", "bk_bak_operator"}, nil)
)

// absent marks a key the record does not carry (not even as null).
type absent struct{}

// record is one object as served: its values for matching and sorting
// (int64, string, []string for a list, nil for null or absent), its JSON
// encoding, and each key's "key":value fragment (a slice of the encoding;
// nil when absent) for projections.
type record struct {
	id    int64
	vals  []any
	frags [][]byte
	json  []byte
	// nameEN is the English "name" fragment of a built-in object (idle pool,
	// idle host, …), which the CMDB translates; nil otherwise.
	nameEN []byte
	order  uint64 // natural order: what the CMDB answers without page.sort
	src    any    // the Business, SetTemplate, Set, Module or Host
}

// newRecord encodes values (in k.keys order: int64, string, *string,
// absent{}) into a record. List values are comma-joined strings.
func newRecord(k *kind, id int64, src any, values []any) *record {
	r := &record{id: id, vals: make([]any, len(values)), frags: make([][]byte, len(values)), src: src,
		order: splitmix(uint64(id) ^ k.salt)}
	b := make([]byte, 0, 24*len(values))
	b = append(b, '{')
	spans := make([][2]int, len(values))
	for i, v := range values {
		if _, skip := v.(absent); skip {
			spans[i] = [2]int{-1, -1}
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		from := len(b)
		b = appendJSONString(b, k.keys[i])
		b = append(b, ':')
		switch x := v.(type) {
		case int64:
			b = strconv.AppendInt(b, x, 10)
			r.vals[i] = x
		case *string:
			if x == nil {
				b = append(b, "null"...)
				break
			}
			b = appendJSONString(b, *x)
			r.vals[i] = *x
		case string:
			b = appendJSONString(b, x)
			r.vals[i] = x
			if k.lists[i] {
				r.vals[i] = splitComma(x)
			}
		}
		spans[i] = [2]int{from, len(b)}
	}
	b = append(b, '}')
	r.json = b
	for i, sp := range spans {
		if sp[0] >= 0 {
			r.frags[i] = b[sp[0]:sp[1]:sp[1]]
		}
	}
	return r
}

// splitComma splits a comma-joined CMDB list; "" is the empty list.
func splitComma(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// splitmix is a 64-bit mixer (SplitMix64's finalizer): the natural order is
// a fixed shuffle of the ids, stable across requests and changes.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// builtinNames are the CMDB's built-in object names and their English
// translations (resources/language/en/inst.json), keyed by kind and default value.
var builtinNames = map[*kind]map[int64][2]string{
	bizKind:    {1: {"资源池", "resource pool"}},
	setKind:    {1: {"空闲机池", "idle pool"}},
	moduleKind: {1: {"空闲机", "idle host"}, 2: {"故障机", "fault host"}, 3: {"待回收", "recycle host"}},
}

// translate sets r.nameEN when the object keeps its built-in name.
func translate(k *kind, r *record, name string, def int64) {
	if pair, ok := builtinNames[k][def]; ok && pair[0] == name {
		b := appendJSONString(nil, k.nameKey)
		b = append(b, ':')
		r.nameEN = appendJSONString(b, pair[1])
	}
}

// appendRecord appends r, keeping only the keys selected (nil = all), with
// built-in names in English when en.
func appendRecord(b []byte, k *kind, r *record, sel []bool, en bool) []byte {
	translated := en && r.nameEN != nil
	if sel == nil && !translated {
		return append(b, r.json...)
	}
	nameIdx := -1
	if translated {
		nameIdx = k.index[k.nameKey]
	}
	b = append(b, '{')
	first := true
	for i, f := range r.frags {
		if f == nil || sel != nil && !sel[i] {
			continue
		}
		if i == nameIdx {
			f = r.nameEN
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f...)
	}
	return append(b, '}')
}

// projection turns a fields list into the keys selected, nil for all. Like
// the CMDB (a Mongo projection): empty names are skipped and a list of none
// returns everything; unknown names select nothing; built-in objects also
// get "default" for any non-empty list; hosts always get their id.
func projection(k *kind, fields []string) []bool {
	sel := make([]bool, len(k.keys))
	named := false
	for _, f := range fields {
		if f == "" {
			continue
		}
		named = true
		if i, ok := k.index[f]; ok {
			sel[i] = true
		}
	}
	if k.builtin && (len(fields) > 1 || len(fields) == 1 && fields[0] != "") {
		sel[k.index["default"]], named = true, true
	}
	if !named {
		return nil
	}
	if k == hostKind {
		sel[k.index[k.idKey]] = true
	}
	return sel
}
