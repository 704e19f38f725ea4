package cmdb

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("request body %q: %v", b, err)
	}
	return m
}

// Contract: esb sends POST {base}/api/c/compapi/v2/cc/list_service_instance_by_set_template/
// with the credentials that are set, bk_biz_id, set_template_id and page in the JSON body,
// and bk_supplier_account (the default "0" too); page.sort is the id field (every list
// data source).
func TestWireESBBodyAuth(t *testing.T) {
	s := newEmulator(t, 3)
	c, _ := newTestClient(t, s, GatewayESB)
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	reqs := requests(t, s)
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != emulator.ESBPath || r.RawQuery != "" {
		t.Errorf("request %s %s?%s, want POST %s with no query", r.Method, r.Path, r.RawQuery, emulator.ESBPath)
	}
	if h := r.Header.Get("X-Bkapi-Authorization"); h != "" {
		t.Errorf("ESB request carries X-Bkapi-Authorization %q", h)
	}
	body := decodeBody(t, r.Body)
	want := map[string]any{
		"bk_app_code": emulator.DefaultAppCode, "bk_app_secret": emulator.DefaultAppSecret, "bk_username": "admin",
		"bk_biz_id": float64(testBiz), "set_template_id": float64(testTpl), "bk_supplier_account": DefaultSupplierAccount,
		"page": map[string]any{"start": float64(0), "limit": float64(DefaultPageSize), "sort": "id"},
	}
	if !jsonEqual(body, want) {
		t.Errorf("body = %v, want %v", body, want)
	}
}

// Contract: apigw sends POST {base}/api/v3/findmany/proc/service/set_template/list_service_instance/biz/{bk_biz_id}
// with X-Bkapi-Authorization and body {set_template_id, page} (page.sort the id field);
// credentials never in the URL or body.
func TestWireAPIGWHeaderAuth(t *testing.T) {
	s := newEmulator(t, 3)
	c, _ := newTestClient(t, s, GatewayAPIGW)
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	r := requests(t, s)[0]
	wantPath := s.StagePrefix() + emulator.APIGWResourcePrefix + strconv.Itoa(testBiz)
	if r.Method != "POST" || r.Path != wantPath || r.RawQuery != "" {
		t.Errorf("request %s %s?%s, want POST %s", r.Method, r.Path, r.RawQuery, wantPath)
	}
	var auth map[string]any
	if err := json.Unmarshal([]byte(r.Header.Get("X-Bkapi-Authorization")), &auth); err != nil {
		t.Fatalf("X-Bkapi-Authorization: %v", err)
	}
	wantAuth := map[string]any{"bk_app_code": emulator.DefaultAppCode, "bk_app_secret": emulator.DefaultAppSecret, "bk_username": "admin"}
	if !jsonEqual(auth, wantAuth) {
		t.Errorf("X-Bkapi-Authorization = %v, want %v", auth, wantAuth)
	}
	body := decodeBody(t, r.Body)
	wantBody := map[string]any{"set_template_id": float64(testTpl), "page": map[string]any{"start": float64(0), "limit": float64(DefaultPageSize), "sort": "id"}}
	if !jsonEqual(body, wantBody) {
		t.Errorf("body = %v, want %v", body, wantBody)
	}
	if strings.Contains(r.Path+r.RawQuery, emulator.DefaultAppSecret) {
		t.Error("secret in the URL")
	}
}

