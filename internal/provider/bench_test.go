package provider

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Benchmarks of a full read through the provider server, as terraform drives it over
// protocol 6: GetProviderSchema, ConfigureProvider, then ReadDataSource with msgpack
// DynamicValues. The framework's post-read work (copies, semantic equality) and the
// msgpack encoding of the state are inside the timed loop. They only run with -bench:
//
//	go test ./internal/provider -run '^$' -bench BenchmarkReadDataSource -benchmem
//	go test ./internal/provider -run '^$' -bench 'BenchmarkReadDataSource/N=100000/latency=20ms/parallelism=4$' \
//	    -benchmem -cpuprofile cpu.out -memprofile mem.out
//
// The floor, the client's page walk alone on the same server and settings, is
// BenchmarkWalk in internal/cmdb.

// Settings of the benchmark matrix; the business and set template the emulator serves.
var (
	benchSizes       = []int{1_000, 10_000, 100_000}
	benchLatencies   = []time.Duration{0, 20 * time.Millisecond}
	benchParallelism = []int{1, 4, 16}
)

const (
	benchBiz = 3
	benchTpl = 7
)

// BenchmarkReadDataSource reads bkcmdb_service_instances through the server main serves
// (NewProtocol6Server) for every setting of the matrix. Besides ns/op, B/op and allocs/op
// it reports the size of the msgpack state sent back to terraform (resp-B/op) and the
// time per instance (ns/instance).
func BenchmarkReadDataSource(b *testing.B) {
	benchMatrix(b, NewProtocol6Server("bench"))
}

// BenchmarkReadDataSourceFramework is BenchmarkReadDataSource through the framework's own
// server (providerserver.NewProtocol6WithError), whose post-read work the fast read skips.
func BenchmarkReadDataSourceFramework(b *testing.B) {
	benchMatrix(b, providerserver.NewProtocol6WithError(New("bench")()))
}

// benchMatrix runs benchRead for every size, latency and parallelism.
func benchMatrix(b *testing.B, newServer func() (tfprotov6.ProviderServer, error)) {
	for _, n := range benchSizes {
		srv := newEmulator(b, emulator.Options{Data: emulator.SingleTemplate(benchBiz, benchTpl, n, 42)})
		for _, latency := range benchLatencies {
			for _, par := range benchParallelism {
				b.Run(fmt.Sprintf("N=%d/latency=%s/parallelism=%d", n, latency, par), func(b *testing.B) {
					srv.SetLatency(latency)
					benchRead(b, newServer, srv, n, par)
				})
			}
		}
	}
}

// benchRead configures a fresh provider server from newServer for srv at parallelism par, then times
// ReadDataSource calls that each return n instances.
func benchRead(b *testing.B, newServer func() (tfprotov6.ProviderServer, error), srv *emulator.Server, n, par int) {
	ctx := context.Background()
	clearProviderEnvTB(b)
	server, err := newServer()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasError(schemas.Diagnostics) {
		b.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	typeName := TypeName + "_service_instances"
	dsSchema, ok := schemas.DataSourceSchemas[typeName]
	if !ok {
		b.Fatalf("no schema for %s", typeName)
	}

	providerConfig := dynamicValue(b, schemas.Provider.ValueType(), map[string]tftypes.Value{
		"base_url":       tftypes.NewValue(tftypes.String, srv.URL()),
		"gateway":        tftypes.NewValue(tftypes.String, "esb"),
		"bk_app_code":    tftypes.NewValue(tftypes.String, testAppCode),
		"bk_app_secret":  tftypes.NewValue(tftypes.String, testAppSecret),
		"bk_username":    tftypes.NewValue(tftypes.String, testUser),
		"retry_wait_min": tftypes.NewValue(tftypes.String, "10ms"),
		"retry_wait_max": tftypes.NewValue(tftypes.String, "100ms"),
		"parallelism":    tftypes.NewValue(tftypes.Number, big.NewFloat(float64(par))),
	})
	// Each read is the first of a fresh configuration, as in a plan (one plugin process
	// per configuration reads each data source once): an identical read of the same
	// client would get the walk it keeps (cmdb.List). Configuring is not timed.
	configure := func() {
		configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
			TerraformVersion: "1.11.4",
			Config:           &providerConfig,
		})
		if err != nil || hasError(configured.Diagnostics) {
			b.Fatalf("ConfigureProvider: %v %v", err, diagText(configured.Diagnostics))
		}
	}
	configure()

	dsConfig := dynamicValue(b, dsSchema.ValueType(), map[string]tftypes.Value{
		"bk_biz_id":       tftypes.NewValue(tftypes.Number, big.NewFloat(benchBiz)),
		"set_template_id": tftypes.NewValue(tftypes.Number, big.NewFloat(benchTpl)),
	})
	req := &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: &dsConfig}

	// One untimed read checks the answer, and warms the connections and the emulator.
	resp := readOnce(ctx, b, server, req)
	checkBenchState(b, dsSchema.ValueType(), resp.State, n)

	var respBytes int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		configure()
		b.StartTimer()
		resp := readOnce(ctx, b, server, req)
		respBytes = len(resp.State.MsgPack)
	}
	b.ReportMetric(float64(respBytes), "resp-B/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/instance")
}

