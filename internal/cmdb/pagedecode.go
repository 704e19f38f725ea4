package cmdb

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a decoder specialised for the list_service_instance_by_set_template
// envelope. It follows encoding/json's semantics for this shape (exact int64s, null
// leaves a field alone, keys matched case-insensitively as a fallback, invalid UTF-8
// replaced, the first type error reported after the whole input was checked) but
// decodes the records straight into the caller's slice in one pass, and stores all
// the strings of a page in one allocation. FuzzDecodeEnvelope checks it against
// encoding/json.

// errTruncated marks input that ends before its top-level value does: a body cut off.
var errTruncated = fmt.Errorf("unexpected end of JSON input: %w", io.ErrUnexpectedEOF)

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// syntaxError is input that is not JSON.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg)
}

// typeError is a JSON value of the wrong type for its field.
type typeError struct {
	field, got, want string
}

func (e *typeError) Error() string {
	return fmt.Sprintf("field %s is a JSON %s, want %s", e.field, e.got, e.want)
}

// infoState tells what data.info held.
type infoState uint8

const (
	infoMissing infoState = iota
	infoNull
	infoArray
)

// decodedEnvelope is what decodeEnvelope found; nil pointers mean absent or null.
type decodedEnvelope struct {
	Result      *bool
	Code        *int64
	Message     *string
	BkErrorCode *int64
	BkErrorMsg  *string
	Permission  json.RawMessage
	RequestID   string
	Count       *int64
	Info        []ServiceInstance
	InfoState   infoState
}

// String field ids of a record, stored through the page's string arena.
const (
	fName uint8 = iota
	fCreator
	fModifier
	fCreateTime
	fLastTime
	fSupplierAccount
)

type strFix struct {
	rec      int
	field    uint8
	off, end int
}

// labelOp is one change to a record's labels, replayed once the arena is a string.
type labelOp struct {
	rec                    int
	kind                   uint8 // labelsNull, labelsObject (n = its entries) or labelsPut
	n                      int
	koff, kend, voff, vend int
}

const (
	labelsNull uint8 = iota
	labelsObject
	labelsPut
)

// pageDecoder decodes one body; reuse it through decoderPool.
type pageDecoder struct {
	data    []byte
	pos     int
	typeErr error
	arena   []byte
	fixes   []strFix
	labels  []labelOp
	scratch []byte
}

// decodeEnvelope decodes body, placing records into dst's backing array.
func (d *pageDecoder) decodeEnvelope(body []byte, dst []ServiceInstance) (env decodedEnvelope, err error) {
	d.data, d.pos, d.typeErr = body, 0, nil
	d.arena, d.fixes, d.labels = d.arena[:0], d.fixes[:0], d.labels[:0]
	env.Info = dst[:0]
	defer func() { d.data = nil }()

	d.skipSpace()
	if d.pos >= len(d.data) {
		return env, errTruncated
	}
	switch d.data[d.pos] {
	case '{':
		err = d.envelopeObject(&env)
	case 'n':
		err = d.literal("null")
	default:
		err = d.wrongType("(top level)", "object", 0)
	}
	if err != nil {
		return env, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return env, d.syntaxErr("invalid character after top-level value")
	}
	if d.typeErr != nil {
		return env, d.typeErr
	}
	d.finishStrings(env.Info)
	return env, nil
}

// finishStrings makes one string of the arena and points the record fields and
// labels into it.
func (d *pageDecoder) finishStrings(items []ServiceInstance) {
	if len(d.fixes) == 0 && len(d.labels) == 0 {
		return
	}
	all := string(d.arena)
	for _, op := range d.labels {
		if op.rec >= len(items) {
			continue
		}
		m := &items[op.rec].Labels
		switch op.kind {
		case labelsNull:
			*m = nil
		case labelsObject:
			if *m == nil {
				*m = make(map[string]string, op.n)
			}
		case labelsPut:
			(*m)[all[op.koff:op.kend]] = all[op.voff:op.vend]
		}
	}
	for _, f := range d.fixes {
		if f.rec >= len(items) {
			continue
		}
		in := &items[f.rec]
		s := all[f.off:f.end]
		switch f.field {
		case fName:
			in.Name = s
		case fCreator:
			in.Creator = s
		case fModifier:
			in.Modifier = s
		case fCreateTime:
			in.CreateTime = s
		case fLastTime:
			in.LastTime = s
		case fSupplierAccount:
			in.SupplierAccount = s
		}
	}
}

