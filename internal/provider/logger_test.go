package provider

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoggerConcurrentMaskedContext: the client's page workers log at once through one
// context that carries fields and the secret masks. tflog's masking rewrites the
// context's field map in place (hashicorp/terraform-plugin-log#246), which crashed the
// provider with "fatal error: concurrent map writes" under load; the adapter must give
// each call its own copy. Without the fix this test dies (or -race reports the race).
func TestLoggerConcurrentMaskedContext(t *testing.T) {
	const secret = "s3cret-in-a-field"
	out := &syncBuffer{}
	ctx := tflogtest.RootLogger(context.Background(), out)
	ctx = tflog.SetField(ctx, "bk_biz_id", 3)
	ctx = tflog.SetField(ctx, "note", "also holds "+secret)
	ctx = (&providerData{secrets: []string{secret}}).logContext(ctx)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				fields := map[string]any{"api": "list_service_instance_by_set_template", "attempt": i, "error": "echo " + secret}
				if w%2 == 0 {
					tflogAdapter{}.Debug(ctx, "cmdb response", fields)
				} else {
					tflogAdapter{}.Warn(ctx, "cmdb request will be retried", fields)
				}
			}
		})
	}
	wg.Wait()
	text := out.String()
	if strings.Contains(text, secret) {
		t.Fatal("a secret reached the log")
	}
	if n := strings.Count(text, "\n"); n != 8*2000 {
		t.Fatalf("%d log lines, want %d", n, 8*2000)
	}
	if !strings.Contains(text, `"bk_biz_id":3`) || !strings.Contains(text, `"error":"echo ***"`) {
		t.Fatalf("context fields or masking lost: %.300s", text)
	}
}
