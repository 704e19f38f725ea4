package provider

import (
	"cmp"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A record type describes how one CMDB record appears in Terraform: an object whose
// attributes are declared once, as fields, and from which both the schema and the
// state are made. Adding a data source is a record type, a schema for its arguments
// and a read.

// fieldKind is the Terraform type of a field.
type fieldKind uint8

const (
	kindInt        fieldKind = iota // number, an exact 64-bit integer
	kindString                      // string
	kindStringList                  // list(string), [] when empty
	kindStringMap                   // map(string), {} when empty
	kindBool                        // bool
	kindList                        // list of nested objects, [] when empty
)

// field is one attribute of a record of type T: exactly one of its getters is set, the
// one of its kind.
type field[T any] struct {
	name        string
	description string
	kind        fieldKind
	int         func(*T) int64
	str         func(*T) string
	strs        func(*T) []string
	strMap      func(*T) map[string]string
	boolean     func(*T) bool
	nested      nestedList[T]
}

func intField[T any](name, description string, get func(*T) int64) field[T] {
	return field[T]{name: name, description: description, kind: kindInt, int: get}
}

func stringField[T any](name, description string, get func(*T) string) field[T] {
	return field[T]{name: name, description: description, kind: kindString, str: get}
}

func stringListField[T any](name, description string, get func(*T) []string) field[T] {
	return field[T]{name: name, description: description, kind: kindStringList, strs: get}
}

func stringMapField[T any](name, description string, get func(*T) map[string]string) field[T] {
	return field[T]{name: name, description: description, kind: kindStringMap, strMap: get}
}

func boolField[T any](name, description string, get func(*T) bool) field[T] {
	return field[T]{name: name, description: description, kind: kindBool, boolean: get}
}

// listField is a list of nested records of type C, each an object of child's fields.
func listField[T, C any](name, description string, child *recordType[C], get func(*T) []C) field[T] {
	return field[T]{name: name, description: description, kind: kindList, nested: childList[T, C]{child: child, get: get}}
}

// nestedList is a field holding a list of records of another type: its schema, its
// state and its size, without the parent knowing the child's type.
type nestedList[T any] interface {
	attribute(description string) schema.Attribute
	write(w *stateWriter, rec *T)
	size(rec *T) int
}

type childList[T, C any] struct {
	child *recordType[C]
	get   func(*T) []C
}

func (c childList[T, C]) attribute(description string) schema.Attribute {
	return c.child.listAttribute(description)
}

func (c childList[T, C]) write(w *stateWriter, rec *T) {
	list := c.get(rec)
	w.arrayLen(len(list))
	for i := range list {
		c.child.write(w, &list[i])
	}
}

func (c childList[T, C]) size(rec *T) int {
	list := c.get(rec)
	n := 5
	for i := range list {
		n += c.child.size(&list[i])
	}
	return n
}

// recordType is the Terraform object of a record: its fields in sorted name order,
// the order the state is written in.
type recordType[T any] struct {
	fields []field[T]
}

func newRecordType[T any](fields ...field[T]) *recordType[T] {
	fields = slices.Clone(fields)
	slices.SortFunc(fields, func(a, b field[T]) int { return cmp.Compare(a.name, b.name) })
	return &recordType[T]{fields: fields}
}

// attributes are the record's fields as computed schema attributes.
func (r *recordType[T]) attributes() map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(r.fields))
	for _, f := range r.fields {
		switch f.kind {
		case kindInt:
			attrs[f.name] = schema.Int64Attribute{Computed: true, MarkdownDescription: f.description}
		case kindString:
			attrs[f.name] = schema.StringAttribute{Computed: true, MarkdownDescription: f.description}
		case kindStringList:
			attrs[f.name] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: f.description}
		case kindStringMap:
			attrs[f.name] = schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: f.description}
		case kindBool:
			attrs[f.name] = schema.BoolAttribute{Computed: true, MarkdownDescription: f.description}
		case kindList:
			attrs[f.name] = f.nested.attribute(f.description)
		}
	}
	return attrs
}

// listAttribute is a computed list of the records, for a list data source.
func (r *recordType[T]) listAttribute(description string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: description,
		NestedObject:        schema.NestedAttributeObject{Attributes: r.attributes()},
	}
}

// write writes one record as an object.
func (r *recordType[T]) write(w *stateWriter, rec *T) {
	w.mapLen(len(r.fields))
	for i := range r.fields {
		w.str(r.fields[i].name)
		r.fields[i].write(w, rec)
	}
}

// write writes the field's value of rec.
func (f *field[T]) write(w *stateWriter, rec *T) {
	switch f.kind {
	case kindInt:
		w.int(f.int(rec))
	case kindString:
		w.str(f.str(rec))
	case kindStringList:
		w.strings(f.strs(rec))
	case kindStringMap:
		w.stringMap(f.strMap(rec))
	case kindBool:
		w.bool(f.boolean(rec))
	case kindList:
		f.nested.write(w, rec)
	}
}

// size is at least the bytes write takes for rec.
func (r *recordType[T]) size(rec *T) int {
	n := 5
	for i := range r.fields {
		f := &r.fields[i]
		n += 5 + len(f.name)
		switch f.kind {
		case kindInt:
			n += 9
		case kindString:
			n += 5 + len(f.str(rec))
		case kindStringList:
			n += 5
			for _, s := range f.strs(rec) {
				n += 5 + len(s)
			}
		case kindStringMap:
			n += 5
			for k, v := range f.strMap(rec) {
				n += 10 + len(k) + len(v)
			}
		case kindBool:
			n++
		case kindList:
			n += f.nested.size(rec)
		}
	}
	return n
}

// list is a computed attribute holding records as a list of objects, [] when empty.
func (r *recordType[T]) list(name string, records []T) stateAttr {
	size := 5
	for i := range records {
		size += r.size(&records[i])
	}
	return stateAttr{name: name, size: size, write: func(w *stateWriter) {
		w.arrayLen(len(records))
		for i := range records {
			r.write(w, &records[i])
		}
	}}
}

// attrs are the fields of one record as top-level computed attributes, for a lookup
// data source whose state is the record itself.
func (r *recordType[T]) attrs(rec *T) []stateAttr {
	out := make([]stateAttr, len(r.fields))
	for i := range r.fields {
		f := &r.fields[i]
		out[i] = stateAttr{name: f.name, size: r.size(rec), write: func(w *stateWriter) { f.write(w, rec) }}
	}
	return out
}

// withArguments is the record's attributes with the data source's arguments, which
// replace the computed attribute of the same name (an argument that is also set from
// the record is Optional and Computed).
func withArguments(computed, args map[string]schema.Attribute) map[string]schema.Attribute {
	maps.Copy(computed, args)
	return computed
}
