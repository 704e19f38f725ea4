package emulator

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

var gateways = []string{GatewayESB, GatewayAPIGW}

// apiReq is one request of a topology API.
type apiReq struct {
	api    string
	params map[string]string // path parameters (in the ESB body as fields)
	body   map[string]any
	header map[string]string
}

// callAPI sends req through gw, in English: on the ESB with credentials and
// the path parameters in the body (numbers as JSON numbers), on the gateway
// with the path filled in and X-Bkapi-Authorization.
func callAPI(t testing.TB, s *Server, gw string, req apiReq) reply {
	t.Helper()
	body := map[string]any{}
	for k, v := range req.body {
		body[k] = v
	}
	h := map[string]string{"Blueking-Language": "en", "X-Bkcmdb-Language": "en"}
	if gw == GatewayAPIGW {
		h["X-Bkapi-Authorization"] = gwAuth
	}
	for k, v := range req.header {
		h[k] = v
	}
	if gw == GatewayESB {
		body["bk_app_code"], body["bk_app_secret"], body["bk_username"] = DefaultAppCode, DefaultAppSecret, DefaultUser
		for k, v := range req.params {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && k != "bk_supplier_account" {
				body[k] = n
			} else {
				body[k] = v
			}
		}
		return post(t, s.URL()+ESBPathOf(req.api), mustJSON(t, body), h)
	}
	return post(t, s.APIGWURL()+APIGWPathOf(req.api, req.params), mustJSON(t, body), h)
}

// rec is one record of an answer, keys kept raw.
type rec map[string]json.RawMessage

func (r rec) int(t testing.TB, key string) int64 {
	t.Helper()
	var v int64
	if err := json.Unmarshal(r[key], &v); err != nil {
		t.Fatalf("%s: %v in %v", key, err, r)
	}
	return v
}

func (r rec) str(t testing.TB, key string) string {
	t.Helper()
	var v string
	if err := json.Unmarshal(r[key], &v); err != nil {
		t.Fatalf("%s: %v in %v", key, err, r)
	}
	return v
}

// records decodes a successful answer of a topology API.
func (r reply) records(t testing.TB) (int, []rec) {
	t.Helper()
	var env struct {
		Result bool  `json:"result"`
		Code   int64 `json:"code"`
		Data   struct {
			Count int   `json:"count"`
			Info  []rec `json:"info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("answer: %v\n%s", err, r.body)
	}
	if !env.Result || env.Code != 0 || r.status != 200 || env.Data.Info == nil {
		t.Fatalf("answer: status %d, result %v, code %d\n%.600s", r.status, env.Result, env.Code, r.body)
	}
	return env.Data.Count, env.Data.Info
}

func idsOf(t testing.TB, info []rec, key string) []int64 {
	t.Helper()
	out := []int64{}
	for _, r := range info {
		out = append(out, r.int(t, key))
	}
	return out
}

// page is a "page" object.
func page(start, limit int, sort string) map[string]any {
	p := map[string]any{"start": start, "limit": limit}
	if sort != "" {
		p["sort"] = sort
	}
	return p
}

// withPage returns body (copied) with its page set.
func withPage(body map[string]any, start, limit int, sort string) map[string]any {
	out := map[string]any{"page": page(start, limit, sort)}
	for k, v := range body {
		out[k] = v
	}
	return out
}

// walkIDs reads every page of req at limit, checking count stays, and
// returns the ids (key) in the order served.
func walkIDs(t testing.TB, s *Server, gw string, req apiReq, key string, limit int, sort string) []int64 {
	t.Helper()
	var all []int64
	count := -1
	for start := 0; ; start += limit {
		r := req
		r.body = withPage(req.body, start, limit, sort)
		c, info := callAPI(t, s, gw, r).records(t)
		if count >= 0 && c != count {
			t.Fatalf("count changed from %d to %d", count, c)
		}
		count = c
		all = append(all, idsOf(t, info, key)...)
		if len(info) < limit {
			if len(all) != count {
				t.Fatalf("walked %d records, count %d", len(all), count)
			}
			return all
		}
	}
}

func ascending(ids []int64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			return false
		}
	}
	return true
}

func reversed(ids []int64) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}

func setIDsOf(sets []Set) []int64 {
	out := []int64{}
	for _, s := range sets {
		out = append(out, s.ID)
	}
	return out
}

func moduleIDsOf(ms []Module) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func hostIDsOf(hs []Host) []int64 {
	out := []int64{}
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// Path parameters of the demo data.
var (
	bizParams    = map[string]string{"bk_supplier_account": "0"}
	webShop      = map[string]string{"bk_supplier_account": "0", "bk_biz_id": "2"}
	webShopAll   = map[string]string{"bk_supplier_account": "0", "bk_biz_id": "2", "bk_set_id": "0"}
	webShopHosts = map[string]string{"bk_biz_id": "2"}
)

// waitRequest returns the last logged request that match accepts; the log is
// written just after the answer, so it waits a little for it.
func waitRequest(t testing.TB, s *Server, match func(RecordedRequest) bool) RecordedRequest {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
		reqs := s.Requests()
		for i := len(reqs) - 1; i >= 0; i-- {
			if match(reqs[i]) {
				return reqs[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such request in the log: %+v", reqs)
		}
	}
}
