package provider

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// dataSourceSpec declares one data source: its schema and its read. Every data source
// of the provider is one spec served by one implementation (dataSource for the
// framework, server for the fast protocol read), so both read paths share the read and
// the state encoding.
type dataSourceSpec struct {
	// name is the type name without the provider prefix, e.g. "service_instances".
	name   string
	schema func() schema.Schema
	// validators are checks across arguments (exactly one of, ...), run at plan time.
	validators func() []datasource.ConfigValidator
	// read reads CMDB for a configuration whose values are all known and returns the
	// computed attributes of the state, with any warnings; arguments are copied into the
	// state as they are. With an error among the diagnostics the attributes are ignored.
	read func(ctx context.Context, data *providerData, args *arguments) ([]stateAttr, diag.Diagnostics)

	stateType func() (tftypes.Object, error) // derived once from the schema
}

// newSpec fills the derived parts of a spec.
func newSpec(s dataSourceSpec) *dataSourceSpec {
	s.stateType = sync.OnceValues(func() (tftypes.Object, error) {
		t, ok := s.schema().Type().TerraformType(context.Background()).(tftypes.Object)
		if !ok {
			return tftypes.Object{}, fmt.Errorf("the schema of %s is not an object", s.name)
		}
		return t, nil
	})
	return &s
}

// typeName is the full type name, e.g. "bkcmdb_service_instances".
func (s *dataSourceSpec) typeName() string { return TypeName + "_" + s.name }

// readState reads the data source for config and returns its state as msgpack, with the
// read's warnings; the state is nil when the diagnostics hold an error.
func (s *dataSourceSpec) readState(ctx context.Context, data *providerData, config tftypes.Value) ([]byte, diag.Diagnostics) {
	typ, err := s.stateType()
	if err != nil {
		return nil, diag.Diagnostics{bugDiagnostic(s, err)}
	}
	var values map[string]tftypes.Value
	if err := config.As(&values); err != nil {
		return nil, diag.Diagnostics{bugDiagnostic(s, err)}
	}
	args := &arguments{values: values}
	ctx = data.logContext(ctx)
	ctx = tflog.SetField(ctx, "data_source", s.typeName())
	for _, name := range sortedKeys(values) {
		if v := values[name]; !v.IsNull() && (v.Type().Is(tftypes.Number) || v.Type().Is(tftypes.String)) {
			ctx = tflog.SetField(ctx, name, v.String())
		}
	}
	computed, diags := s.read(ctx, data, args)
	if diags.HasError() {
		return nil, diags
	}
	if err := args.err; err != nil {
		return nil, append(diags, bugDiagnostic(s, err))
	}
	state, err := encodeState(typ, values, computed)
	if err != nil {
		return nil, append(diags, bugDiagnostic(s, err))
	}
	return state, diags
}

func bugDiagnostic(s *dataSourceSpec, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Cannot build the "+s.typeName()+" state",
		"This is a bug in the provider; please report it: "+err.Error())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// arguments reads the configuration of a data source. Values are known (the fast path
// and the framework both check); a value of an unexpected shape, which schema
// validation makes impossible, is kept as err.
type arguments struct {
	values map[string]tftypes.Value
	err    error
}

func (a *arguments) fail(name string, err error) {
	if a.err == nil {
		a.err = fmt.Errorf("argument %s: %w", name, err)
	}
}

// has reports whether the argument is set (not null).
func (a *arguments) has(name string) bool {
	v, ok := a.values[name]
	return ok && !v.IsNull()
}

// int64 is a number argument; 0 when null.
func (a *arguments) int64(name string) int64 {
	if !a.has(name) {
		return 0
	}
	n, err := exactInt64(a.values[name])
	if err != nil {
		a.fail(name, err)
	}
	return n
}

// int64s is a list(number) argument; nil when null.
func (a *arguments) int64s(name string) []int64 {
	if !a.has(name) {
		return nil
	}
	var elems []tftypes.Value
	if err := a.values[name].As(&elems); err != nil {
		a.fail(name, err)
		return nil
	}
	out := make([]int64, len(elems))
	for i, e := range elems {
		n, err := exactInt64(e)
		if err != nil {
			a.fail(name, err)
		}
		out[i] = n
	}
	return out
}