func (d *pageDecoder) envelopeObject(env *decodedEnvelope) error {
	return d.object(1, func(key []byte) error {
		switch canonKey(key, envelopeKeys) {
		case "result":
			return d.boolPtr(&env.Result, "result")
		case "code":
			return d.intPtr(&env.Code, "code")
		case "message":
			return d.stringPtr(&env.Message, "message")
		case "bk_error_code":
			return d.intPtr(&env.BkErrorCode, "bk_error_code")
		case "bk_error_msg":
			return d.stringPtr(&env.BkErrorMsg, "bk_error_msg")
		case "permission":
			start := d.pos
			if err := d.skipValue(1); err != nil {
				return err
			}
			env.Permission = append(env.Permission[:0:0], d.data[start:d.pos]...)
			return nil
		case "request_id":
			return d.plainString(&env.RequestID, "request_id")
		case "data":
			return d.dataValue(env)
		}
		return d.skipValue(1)
	})
}

func (d *pageDecoder) dataValue(env *decodedEnvelope) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.wrongType("data", "object", 1)
	}
	return d.object(2, func(key []byte) error {
		switch canonKey(key, dataKeys) {
		case "count":
			return d.intPtr(&env.Count, "data.count")
		case "info":
			return d.infoValue(env)
		}
		return d.skipValue(2)
	})
}

func (d *pageDecoder) infoValue(env *decodedEnvelope) error {
	switch d.peek() {
	case 'n':
		env.Info, env.InfoState = nil, infoNull
		d.dropFixes(0)
		return d.literal("null")
	case '[':
	default:
		return d.wrongType("data.info", "array", 2)
	}
	env.InfoState = infoArray
	d.pos++ // '['
	items := env.Info[:0]
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		env.Info = []ServiceInstance{}
		d.dropFixes(0)
		return nil
	}
	for i := 0; ; i++ {
		if i < cap(items) {
			items = items[:i+1]
		} else {
			items = append(items, ServiceInstance{})
		}
		if err := d.recordValue(items, i); err != nil {
			env.Info = items
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			env.Info = items
			d.dropFixes(len(items))
			return nil
		default:
			return d.syntaxErr("invalid character after array element")
		}
	}
}

// dropFixes forgets string fixes and label changes of records at or past n (a
// later, shorter "info"); the replay skips them too, this keeps the lists short.
func (d *pageDecoder) dropFixes(n int) {
	out := d.fixes[:0]
	for _, f := range d.fixes {
		if f.rec < n {
			out = append(out, f)
		}
	}
	d.fixes = out
	ops := d.labels[:0]
	for _, op := range d.labels {
		if op.rec < n {
			ops = append(ops, op)
		}
	}
	d.labels = ops
}

func (d *pageDecoder) recordValue(items []ServiceInstance, i int) error {
	d.skipSpace()
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.wrongType("data.info", "object", 3)
	}
	in := &items[i]
	return d.object(4, func(key []byte) error {
		switch canonKey(key, recordKeys) {
		case "id":
			return d.intField(&in.ID, "data.info.id")
		case "name":
			return d.arenaString(i, fName, "data.info.name")
		case "bk_biz_id":
			return d.intField(&in.BizID, "data.info.bk_biz_id")
		case "bk_module_id":
			return d.intField(&in.ModuleID, "data.info.bk_module_id")
		case "bk_host_id":
			return d.intField(&in.HostID, "data.info.bk_host_id")
		case "service_template_id":
			return d.intField(&in.ServiceTemplateID, "data.info.service_template_id")
		case "labels":
			return d.labelsValue(i)
		case "creator":
			return d.arenaString(i, fCreator, "data.info.creator")
		case "modifier":
			return d.arenaString(i, fModifier, "data.info.modifier")
		case "create_time":
			return d.arenaString(i, fCreateTime, "data.info.create_time")
		case "last_time":
			return d.arenaString(i, fLastTime, "data.info.last_time")
		case "bk_supplier_account":
			return d.arenaString(i, fSupplierAccount, "data.info.bk_supplier_account")
		}
		return d.skipValue(4)
	})
}

func (d *pageDecoder) labelsValue(rec int) error {
	switch d.peek() {
	case 'n':
		d.labels = append(d.labels, labelOp{rec: rec, kind: labelsNull})
		return d.literal("null")
	case '{':
	default:
		return d.wrongType("data.info.labels", "object", 4)
	}
	obj := len(d.labels)
	d.labels = append(d.labels, labelOp{rec: rec, kind: labelsObject})
	return d.object(5, func(key []byte) error {
		op := labelOp{rec: rec, kind: labelsPut, koff: len(d.arena)}
		d.arena = append(d.arena, key...)
		op.kend = len(d.arena)
		op.voff, op.vend = op.kend, op.kend
		switch d.peek() {
		case '"':
			s, err := d.stringValue()
			if err != nil {
				return err
			}
			d.arena = append(d.arena, s...)
			op.vend = len(d.arena)
		case 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		default:
			return d.wrongType("data.info.labels", "string", 5)
		}
		d.labels = append(d.labels, op)
		d.labels[obj].n++
		return nil
	})
}

