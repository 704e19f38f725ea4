package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type testPort struct {
	Port    int64
	Enabled bool
}

type testProcess struct {
	ID    int64
	Name  string
	Ports []testPort
}

type testInstance struct {
	ID        int64
	Ready     bool
	Processes []testProcess
}

var (
	testPortRecord = newRecordType(
		intField("port", "Port.", func(r *testPort) int64 { return r.Port }),
		boolField("enabled", "Enabled.", func(r *testPort) bool { return r.Enabled }),
	)
	testProcessRecord = newRecordType(
		intField("id", "ID.", func(r *testProcess) int64 { return r.ID }),
		stringField("name", "Name.", func(r *testProcess) string { return r.Name }),
		listField("ports", "Ports.", testPortRecord, func(r *testProcess) []testPort { return r.Ports }),
	)
	testInstanceRecord = newRecordType(
		intField("id", "ID.", func(r *testInstance) int64 { return r.ID }),
		boolField("ready", "Ready.", func(r *testInstance) bool { return r.Ready }),
		listField("processes", "Processes.", testProcessRecord, func(r *testInstance) []testProcess { return r.Processes }),
	)
)

// TestRecordNestedLists: bool fields and lists of nested records, two levels deep, are
// written as the schema's type says, a nil list as [] (never null), and the size bound
// holds.
func TestRecordNestedLists(t *testing.T) {
	instances := []testInstance{
		{ID: 1, Ready: true, Processes: []testProcess{
			{ID: 10, Name: "nginx", Ports: []testPort{{Port: 80, Enabled: true}, {Port: 443}}},
			{ID: 11, Name: "agent"}, // nil ports: []
		}},
		{ID: 2}, // nil processes: []
	}
	attr := testInstanceRecord.listAttribute("Instances.")
	typ, ok := attr.GetType().TerraformType(context.Background()).(tftypes.List)
	if !ok {
		t.Fatalf("the list attribute's type is %T", attr.GetType())
	}
	state := testInstanceRecord.list("instances", instances)
	w := newStateWriter(state.size)
	state.write(w)
	if w.err != nil {
		t.Fatal(w.err)
	}
	if got := w.buf.Len(); got > state.size {
		t.Errorf("wrote %d bytes, more than the size bound %d", got, state.size)
	}
	got, err := (&tfprotov6.DynamicValue{MsgPack: w.buf.Bytes()}).Unmarshal(typ)
	if err != nil {
		t.Fatalf("the state does not decode as %s: %v", typ, err)
	}
	want := referenceList(testInstanceRecord, typ, instances)
	if !got.Equal(want) {
		t.Fatalf("state\n got %s\nwant %s", got, want)
	}

	// The obvious value, written out: nil lists are empty lists, not null.
	var second map[string]tftypes.Value
	var list []tftypes.Value
	if err := got.As(&list); err != nil || len(list) != 2 {
		t.Fatalf("want 2 instances, got %v (%v)", list, err)
	}
	if err := list[1].As(&second); err != nil {
		t.Fatal(err)
	}
	if p := second["processes"]; p.IsNull() || !p.IsKnown() {
		t.Errorf("nil processes are %s, want []", p)
	}
	var procs []tftypes.Value
	_ = second["processes"].As(&procs)
	if len(procs) != 0 {
		t.Errorf("nil processes are %d elements, want 0", len(procs))
	}
	var first map[string]tftypes.Value
	_ = list[0].As(&first)
	var ready bool
	_ = first["ready"].As(&ready)
	if !ready {
		t.Errorf("ready = false, want true")
	}
}

// TestReadWarningsKeepState: a read's warnings reach the CLI with the state, on the
// direct protocol path; an error among them drops the state.
func TestReadWarningsKeepState(t *testing.T) {
	for _, withError := range []bool{false, true} {
		spec := newSpec(dataSourceSpec{
			name: "warning_test",
			schema: func() schema.Schema {
				return schema.Schema{Attributes: map[string]schema.Attribute{
					"total": schema.Int64Attribute{Computed: true},
				}}
			},
			read: func(context.Context, *providerData, *arguments) ([]stateAttr, diag.Diagnostics) {
				diags := diag.Diagnostics{diag.NewWarningDiagnostic("Some rows were left out", "detail")}
				if withError {
					diags.AddError("Cannot read", "detail")
				}
				return []stateAttr{intAttr("total", 3)}, diags
			},
		})
		typ, err := spec.stateType()
		if err != nil {
			t.Fatal(err)
		}
		config := tftypes.NewValue(typ, map[string]tftypes.Value{"total": tftypes.NewValue(tftypes.Number, nil)})
		state, diags := spec.readState(context.Background(), &providerData{}, config)
		if len(diags) != 1+btoi(withError) || diags[0].Severity() != diag.SeverityWarning {
			t.Fatalf("withError=%v: diagnostics %v, want the warning first", withError, diags)
		}
		if withError != (state == nil) {
			t.Fatalf("withError=%v: state %v", withError, state)
		}
		if !withError {
			got, err := (&tfprotov6.DynamicValue{MsgPack: state}).Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			var values map[string]tftypes.Value
			_ = got.As(&values)
			if !values["total"].Equal(tftypes.NewValue(tftypes.Number, 3)) {
				t.Errorf("total = %s, want 3", values["total"])
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
