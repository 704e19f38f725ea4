package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Fixtures shared by the tests.
const (
	testBiz      = int64(2)
	testTemplate = int64(11)
)

var (
	hex32     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	uuidRegex = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hanRegex  = regexp.MustCompile(`\p{Han}`)
)

// testClient never reuses a cut connection silently and does not wait forever.
var testClient = &http.Client{Timeout: 10 * time.Second}

// reply is an HTTP answer read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes the body as a JSON object keeping every key.
func (r reply) envelope(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return env
}

// code returns the envelope's code.
func (r reply) code(t testing.TB) int64 {
	t.Helper()
	var c int64
	if err := json.Unmarshal(r.envelope(t)["code"], &c); err != nil {
		t.Fatalf("code: %v\n%s", err, r.body)
	}
	return c
}

// page decodes a successful answer.
func (r reply) page(t testing.TB) (count int, info []Instance) {
	t.Helper()
	var env struct {
		Result bool  `json:"result"`
		Code   int64 `json:"code"`
		Data   struct {
			Count int        `json:"count"`
			Info  []Instance `json:"info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("page: %v\n%s", err, r.body)
	}
	if !env.Result || env.Code != 0 || r.status != 200 {
		t.Fatalf("page: status %d, result %v, code %d\n%s", r.status, env.Result, env.Code, r.body)
	}
	return env.Data.Count, env.Data.Info
}

func post(t testing.TB, url string, body []byte, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: read body: %v", url, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// esbFields is a valid ESB body for one page.
func esbFields(biz, template int64, start, limit int) map[string]any {
	return map[string]any{
		"bk_app_code": DefaultAppCode, "bk_app_secret": DefaultAppSecret, "bk_username": DefaultUser,
		"bk_biz_id": biz, "set_template_id": template, "page": map[string]any{"start": start, "limit": limit},
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// postESB sends fields to the ESB path, in English.
func postESB(t testing.TB, s *Server, fields map[string]any) reply {
	t.Helper()
	return post(t, s.URL()+ESBPath, mustJSON(t, fields), map[string]string{"Blueking-Language": "en"})
}

// gwAuth is a valid X-Bkapi-Authorization header value.
var gwAuth = `{"bk_app_code":"` + DefaultAppCode + `","bk_app_secret":"` + DefaultAppSecret + `","bk_username":"` + DefaultUser + `"}`

// postGW sends body to the gateway resource of biz with valid credentials
// (unless header overrides them), in English.
func postGW(t testing.TB, s *Server, biz string, body []byte, header map[string]string) reply {
	t.Helper()
	h := map[string]string{"X-Bkapi-Authorization": gwAuth, "X-Bkcmdb-Language": "en"}
	for k, v := range header {
		h[k] = v
	}
	return post(t, s.APIGWURL()+APIGWResourcePrefix+biz, body, h)
}

func gwBody(template int64, start, limit int) []byte {
	return []byte(`{"set_template_id":` + strconv.FormatInt(template, 10) +
		`,"page":{"start":` + strconv.Itoa(start) + `,"limit":` + strconv.Itoa(limit) + `}}`)
}

// demoServer serves the default generated dataset.
func demoServer(t testing.TB, opts Options) (*Server, *Dataset) {
	t.Helper()
	d := GenerateDataset(GenerateOptions{Seed: 7})
	opts.Data = d
	return NewTestServer(t, opts), d
}
