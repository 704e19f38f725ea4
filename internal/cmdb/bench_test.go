package cmdb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// BenchmarkWalk is the floor of a read: the client's paging walk alone, against the
// emulator, for N instances at 500 per page. It reports the ideal time
// (pages ÷ parallelism × latency) and the ratio to it, and the bytes received.
//
//	go test ./internal/cmdb -run '^$' -bench BenchmarkWalk -benchmem
func BenchmarkWalk(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		s := emulator.NewTestServer(b, emulator.Options{Data: emulator.SingleTemplate(testBiz, testTpl, n, 42), StrictLimits: true})
		for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
			for _, par := range []int{1, 4, 16} {
				b.Run(fmt.Sprintf("N=%d/latency=%s/parallelism=%d", n, latency, par), func(b *testing.B) {
					s.SetLatency(latency)
					cfg := testConfig(s, GatewayESB)
					cfg.Parallelism = par
					var received int64
					own, err := newTransport(withDefaults(cfg))
					if err != nil {
						b.Fatal(err)
					}
					cfg.Transport = countingTransport{rt: own, n: &received}
					c, err := NewClient(cfg)
					if err != nil {
						b.Fatal(err)
					}
					defer c.CloseIdleConnections()
					// The ideal counts ceil(N/500) pages: the overlap record's extra page per 500 counts against the walk.
					pages := (n + DefaultPageSize - 1) / DefaultPageSize
					b.ResetTimer()
					for b.Loop() {
						c.reads.forget() // a fresh walk each time, not the one the client keeps
						res, err := c.ListServiceInstancesBySetTemplate(context.Background(), testBiz, testTpl)
						if err != nil {
							b.Fatal(err)
						}
						if len(res.Instances) != n {
							b.Fatalf("%d instances", len(res.Instances))
						}
					}
					b.ReportMetric(float64(received)/float64(b.N), "resp-B/op")
					if latency > 0 {
						// Page 1 comes alone, then the rest in rounds of par.
						ideal := time.Duration(1+(pages-1+par-1)/par) * latency
						b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ideal), "x-ideal")
					}
				})
			}
		}
	}
}

// countingTransport counts the response body bytes read through it.
type countingTransport struct {
	rt *http.Transport
	n  *int64
}

func (t countingTransport) CloseIdleConnections() { t.rt.CloseIdleConnections() }

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	atomic.AddInt64(b.n, int64(n))
	return n, err
}
