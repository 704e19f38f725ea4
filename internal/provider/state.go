package provider

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
)

// The state of every data source is written straight from the client's records as the
// msgpack that terraform decodes (the wire form of a DynamicValue), through one
// encoder: no reflection and no tree of Terraform values for the records, which is what
// a list of 100,000 objects would otherwise cost (tens of allocations per attribute;
// see BENCHMARKS.md). Arguments are copied from the configuration value as they are.
//
// The bytes are those terraform-plugin-go writes for the same value (TestStateMsgPack
// compares them for every data source): objects as maps with their keys in sorted
// order, numbers as the shortest msgpack integer (exact 64-bit ids), a float64 or the
// decimal text otherwise, null as nil. Map keys are sorted too, as cty writes them.

// stateWriter writes one state. A bytes.Buffer never fails, so the encoder's errors
// cannot happen; the first one is kept anyway.
type stateWriter struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
	err error
}

func newStateWriter(sizeHint int) *stateWriter {
	w := &stateWriter{}
	w.buf.Grow(sizeHint)
	w.enc = msgpack.NewEncoder(&w.buf)
	return w
}

func (w *stateWriter) check(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *stateWriter) mapLen(n int)    { w.check(w.enc.EncodeMapLen(n)) }
func (w *stateWriter) arrayLen(n int)  { w.check(w.enc.EncodeArrayLen(n)) }
func (w *stateWriter) str(s string)    { w.check(w.enc.EncodeString(s)) }
func (w *stateWriter) int(n int64)     { w.check(w.enc.EncodeInt(n)) }
func (w *stateWriter) null()           { w.check(w.enc.EncodeNil()) }
func (w *stateWriter) bool(b bool)     { w.check(w.enc.EncodeBool(b)) }
func (w *stateWriter) float(f float64) { w.check(w.enc.EncodeFloat64(f)) }

// strings writes a list(string); nil is the empty list.
func (w *stateWriter) strings(list []string) {
	w.arrayLen(len(list))
	for _, s := range list {
		w.str(s)
	}
}

// stringMap writes a map(string), keys sorted; nil is the empty map.
func (w *stateWriter) stringMap(m map[string]string) {
	w.mapLen(len(m))
	if len(m) == 1 {
		for k, v := range m {
			w.str(k)
			w.str(v)
		}
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.str(k)
		w.str(m[k])
	}
}

// value writes a known Terraform value of any type but dynamic, as terraform-plugin-go
// does.
func (w *stateWriter) value(v tftypes.Value) error {
	if !v.IsKnown() {
		return fmt.Errorf("value of type %s is not known", v.Type())
	}
	if v.IsNull() {
		w.null()
		return nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		if err := v.As(&s); err != nil {
			return err
		}
		w.str(s)
	case typ.Is(tftypes.Number):
		var f big.Float
		if err := v.As(&f); err != nil {
			return err
		}
		w.number(&f)
	case typ.Is(tftypes.Bool):
		var b bool
		if err := v.As(&b); err != nil {
			return err
		}
		w.bool(b)
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}), typ.Is(tftypes.Tuple{}):
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return err
		}
		w.arrayLen(len(elems))
		for _, e := range elems {
			if err := w.value(e); err != nil {
				return err
			}
		}
	case typ.Is(tftypes.Map{}), typ.Is(tftypes.Object{}):
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return err
		}
		keys := make([]string, 0, len(elems))
		for k := range elems {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.mapLen(len(keys))
		for _, k := range keys {
			w.str(k)
			if err := w.value(elems[k]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cannot write a value of type %s", typ)
	}
	return nil
}

// number writes n as terraform-plugin-go does: an exact int64 as an integer, else an
// exact float64, else its decimal text.
func (w *stateWriter) number(n *big.Float) {
	switch {
	case n.IsInf():
		w.float(math.Inf(n.Sign()))
	case isExactInt64(n):
		i, _ := n.Int64()
		w.int(i)
	default:
		if f, acc := n.Float64(); acc == big.Exact && !n.IsInt() {
			w.float(f)
			return
		}
		w.str(n.Text('f', -1))
	}
}

func isExactInt64(n *big.Float) bool {
	_, acc := n.Int64()
	return acc == big.Exact
}

// stateAttr is one computed attribute of a state: its name and how to write its value.
type stateAttr struct {
	name  string
	size  int // bytes it will take, roughly; to size the buffer once
	write func(*stateWriter)
}

// intAttr is a computed number attribute.
func intAttr(name string, n int64) stateAttr { //nolint:unparam // a computed attribute of any name; "total" is the only one today
	return stateAttr{name: name, size: 9, write: func(w *stateWriter) { w.int(n) }}
}

// encodeState writes the state of an object type: each attribute from computed when it
// is there, else the configuration's value, else null.
func encodeState(typ tftypes.Object, config map[string]tftypes.Value, computed []stateAttr) ([]byte, error) {
	names := make([]string, 0, len(typ.AttributeTypes))
	for name := range typ.AttributeTypes {
		names = append(names, name)
	}
	slices.Sort(names)
	byName := make(map[string]*stateAttr, len(computed))
	size := 64
	for i := range computed {
		a := &computed[i]
		if _, ok := typ.AttributeTypes[a.name]; !ok {
			return nil, fmt.Errorf("attribute %q is not in the schema", a.name)
		}
		byName[a.name] = a
		size += len(a.name) + a.size
	}
	w := newStateWriter(size)
	w.mapLen(len(names))
	for _, name := range names {
		w.str(name)
		if a, ok := byName[name]; ok {
			a.write(w)
			continue
		}
		v, ok := config[name]
		if !ok {
			w.null()
			continue
		}
		if err := w.value(v); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}
