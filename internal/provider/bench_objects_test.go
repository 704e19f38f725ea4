package provider

import (
	"context"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// BenchmarkReadPerObject reads 20,000 hosts through bkcmdb_hosts and 20,000 service
// instances through bkcmdb_service_instances in one run, through the served server at
// parallelism 4 and no latency (the provider's own cost), and reports the time per object
// of each (ns/object), for issue 11's "the same per-object time":
//
//	go test ./internal/provider -run '^$' -bench BenchmarkReadPerObject -benchmem
func BenchmarkReadPerObject(b *testing.B) {
	const n, biz = 20_000, 3
	cases := []struct {
		kind, typeName, list string
		data                 *emulator.Dataset
		config               map[string]tftypes.Value
	}{
		{"hosts", TypeName + "_hosts", "hosts", emulator.ManyHosts(biz, n),
			map[string]tftypes.Value{"bk_biz_id": tftypes.NewValue(tftypes.Number, big.NewFloat(biz))}},
		{"service_instances", TypeName + "_service_instances", "instances", emulator.SingleTemplate(biz, 7, n, 42),
			map[string]tftypes.Value{"bk_biz_id": tftypes.NewValue(tftypes.Number, big.NewFloat(biz)),
				"set_template_id": tftypes.NewValue(tftypes.Number, big.NewFloat(7))}},
	}
	for _, tc := range cases {
		b.Run("kind="+tc.kind, func(b *testing.B) {
			ctx := context.Background()
			srv := newEmulator(b, emulator.Options{Data: tc.data})
			server, dsType := configuredServer(ctx, b, srv, tc.typeName, 4)
			dsConfig := dynamicValue(b, dsType, tc.config)
			req := &tfprotov6.ReadDataSourceRequest{TypeName: tc.typeName, Config: &dsConfig}
			resp := readOnce(ctx, b, server, req)
			if got := listLength(b, dsType, resp.State, tc.list); got != n {
				b.Fatalf("%d objects in state, want %d", got, n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				readOnce(ctx, b, server, req)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/object")
		})
	}
}

// configuredServer is the served server configured for srv's ESB at parallelism par, and
// the schema type of data source typeName.
func configuredServer(ctx context.Context, b *testing.B, srv *emulator.Server, typeName string, par int) (tfprotov6.ProviderServer, tftypes.Type) {
	clearProviderEnvTB(b)
	server, err := NewProtocol6Server("bench")()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasError(schemas.Diagnostics) {
		b.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	ds, ok := schemas.DataSourceSchemas[typeName]
	if !ok {
		b.Fatalf("no schema for %s", typeName)
	}
	providerConfig := dynamicValue(b, schemas.Provider.ValueType(), map[string]tftypes.Value{
		"base_url":      tftypes.NewValue(tftypes.String, srv.URL()),
		"bk_app_code":   tftypes.NewValue(tftypes.String, testAppCode),
		"bk_app_secret": tftypes.NewValue(tftypes.String, testAppSecret),
		"bk_username":   tftypes.NewValue(tftypes.String, testUser),
		"parallelism":   tftypes.NewValue(tftypes.Number, big.NewFloat(float64(par))),
	})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: &providerConfig})
	if err != nil || hasError(configured.Diagnostics) {
		b.Fatalf("ConfigureProvider: %v %v", err, diagText(configured.Diagnostics))
	}
	return server, ds.ValueType()
}

// listLength is the length of list attribute name of a state.
func listLength(b *testing.B, typ tftypes.Type, state *tfprotov6.DynamicValue, name string) int {
	v, err := state.Unmarshal(typ)
	if err != nil {
		b.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		b.Fatal(err)
	}
	var items []tftypes.Value
	if err := attrs[name].As(&items); err != nil {
		b.Fatal(err)
	}
	return len(items)
}