// Keys of each object, for canonKey.
var (
	envelopeKeys = []string{"result", "code", "message", "bk_error_code", "bk_error_msg", "permission", "request_id", "data"}
	dataKeys     = []string{"count", "info"}
	recordKeys   = []string{"id", "name", "bk_biz_id", "bk_module_id", "bk_host_id", "service_template_id", "labels",
		"creator", "modifier", "create_time", "last_time", "bk_supplier_account"}
)

// canonKey returns the name in names that key matches exactly, else
// case-insensitively as encoding/json does, else "".
func canonKey(key []byte, names []string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	for _, n := range names {
		if len(key) >= len(n) && strings.EqualFold(string(key), n) {
			return n
		}
	}
	return ""
}

// object reads an object, calling field for each key with d.pos at its value.
// The key slice is only valid during the call.
func (d *pageDecoder) object(depth int, field func(key []byte) error) error {
	if depth > maxDepth {
		return d.syntaxErr("exceeded max depth")
	}
	d.pos++ // '{'
	d.skipSpace()
	if d.pos >= len(d.data) {
		return errTruncated
	}
	if d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		if d.data[d.pos] != '"' {
			return d.syntaxErr("looking for beginning of object key string")
		}
		key, err := d.stringValue()
		if err != nil {
			return err
		}
		key = append(d.scratch[:0], key...)
		d.scratch = key
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		if d.data[d.pos] != ':' {
			return d.syntaxErr("after object key")
		}
		d.pos++
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		if err := field(key); err != nil {
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.syntaxErr("after object key:value pair")
		}
	}
}

func (d *pageDecoder) peek() byte {
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *pageDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

func (d *pageDecoder) syntaxErr(msg string) error {
	return &syntaxError{msg: msg, off: d.pos}
}

func (d *pageDecoder) setTypeErr(field, got, want string) {
	if d.typeErr == nil {
		d.typeErr = &typeError{field: field, got: got, want: want}
	}
}

// wrongType records a type error for the value at d.pos and skips it.
func (d *pageDecoder) wrongType(field, want string, depth int) error {
	got := d.kindAt(d.pos)
	if err := d.skipValue(depth); err != nil {
		return err
	}
	d.setTypeErr(field, got, want)
	return nil
}

func (d *pageDecoder) kindAt(pos int) string {
	if pos >= len(d.data) {
		return "value"
	}
	switch d.data[pos] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func (d *pageDecoder) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.data) {
			return errTruncated
		}
		if d.data[d.pos] != lit[i] {
			return d.syntaxErr("in literal " + lit)
		}
		d.pos++
	}
	return nil
}

func (d *pageDecoder) boolPtr(p **bool, field string) error {
	switch d.peek() {
	case 't', 'f':
		v := d.data[d.pos] == 't'
		lit := "false"
		if v {
			lit = "true"
		}
		if err := d.literal(lit); err != nil {
			return err
		}
		*p = &v
		return nil
	case 'n':
		*p = nil
		return d.literal("null")
	}
	return d.wrongType(field, "bool", 1)
}

func (d *pageDecoder) intPtr(p **int64, field string) error {
	if d.peek() == 'n' {
		*p = nil
		return d.literal("null")
	}
	var v int64
	isNum, err := d.intValue(&v, field)
	if err != nil || !isNum {
		return err
	}
	*p = &v
	return nil
}

func (d *pageDecoder) intField(p *int64, field string) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	_, err := d.intValue(p, field)
	return err
}

// intValue reads a number into *p when it is an exact int64; it reports whether
// the value was a number at all (a type error is recorded otherwise).
func (d *pageDecoder) intValue(p *int64, field string) (bool, error) {
	c := d.peek()
	if c != '-' && (c < '0' || c > '9') {
		return false, d.wrongType(field, "int64", 1)
	}
	start := d.pos
	if err := d.number(); err != nil {
		return false, err
	}
	lit := d.data[start:d.pos]
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		// Like encoding/json, a number that is no int64 is a type error, reported
		// once the whole body has been checked; decoding goes on.
		d.setTypeErr(field, "number "+string(lit), "int64")
		return true, nil //nolint:nilerr // recorded by setTypeErr above

	}
	*p = n
	return true, nil
}

