package provider

import (
	"context"
	"math/big"
	"slices"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// BenchmarkReadSplit is the provider's side of the split by module of cmd/benchmark:
// 100,000 instances in the 50 modules of one set template, read as 50
// bkcmdb_service_instances with bk_module_ids = [module], 10 at a time (terraform's
// default -parallelism), through the server main serves, at latency 0. The template's
// walk is done first, untimed, by one read: each op is the 50 reads that follow, served
// from the kept walk, which is the provider's whole work after the walk (filter,
// state encoding, msgpack), competing with terraform for the CPU.
//
//	go test ./internal/provider -run '^$' -bench BenchmarkReadSplit -benchmem
func BenchmarkReadSplit(b *testing.B) {
	const n, modules = 100_000, 50
	data := emulator.Templates(benchBiz, benchTpl, 1, modules, n, 42)
	srv := newEmulator(b, emulator.Options{Data: data})
	var ids []int64
	for _, m := range data.Modules {
		if m.SetTemplateID == benchTpl {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	ctx := context.Background()
	server, configure, types := benchServer(b, srv, 4)
	typeName := TypeName + "_service_instances"
	dsType := types[typeName]
	reqs := make([]*tfprotov6.ReadDataSourceRequest, len(ids))
	for i, id := range ids {
		cfg := dynamicValue(b, dsType, map[string]tftypes.Value{
			"bk_biz_id":       tftypes.NewValue(tftypes.Number, big.NewFloat(benchBiz)),
			"set_template_id": tftypes.NewValue(tftypes.Number, big.NewFloat(benchTpl)),
			"bk_module_ids": tftypes.NewValue(tftypes.List{ElementType: tftypes.Number},
				[]tftypes.Value{tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(id))}),
		})
		reqs[i] = &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: &cfg}
	}
	// Each op configures anew (untimed), so that the walk is not kept from the op
	// before, and walks once (untimed).
	prepare := func() {
		configure()
		readOnce(ctx, b, server, reqs[0])
	}
	var stateBytes int
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		prepare()
		b.StartTimer()
		var wg sync.WaitGroup
		var mu sync.Mutex
		next, total := 0, 0
		for range 10 {
			wg.Go(func() {
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= len(reqs) {
						return
					}
					resp := readOnce(ctx, b, server, reqs[i])
					mu.Lock()
					total += len(resp.State.MsgPack)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		stateBytes = total
	}
	b.ReportMetric(float64(stateBytes), "state-B/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(reqs)), "ns/read")
}