// readOnce is one ReadDataSource call; it fails the benchmark on any error.
func readOnce(ctx context.Context, b *testing.B, server tfprotov6.ProviderServer, req *tfprotov6.ReadDataSourceRequest) *tfprotov6.ReadDataSourceResponse {
	resp, err := server.ReadDataSource(ctx, req)
	if err != nil || hasError(resp.Diagnostics) {
		b.Fatalf("ReadDataSource: %v %v", err, diagText(resp.Diagnostics))
	}
	if resp.State == nil {
		b.Fatal("ReadDataSource returned no state")
	}
	return resp
}

// checkBenchState decodes the state and checks that it holds n instances and total n.
func checkBenchState(b *testing.B, typ tftypes.Type, state *tfprotov6.DynamicValue, n int) {
	v, err := state.Unmarshal(typ)
	if err != nil {
		b.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		b.Fatal(err)
	}
	var items []tftypes.Value
	if err := attrs["instances"].As(&items); err != nil {
		b.Fatal(err)
	}
	var total big.Float
	if err := attrs["total"].As(&total); err != nil {
		b.Fatal(err)
	}
	if len(items) != n || total.Cmp(big.NewFloat(float64(n))) != 0 {
		b.Fatalf("state has %d instances and total %s, want %d", len(items), total.String(), n)
	}
}

// dynamicValue is a msgpack DynamicValue of an object of type typ holding set; every
// other attribute is null, as terraform sends an unset optional argument.
func dynamicValue(b *testing.B, typ tftypes.Type, set map[string]tftypes.Value) tfprotov6.DynamicValue {
	obj, ok := typ.(tftypes.Object)
	if !ok {
		b.Fatalf("schema type %s is not an object", typ)
	}
	vals := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, t := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range set {
		if _, ok := vals[name]; !ok {
			b.Fatalf("no attribute %s in %s", name, typ)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		b.Fatal(err)
	}
	return dv
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	s := ""
	for _, d := range diags {
		s += fmt.Sprintf("[%s: %s] ", d.Summary, d.Detail)
	}
	return s
}

// clearProviderEnvTB unsets the provider's environment variables for the benchmark, so
// that a developer's environment cannot change what it measures.
func clearProviderEnvTB(tb testing.TB) {
	tb.Helper()
	for _, name := range providerEnvVars {
		tb.Setenv(name, "")
		if err := os.Unsetenv(name); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkEncodeState writes the state of bkcmdb_service_instances for 100,000 instances
// (labels on every fourth), the step of the read that follows the walk.
func BenchmarkEncodeState(b *testing.B) {
	list := benchInstances(100_000)
	typ, err := serviceInstancesSpec.stateType()
	if err != nil {
		b.Fatal(err)
	}
	config := map[string]tftypes.Value{"bk_biz_id": testNumber(benchBiz), "set_template_id": testNumber(benchTpl)}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		state, err := encodeState(typ, config, []stateAttr{intAttr("total", list.Count), serviceInstanceRecord.list("instances", instanceRows(list.Instances, nil))})
		if err != nil {
			b.Fatal(err)
		}
		size = len(state)
	}
	b.ReportMetric(float64(size), "state-B/op")
}

// benchInstances are n instances shaped like CMDB's.
func benchInstances(n int) *cmdb.ServiceInstanceList {
	items := make([]cmdb.ServiceInstance, n)
	for i := range items {
		items[i] = cmdb.ServiceInstance{ID: int64(i + 1), Name: fmt.Sprintf("10.0.%d.%d_nginx", i/250, i%250), BizID: benchBiz,
			ModuleID: int64(1000 + i%50), HostID: int64(50000 + i), ServiceTemplateID: 51, Creator: "admin", Modifier: "admin",
			CreateTime: "2020-10-09T02:46:25.002Z", LastTime: "2020-10-09T02:46:25.002Z", SupplierAccount: "0"}
		if i%4 == 0 {
			items[i].Labels = map[string]string{"env": "prod", "zone": "gz-1"}
		}
	}
	return &cmdb.ServiceInstanceList{Count: int64(n), Instances: items}
}
