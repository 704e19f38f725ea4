package emulator

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

const benchInstances = 100_000

// BenchmarkServePage measures the handler alone: one page of 500 from
// 100,000 instances, pages spread over the whole range, in parallel.
func BenchmarkServePage(b *testing.B) {
	s := New(Options{Data: SingleTemplate(2, 11, benchInstances, 1)})
	auth := gwAuth
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := int(next.Add(500)) % benchInstances
			req := httptest.NewRequest("POST", DefaultStagePrefix+APIGWResourcePrefix+"2", bytes.NewReader(gwBody(11, start, 500)))
			req.Header.Set("X-Bkapi-Authorization", auth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkWalk100k walks 100,000 instances at 500 per page over loopback
// HTTP with 8 pages in flight: one op is one full walk (200 pages).
func BenchmarkWalk100k(b *testing.B) {
	s := NewTestServer(b, Options{Data: SingleTemplate(2, 11, benchInstances, 1)})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	url := s.APIGWURL() + APIGWResourcePrefix + "2"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		walkParallel(b, client, url, 8)
	}
}

// walkParallel fetches all pages with `parallel` workers and checks the total.
func walkParallel(b *testing.B, client *http.Client, url string, parallel int) {
	pages := make(chan int, benchInstances/500)
	for start := 0; start < benchInstances; start += 500 {
		pages <- start
	}
	close(pages)
	var bytesRead atomic.Int64
	done := make(chan struct{}, parallel)
	for w := 0; w < parallel; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for start := range pages {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(gwBody(11, start, 500)))
				req.Header.Set("X-Bkapi-Authorization", gwAuth)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				bytesRead.Add(n)
			}
		}()
	}
	for w := 0; w < parallel; w++ {
		<-done
	}
	b.SetBytes(bytesRead.Load())
}

// BenchmarkBuildAndWalk100k builds a server of 100,000 instances and walks it
// sequentially at 500 per page through the gateway, decoding every page: the cost
// a test or benchmark pays to stand the emulator up at that size.
func BenchmarkBuildAndWalk100k(b *testing.B) {
	for b.Loop() {
		s := NewTestServer(b, Options{Data: SingleTemplate(2, 11, benchInstances, 1)})
		count, all := walk(b, s, GatewayAPIGW, 2, 11, 500)
		if count != benchInstances || len(all) != benchInstances || all[benchInstances-1].ID != benchInstances {
			b.Fatalf("count %d, %d items", count, len(all))
		}
		_ = s.Close()
	}
}