// bool is a bool argument; false when null (the default of every optional bool).
func (a *arguments) bool(name string) bool {
	if !a.has(name) {
		return false
	}
	var b bool
	if err := a.values[name].As(&b); err != nil {
		a.fail(name, err)
	}
	return b
}

// strings is a list(string) argument; nil when null, empty (not nil) when [].
func (a *arguments) strings(name string) []string {
	if !a.has(name) {
		return nil
	}
	var elems []tftypes.Value
	if err := a.values[name].As(&elems); err != nil {
		a.fail(name, err)
		return nil
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if err := e.As(&out[i]); err != nil {
			a.fail(name, err)
		}
	}
	return out
}

// string is a string argument; "" when null.
func (a *arguments) string(name string) string {
	if !a.has(name) {
		return ""
	}
	var s string
	if err := a.values[name].As(&s); err != nil {
		a.fail(name, err)
	}
	return s
}

// stringMap is a map(string) argument; nil when null.
func (a *arguments) stringMap(name string) map[string]string {
	if !a.has(name) {
		return nil
	}
	var elems map[string]tftypes.Value
	if err := a.values[name].As(&elems); err != nil {
		a.fail(name, err)
		return nil
	}
	out := make(map[string]string, len(elems))
	for k, e := range elems {
		var s string
		if err := e.As(&s); err != nil {
			a.fail(name, err)
		}
		out[k] = s
	}
	return out
}

// idFilter is a list(number) argument as a set of ids: nil when the argument is null
// (no filter), empty when it is [] (nothing matches).
func (a *arguments) idFilter(name string) idFilter {
	if !a.has(name) {
		return nil
	}
	ids := a.int64s(name)
	f := make(idFilter, len(ids))
	for _, id := range ids {
		f[id] = true
	}
	return f
}

// idFilter keeps records whose id it holds; a nil idFilter keeps every record.
type idFilter map[int64]bool

func (f idFilter) keeps(id int64) bool { return f == nil || f[id] }

// filter returns the records that keep accepts, in their order, in a new slice: the
// records of a read are shared with every identical read of the client (cmdb.List) and
// are never changed.
func filter[T any](records []T, keep func(*T) bool) []T {
	var kept []T
	for i := range records {
		if keep(&records[i]) {
			kept = append(kept, records[i])
		}
	}
	return kept
}

// exactInt64 is v as an int64 when it is a known integer that fits.
func exactInt64(v tftypes.Value) (int64, error) {
	var f big.Float
	if err := v.As(&f); err != nil {
		return 0, err
	}
	n, acc := f.Int64()
	if acc != big.Exact {
		return 0, fmt.Errorf("%s is not a whole number of 64 bits", f.Text('g', -1))
	}
	return n, nil
}

// dataSource is the framework's side of a spec: schema, validation, configuration and
// the fallback read (see NewProtocol6Server).
type dataSource struct {
	spec *dataSourceSpec
	data *providerData
}

var (
	_ datasource.DataSource                     = (*dataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*dataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*dataSource)(nil)
)

// newDataSource returns the constructor the framework wants for spec.
func newDataSource(spec *dataSourceSpec) func() datasource.DataSource {
	return func() datasource.DataSource { return &dataSource{spec: spec} }
}

// Metadata returns the data source type name.
func (d *dataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.spec.name
}

// Schema returns the data source schema.
func (d *dataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = d.spec.schema()
}

// ConfigValidators returns the checks across arguments.
func (d *dataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	if d.spec.validators == nil {
		return nil
	}
	return d.spec.validators()
}

// Configure receives the provider's client.
func (d *dataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return // validation runs before the provider is configured
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", req.ProviderData))
		return
	}
	d.data = data
}

// Read reads the data source and stores its state.
func (d *dataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured",
			"The bkcmdb provider was not configured before "+d.spec.typeName()+" was read. This is a bug in the provider; please report it.")
		return
	}
	if !req.Config.Raw.IsFullyKnown() {
		resp.Diagnostics.AddError("Configuration not known",
			"The configuration of "+d.spec.typeName()+" holds values that are not known yet. This is a bug in the provider; please report it.")
		return
	}
	state, diags := d.spec.readState(ctx, d.data, req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	if state == nil {
		return
	}
	typ, err := d.spec.stateType()
	if err == nil {
		resp.State.Raw, err = unmarshalState(state, typ)
	}
	if err != nil {
		resp.Diagnostics.Append(bugDiagnostic(d.spec, err))
	}
}
