package provider

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// BenchmarkReadProcesses is the provider's side of issue 15's figures (cmd/benchmark's
// processes and listeners scenarios): 100,000 instances of one template with the
// emulator's generated processes (1 to 3 each), read through the server main serves as
// bkcmdb_service_instances without and with with_processes, and as bkcmdb_listeners.
// Each op is the first read of a fresh configuration (configuring is not timed); it
// reports the state's size and the requests of a read.
//
//	go test ./internal/provider -run '^$' -bench BenchmarkReadProcesses -benchmem -benchtime 3x
func BenchmarkReadProcesses(b *testing.B) {
	const n = 100_000
	data := emulator.SingleTemplate(benchBiz, benchTpl, n, 42)
	k := 0
	for i := range data.Modules { // the gamesvr shape: 1 to 3 processes per instance
		if data.Modules[i].SetTemplateID == benchTpl && k < 3 {
			data.Modules[i].Name = []string{"gamesvr", "matchmaker", "chat-proxy"}[k]
			k++
		}
	}
	srv := newEmulator(b, emulator.Options{Data: emulator.WithProcesses(data, 42, nil)})
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		for _, bc := range []struct {
			name, typeName string
			set            map[string]tftypes.Value
		}{
			{"service_instances", "service_instances", nil},
			{"service_instances_with_processes", "service_instances", map[string]tftypes.Value{"with_processes": tftypes.NewValue(tftypes.Bool, true)}},
			{"listeners", "listeners", nil},
		} {
			b.Run(fmt.Sprintf("read=%s/latency=%s", bc.name, latency), func(b *testing.B) {
				srv.SetLatency(latency)
				server, configure, types := benchServer(b, srv, 4)
				set := map[string]tftypes.Value{
					"bk_biz_id":       tftypes.NewValue(tftypes.Number, big.NewFloat(benchBiz)),
					"set_template_id": tftypes.NewValue(tftypes.Number, big.NewFloat(benchTpl)),
				}
				for k, v := range bc.set {
					set[k] = v
				}
				cfg := dynamicValue(b, types[TypeName+"_"+bc.typeName], set)
				req := &tfprotov6.ReadDataSourceRequest{TypeName: TypeName + "_" + bc.typeName, Config: &cfg}
				var stateBytes, requests int
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					configure()
					before := srv.RequestCount()
					b.StartTimer()
					resp := readOnce(context.Background(), b, server, req)
					b.StopTimer()
					stateBytes, requests = len(resp.State.MsgPack), srv.RequestCount()-before
					b.StartTimer()
				}
				b.ReportMetric(float64(stateBytes), "state-B/op")
				b.ReportMetric(float64(requests), "requests/op")
			})
		}
	}
}

// benchServer is a server main serves, with a function that configures it (anew, so
// that no walk is kept from before) for srv at parallelism par, and the value types of
// its data sources by type name.
func benchServer(b *testing.B, srv *emulator.Server, par int) (tfprotov6.ProviderServer, func(), map[string]tftypes.Type) {
	ctx := context.Background()
	clearProviderEnvTB(b)
	server, err := NewProtocol6Server("bench")()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasError(schemas.Diagnostics) {
		b.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	providerConfig := dynamicValue(b, schemas.Provider.ValueType(), map[string]tftypes.Value{
		"base_url":      tftypes.NewValue(tftypes.String, srv.URL()),
		"gateway":       tftypes.NewValue(tftypes.String, "esb"),
		"bk_app_code":   tftypes.NewValue(tftypes.String, testAppCode),
		"bk_app_secret": tftypes.NewValue(tftypes.String, testAppSecret),
		"bk_username":   tftypes.NewValue(tftypes.String, testUser),
		"parallelism":   tftypes.NewValue(tftypes.Number, big.NewFloat(float64(par))),
	})
	configure := func() {
		configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: &providerConfig})
		if err != nil || hasError(configured.Diagnostics) {
			b.Fatalf("ConfigureProvider: %v %v", err, diagText(configured.Diagnostics))
		}
	}
	types := map[string]tftypes.Type{}
	for name, s := range schemas.DataSourceSchemas {
		types[name] = s.ValueType()
	}
	return server, configure, types
}