// Contract: only the credentials that are set are sent (bk_username and/or bk_token).
func TestWireOnlySetCredentials(t *testing.T) {
	cases := []struct {
		name string
		cred Credentials
		want map[string]any
	}{
		{"token only", Credentials{AppCode: emulator.DefaultAppCode, AppSecret: emulator.DefaultAppSecret, Token: testToken},
			map[string]any{"bk_app_code": emulator.DefaultAppCode, "bk_app_secret": emulator.DefaultAppSecret, "bk_token": testToken}},
		{"username only", Credentials{AppCode: emulator.DefaultAppCode, AppSecret: emulator.DefaultAppSecret, Username: "admin"},
			map[string]any{"bk_app_code": emulator.DefaultAppCode, "bk_app_secret": emulator.DefaultAppSecret, "bk_username": "admin"}},
		{"both", Credentials{AppCode: emulator.DefaultAppCode, AppSecret: emulator.DefaultAppSecret, Username: "admin", Token: testToken},
			map[string]any{"bk_app_code": emulator.DefaultAppCode, "bk_app_secret": emulator.DefaultAppSecret, "bk_username": "admin", "bk_token": testToken}},
	}
	for _, gw := range gateways {
		for _, tc := range cases {
			t.Run(string(gw)+"/"+tc.name, func(t *testing.T) {
				s := newEmulator(t, 2)
				c, _ := newTestClient(t, s, gw, func(c *Config) { c.Credentials = tc.cred })
				if _, err := list(t, c); err != nil {
					t.Fatal(err)
				}
				r := requests(t, s)[0]
				got := map[string]any{}
				if gw == GatewayAPIGW {
					if err := json.Unmarshal([]byte(r.Header.Get("X-Bkapi-Authorization")), &got); err != nil {
						t.Fatal(err)
					}
				} else {
					for k, v := range decodeBody(t, r.Body) {
						if strings.HasPrefix(k, "bk_app_") || k == "bk_username" || k == "bk_token" {
							got[k] = v
						}
					}
				}
				if !jsonEqual(got, tc.want) {
					t.Errorf("credentials sent = %v, want %v", got, tc.want)
				}
			})
		}
	}
}

// Contract/issue 6: headers add to every request but can never override X-Bkapi-Authorization,
// Content-Type or User-Agent (in any case); language goes in Blueking-Language and X-Bkcmdb-Language.
func TestWireHeaders(t *testing.T) {
	for _, gw := range gateways {
		t.Run(string(gw), func(t *testing.T) {
			// A multi-tenant emulator that knows tenant-a: the header passes through headers.
			s := newEmulator(t, 2, func(o *emulator.Options) { o.MultiTenant, o.Tenants = true, []string{"tenant-a"} })
			c, _ := newTestClient(t, s, gw, func(c *Config) {
				c.Language = "zh"
				c.Headers = map[string]string{
					"x-bkapi-authorization": `{"bk_app_code":"evil"}`,
					"CONTENT-TYPE":          "text/plain",
					"user-agent":            "evil-agent",
					"X-Bk-Tenant-Id":        "tenant-a",
				}
			})
			if _, err := list(t, c); err != nil {
				t.Fatal(err)
			}
			h := requests(t, s)[0].Header
			if got := h.Values("Content-Type"); !slices.Equal(got, []string{"application/json"}) {
				t.Errorf("Content-Type = %q", got)
			}
			if got := h.Values("User-Agent"); !slices.Equal(got, []string{"terraform-provider-bkcmdb/test Terraform/1.x"}) {
				t.Errorf("User-Agent = %q", got)
			}
			if got := h.Get("X-Bk-Tenant-Id"); got != "tenant-a" {
				t.Errorf("X-Bk-Tenant-Id = %q", got)
			}
			for _, k := range []string{"Blueking-Language", "X-Bkcmdb-Language"} {
				if got := h.Values(k); !slices.Equal(got, []string{"zh"}) {
					t.Errorf("%s = %q, want zh", k, got)
				}
			}
			auth := h.Values("X-Bkapi-Authorization")
			if gw == GatewayESB && len(auth) != 0 {
				t.Errorf("ESB request has X-Bkapi-Authorization %q", auth)
			}
			if gw == GatewayAPIGW && (len(auth) != 1 || strings.Contains(auth[0], "evil")) {
				t.Errorf("X-Bkapi-Authorization = %q", auth)
			}
		})
	}
}

// Contract: limit = page_size on every request; start 0, then each page starts at the
// last record of the page before (start += page_size-1); count gives the total.
func TestWirePagingSequence(t *testing.T) {
	for _, par := range []int{1, 4, 16} {
		t.Run("parallelism "+strconv.Itoa(par), func(t *testing.T) {
			s := newEmulator(t, 1234)
			// The hook runs as each page request arrives, in arrival order; the request
			// log is written after the answer, so its order is not the order sent.
			firstStart := -1
			s.OnPage(func(p emulator.PageRequest, _ *emulator.Mutator) {
				if p.N == 1 {
					firstStart = p.Start
				}
			})
			c, _ := newTestClient(t, s, GatewayAPIGW, func(c *Config) { c.PageSize = 100; c.Parallelism = par })
			got, err := list(t, c)
			if err != nil {
				t.Fatal(err)
			}
			requireExact(t, s, got)
			reqs := requests(t, s)
			var starts []int
			for _, r := range reqs {
				p := pageOf(t, r)
				if p.Limit != 100 {
					t.Errorf("limit = %d, want 100 (page_size, never more)", p.Limit)
				}
				starts = append(starts, p.Start)
			}
			if firstStart != 0 {
				t.Errorf("first request start = %d, want 0 (page 1 first, to learn count)", firstStart)
			}
			slices.Sort(starts)
			if want := wantStarts(1234, 100); !slices.Equal(starts, want) {
				t.Errorf("starts = %v, want %v", starts, want)
			}
		})
	}
}

