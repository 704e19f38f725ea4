package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// TestRunTopology: the banner lists every API with its gateway path and the
// businesses; -hosts adds hosts to web-shop; -multi-tenant checks -tenants;
// -hidden-businesses hides businesses from search_business.
func TestRunTopology(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	var stdout lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-quiet", "-generate", "200", "-hosts", "40", "-addr-file", addrFile,
			"-multi-tenant", "-tenants", "t1,t2", "-hidden-businesses", "5,6"}, &stdout, io.Discard)
	}()
	url := waitFile(t, addrFile, done)
	out := stdout.String()
	for _, api := range emulator.APIs() {
		if !strings.Contains(out, api+" ") || !strings.Contains(out, emulator.APIGWPathOf(api, nil)) {
			t.Errorf("banner lacks %s and its path:\n%s", api, out)
		}
	}
	for _, want := range []string{"bk_biz_id 1 (资源池): resource pool", "bk_biz_id 2 (web-shop): 14 sets, 100 hosts", "X-Bk-Tenant-Id: t1, t2",
		"bk_obj_id mysql (MySQL): 40 instances", "bk_cloud_id 0 (Default Area)", "(web-shop) id " + emulator.GeneratedGroupID(1) + " (canary): host group"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	search := func(tenant string) (code int64, ids []int64) {
		body := `{"bk_app_code":"bkcmdb-demo","bk_app_secret":"bkcmdb-demo-secret","bk_username":"admin",` +
			`"condition":{"bk_biz_name":"web-shop"},"page":{"start":0,"limit":10,"sort":"bk_biz_id"}}`
		req, _ := http.NewRequest("POST", url+emulator.ESBPathOf(emulator.APISearchBusiness), strings.NewReader(body))
		req.Header.Set("X-Bk-Tenant-Id", tenant)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Code int64 `json:"code"`
			Data *struct {
				Info []struct {
					ID int64 `json:"bk_biz_id"`
				} `json:"info"`
			} `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		if env.Data != nil {
			for _, b := range env.Data.Info {
				ids = append(ids, b.ID)
			}
		}
		return env.Code, ids
	}
	if code, ids := search("t2"); code != 0 || len(ids) != 2 || ids[0] != 2 || ids[1] != 7 {
		t.Errorf("tenant t2: code %d, businesses %v, want 2 and 7 (5 and 6 hidden)", code, ids)
	}
	if code, _ := search("default"); code != emulator.CodeTenantInvalid {
		t.Errorf("tenant default: code %d, want %d", code, emulator.CodeTenantInvalid)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
}

// TestTopologyFlagErrors: -hosts needs a generated dataset; -hidden-businesses takes ids.
func TestTopologyFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", "x.json", "-hosts", "5"}, "exclusive"},
		{[]string{"-hosts", "-1"}, "must be positive"},
		{[]string{"-hidden-businesses", "2,web", "-addr", "127.0.0.1:0"}, "want business ids"},
	} {
		var stderr bytes.Buffer
		if err := run(context.Background(), tc.args, io.Discard, &stderr); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