// number checks and skips a JSON number.
func (d *pageDecoder) number() error {
	data, i := d.data, d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i >= len(data) {
		d.pos = i
		return errTruncated
	}
	switch {
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return d.syntaxErr("in numeric literal")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) {
			d.pos = i
			return errTruncated
		}
		if data[i] < '0' || data[i] > '9' {
			d.pos = i
			return d.syntaxErr("after decimal point in numeric literal")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			d.pos = i
			return errTruncated
		}
		if data[i] < '0' || data[i] > '9' {
			d.pos = i
			return d.syntaxErr("in exponent of numeric literal")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return nil
}

func (d *pageDecoder) stringPtr(p **string, field string) error {
	switch d.peek() {
	case '"':
		s, err := d.stringValue()
		if err != nil {
			return err
		}
		v := string(s)
		*p = &v
		return nil
	case 'n':
		*p = nil
		return d.literal("null")
	}
	return d.wrongType(field, "string", 1)
}

func (d *pageDecoder) plainString(p *string, field string) error {
	switch d.peek() {
	case '"':
		s, err := d.stringValue()
		if err != nil {
			return err
		}
		*p = string(s)
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.wrongType(field, "string", 1)
}

// arenaString reads a string into the page arena, to be set on record rec.
func (d *pageDecoder) arenaString(rec int, field uint8, name string) error {
	switch d.peek() {
	case '"':
		s, err := d.stringValue()
		if err != nil {
			return err
		}
		off := len(d.arena)
		d.arena = append(d.arena, s...)
		d.fixes = append(d.fixes, strFix{rec: rec, field: field, off: off, end: len(d.arena)})
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.wrongType(name, "string", 4)
}

// stringValue reads a string at d.pos and returns its contents, valid until the
// next call: a slice of the input when it has no escapes and is valid UTF-8.
func (d *pageDecoder) stringValue() ([]byte, error) {
	data := d.data
	i := d.pos + 1
	start := i
	for i < len(data) {
		c := data[i]
		if c == '"' {
			d.pos = i + 1
			return data[start:i], nil
		}
		if c == '\\' || c >= utf8.RuneSelf {
			break
		}
		if c < 0x20 {
			d.pos = i
			return nil, d.syntaxErr("in string literal")
		}
		i++
	}
	if i >= len(data) {
		d.pos = i
		return nil, errTruncated
	}
	// Slow path: escapes or non-ASCII.
	out := append(d.scratch[len(d.scratch):len(d.scratch)], data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return out, nil
		case c < 0x20:
			d.pos = i
			return nil, d.syntaxErr("in string literal")
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = i + 1
				return nil, errTruncated
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out, i = append(out, '\b'), i+2
			case 'f':
				out, i = append(out, '\f'), i+2
			case 'n':
				out, i = append(out, '\n'), i+2
			case 'r':
				out, i = append(out, '\r'), i+2
			case 't':
				out, i = append(out, '\t'), i+2
			case 'u':
				r, n, err := d.unicodeEscape(i)
				if err != nil {
					return nil, err
				}
				out = utf8.AppendRune(out, r)
				i += n
			default:
				d.pos = i + 1
				return nil, d.syntaxErr("in string escape code")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError) // as encoding/json does
			} else {
				out = append(out, data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = i
	return nil, errTruncated
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at data[i].
func (d *pageDecoder) unicodeEscape(i int) (rune, int, error) {
	r, err := d.hex4(i + 2)
	if err != nil {
		return 0, 0, err
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, nil
	}
	// A high surrogate must be followed by \uDC00-\uDFFF to form one rune.
	if i+7 < len(d.data) && d.data[i+6] == '\\' && d.data[i+7] == 'u' {
		r2, err := d.hex4(i + 8)
		if err != nil {
			return 0, 0, err
		}
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return dec, 12, nil
		}
	}
	return utf8.RuneError, 6, nil
}

func (d *pageDecoder) hex4(i int) (rune, error) {
	var r rune
	for k := 0; k < 4; k++ {
		if i+k >= len(d.data) {
			d.pos = len(d.data)
			return 0, errTruncated
		}
		c := d.data[i+k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			d.pos = i + k
			return 0, d.syntaxErr("in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// skipValue checks and skips any JSON value.
func (d *pageDecoder) skipValue(depth int) error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return errTruncated
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth+1, func([]byte) error { return d.skipValue(depth + 1) })
	case c == '[':
		if depth+1 > maxDepth {
			return d.syntaxErr("exceeded max depth")
		}
		d.pos++
		d.skipSpace()
		if d.pos >= len(d.data) {
			return errTruncated
		}
		if d.data[d.pos] == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skipValue(depth + 1); err != nil {
				return err
			}
			d.skipSpace()
			if d.pos >= len(d.data) {
				return errTruncated
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return nil
			default:
				return d.syntaxErr("after array element")
			}
		}
	case c == '"':
		_, err := d.stringValue()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return d.syntaxErr("looking for beginning of value")
}