// Contract (issue 9): every request stays within page_size, the documented maximum at
// most, at every page size, with the exact start sequence, at the boundaries of the
// step: a template of exactly page_size, page_size+1 and 2*page_size-1 records. The
// emulator refuses any limit above 500 (StrictLimits).
func TestWirePageLimitWithinPageSize(t *testing.T) {
	for _, gw := range gateways {
		for _, ps := range []int{1, 2, 7, 499, 500} {
			for _, n := range []int{ps, ps + 1, 2*ps - 1, 3 * ps} {
				t.Run(fmt.Sprintf("%s/page_size=%d/n=%d", gw, ps, n), func(t *testing.T) {
					s := newEmulator(t, n)
					c, _ := newTestClient(t, s, gw, func(c *Config) { c.PageSize = ps; c.Parallelism = 1 })
					got, err := list(t, c)
					if err != nil {
						t.Fatal(err)
					}
					requireExact(t, s, got)
					largest := 0
					var starts []int
					for _, r := range requests(t, s) {
						p := pageOf(t, r)
						largest = max(largest, p.Limit)
						starts = append(starts, p.Start)
					}
					if largest != ps {
						t.Errorf("largest limit sent = %d, want %d (page_size, never more)", largest, ps)
					}
					if want := wantStarts(n, ps); !slices.Equal(starts, want) {
						t.Errorf("starts = %v, want %v", starts, want)
					}
				})
			}
		}
	}
}

// Contract: a short page ends the walk (no page after it is asked for); the walk
// that ended short of count is then done again.
func TestWireShortPageEndsWalk(t *testing.T) {
	s := newEmulator(t, 250)
	all := s.Instances(testBiz, testTpl)
	s.Inject(emulator.Fault{
		Body:  pageBody(250, all[99:149]),
		Match: func(r emulator.RecordedRequest) bool { return startOf(r) == 99 },
	})
	c, _ := newTestClient(t, s, GatewayESB, func(c *Config) { c.PageSize = 100; c.Parallelism = 1 })
	got, err := list(t, c)
	if err != nil {
		t.Fatal(err)
	}
	requireExact(t, s, got)
	var starts []int
	for _, r := range requests(t, s) {
		starts = append(starts, startOf(r))
	}
	if want := []int{0, 99, 0, 99, 198}; !slices.Equal(starts, want) {
		t.Errorf("starts = %v, want %v (short page at 99 ends walk 1)", starts, want)
	}
}

// pageBody is a success envelope holding items, with count.
func pageBody(count int, items []emulator.Instance) string {
	b, _ := json.Marshal(map[string]any{"result": true, "code": 0, "message": "success", "permission": nil,
		"request_id": "0123456789abcdef0123456789abcdef", "data": map[string]any{"count": count, "info": items}})
	return string(b)
}

// startOf is the page start of a recorded request (-1 when there is none).
func startOf(r emulator.RecordedRequest) int {
	var b struct {
		Page *struct{ Start int } `json:"page"`
	}
	if json.Unmarshal(r.Body, &b) != nil || b.Page == nil {
		return -1
	}
	return b.Page.Start
}

// pageParams is the page object of a request body.
type pageParams struct {
	Start int `json:"start"`
	Limit int `json:"limit"`
}

// pageOf decodes the page object of a recorded request, failing the test without one.
func pageOf(t testing.TB, r emulator.RecordedRequest) pageParams {
	t.Helper()
	var b struct {
		Page *pageParams `json:"page"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil || b.Page == nil {
		t.Fatalf("request body %s has no page object (%v)", r.Body, err)
	}
	return *b.Page
}

func jsonEqual(a, b map[string]any) bool {
	return maps.EqualFunc(a, b, func(x, y any) bool {
		xm, ok1 := x.(map[string]any)
		ym, ok2 := y.(map[string]any)
		if ok1 && ok2 {
			return jsonEqual(xm, ym)
		}
		return !ok1 && !ok2 && x == y
	})
}
