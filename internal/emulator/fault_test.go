package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFaultAnswers: each kind of scripted answer, on the front door it is
// meant for, is what a client sees.
func TestFaultAnswers(t *testing.T) {
	httpDate := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name    string
		gateway string
		fault   Fault
		status  int
		code    int64 // envelope or gateway code in the body; -1 = body not JSON
		ctype   string
		header  map[string]string
		inBody  string
	}{
		{"ESB 502 nginx page", GatewayESB, Fault{Status: 502}, 502, -1, "text/html", nil, "502 Bad Gateway"},
		{"ESB 503", GatewayESB, Fault{Status: 503}, 503, -1, "text/html", nil, "503 Service Unavailable"},
		{"gateway 503 without gateway code", GatewayAPIGW, Fault{Status: 503}, 503, -1, "text/html", nil, "nginx"},
		{"gateway 502", GatewayAPIGW, Fault{Status: 502}, 502, CodeGWBadGateway, "application/json", map[string]string{"X-Bkapi-Error-Code": "1650200"}, "BAD_GATEWAY"},
		{"gateway 502 with a message", GatewayAPIGW, Fault{Status: 502, Message: "upstream down"}, 502, CodeGWBadGateway, "application/json", nil, `"message":"upstream down"`},
		{"gateway 504", GatewayAPIGW, Fault{Status: 504}, 504, CodeGWBackendTimeout, "application/json", map[string]string{"X-Bkapi-Error-Code": "1650401"}, ""},
		{"gateway 403", GatewayAPIGW, Fault{Status: 403}, 403, CodeGWNoPermission, "application/json", map[string]string{"X-Bkapi-Error-Code": "1640301"}, "APP_NO_PERMISSION"},
		{"gateway 429 Retry-After seconds", GatewayAPIGW, Fault{Status: 429, Header: map[string]string{"Retry-After": "2"}}, 429, CodeGWRateLimit, "application/json", map[string]string{"Retry-After": "2", "X-Bkapi-Error-Code": "1642903"}, ""},
		{"gateway 429 Retry-After date", GatewayAPIGW, Fault{Status: 429, Header: map[string]string{"Retry-After": httpDate}}, 429, CodeGWRateLimit, "application/json", map[string]string{"Retry-After": httpDate}, ""},
		{"ESB 429 with a code", GatewayESB, Fault{Status: 429, Code: CodeGWRateLimit}, 429, CodeGWRateLimit, "application/json", map[string]string{"X-Bkapi-Error-Code": "1642903"}, ""},
		{"501", GatewayAPIGW, Fault{Status: 501}, 501, -1, "text/html", nil, "501 Not Implemented"},
		{"ESB rate-limit envelope", GatewayESB, Fault{Code: CodeESBRateLimit}, 200, CodeESBRateLimit, "application/json", nil, `"request_id":"`},
		{"CMDB rate-limit envelope", GatewayAPIGW, Fault{Code: CodeCMDBRateLimit}, 200, CodeCMDBRateLimit, "application/json", nil, "too many requests"},
		{"gateway rate-limit envelope", GatewayAPIGW, Fault{Code: CodeGWRateLimit}, 200, CodeGWRateLimit, "application/json", nil, `"result":false`},
		{"permission denial", GatewayESB, Fault{Code: CodeIAMNoPermission}, 200, CodeIAMNoPermission, "application/json", nil, `"system_id":"bk_cmdb"`},
		{"permission given", GatewayAPIGW, Fault{Code: CodeIAMNoPermission, Permission: map[string]any{"system_id": "x", "actions": []any{}}}, 200, CodeIAMNoPermission, "application/json", nil, `"permission":{"actions":[],"system_id":"x"}`},
		{"custom message", GatewayAPIGW, Fault{Code: CodeCMDBGetInstancesFail, Message: "boom"}, 200, CodeCMDBGetInstancesFail, "application/json", nil, `"message":"boom"`},
		{"HTML login page", GatewayAPIGW, Fault{Body: "<!DOCTYPE html><html><title>登录 | 蓝鲸智云</title></html>"}, 200, -1, "text/html; charset=utf-8", nil, "蓝鲸智云"},
		{"malformed envelope", GatewayESB, Fault{Body: `{"result":true,"code":0,"message":"success"}`}, 200, 0, "application/json", nil, ""},
		{"raw body with a content type", GatewayESB, Fault{Status: 500, Body: "oops", ContentType: "text/plain"}, 500, -1, "text/plain", nil, "oops"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := demoServer(t, Options{})
			s.Inject(tc.fault)
			var r reply
			if tc.gateway == GatewayESB {
				r = postESB(t, s, esbFields(testBiz, testTemplate, 0, 10))
			} else {
				r = postGW(t, s, "2", gwBody(testTemplate, 0, 10), nil)
			}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if tc.code >= 0 {
				if got := r.code(t); got != tc.code {
					t.Errorf("code %d, want %d: %s", got, tc.code, r.body)
				}
			} else if json.Valid(r.body) {
				t.Errorf("body is JSON, want a page: %s", r.body)
			}
			for k, v := range tc.header {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(string(r.body), tc.inBody) {
				t.Errorf("body does not contain %q:\n%s", tc.inBody, r.body)
			}
			// The fault is used up: the next request is answered normally.
			if count, _ := fetch(t, s, tc.gateway, testBiz, testTemplate, 0, 1); count == 0 {
				t.Fatal("no data after the fault")
			}
			if reqs := s.Requests(); !reqs[0].Faulted || reqs[1].Faulted || reqs[0].Status != tc.status {
				t.Errorf("request log: %+v", reqs)
			}
		})
	}
}

// TestFaultQueue: FIFO order, Times, and Gateway/Match filters.
func TestFaultQueue(t *testing.T) {
	s, _ := demoServer(t, Options{})
	s.Inject(
		Fault{Status: 502, Times: 2},
		Fault{Status: 504, Gateway: GatewayAPIGW},
		Fault{Code: CodeCMDBRateLimit, Match: func(r RecordedRequest) bool { return bytes.Contains(r.Body, []byte(`"start":500`)) }},
	)
	if n := s.PendingFaults(); n != 4 {
		t.Fatalf("PendingFaults %d, want 4", n)
	}
	steps := []struct {
		gateway string
		start   int
		status  int
		code    int64
	}{
		{GatewayESB, 0, 502, 0},   // first fault, use 1 of 2
		{GatewayAPIGW, 0, 502, 0}, // first fault, use 2 of 2
		{GatewayESB, 0, 200, 0},   // 504 is for the gateway only; the 1199997 needs start 500
		{GatewayESB, 500, 200, CodeCMDBRateLimit},
		{GatewayAPIGW, 0, 504, CodeGWBackendTimeout},
		{GatewayAPIGW, 0, 200, 0},
	}
	for i, st := range steps {
		var r reply
		if st.gateway == GatewayESB {
			r = postESB(t, s, esbFields(testBiz, testTemplate, st.start, 10))
		} else {
			r = postGW(t, s, "2", gwBody(testTemplate, st.start, 10), nil)
		}
		if r.status != st.status {
			t.Fatalf("step %d: status %d, want %d", i, r.status, st.status)
		}
		if st.status == 200 && r.code(t) != st.code {
			t.Fatalf("step %d: code %d, want %d", i, r.code(t), st.code)
		}
	}
	if n := s.PendingFaults(); n != 0 {
		t.Fatalf("PendingFaults %d after use", n)
	}
	s.Inject(Fault{Status: 500, Times: 5})
	s.ClearFaults()
	fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1)
}

// TestFaultTruncate: a complete HTTP response whose JSON ends half-way; the
// transport reads it without error, the JSON decoder fails.
func TestFaultTruncate(t *testing.T) {
	for _, gw := range []string{GatewayESB, GatewayAPIGW} {
		t.Run(gw, func(t *testing.T) {
			s, _ := demoServer(t, Options{})
			full := rawPage(t, s, gw)
			s.Inject(Fault{Truncate: true})
			resp, body, err := rawPost(s, gw)
			if err != nil {
				t.Fatalf("transport error %v, want a complete short body", err)
			}
			if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) || len(body) != len(full)/2 {
				t.Fatalf("status %d, Content-Length %d, body %d bytes, full page %d bytes", resp.StatusCode, resp.ContentLength, len(body), len(full))
			}
			if !bytes.Equal(withoutRequestID(body), withoutRequestID(full)[:len(body)]) {
				t.Fatalf("truncated body is not a prefix of the page")
			}
			var v any
			if err := json.Unmarshal(body, &v); err == nil || !strings.Contains(err.Error(), "unexpected end of JSON input") {
				t.Fatalf("JSON decode error %v, want unexpected end", err)
			}
		})
	}
}

// rawPage is the body of the first page of 200 items.
func rawPage(t *testing.T, s *Server, gw string) []byte {
	t.Helper()
	_, body, err := rawPost(s, gw)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

var requestIDField = regexp.MustCompile(`"request_id":"[0-9a-f]{32}"`)

// withoutRequestID blanks the request id, the only part that differs between two answers.
func withoutRequestID(body []byte) []byte {
	return requestIDField.ReplaceAll(body, []byte(`"request_id":"`+strings.Repeat("0", 32)+`"`))
}

func rawPost(s *Server, gw string) (*http.Response, []byte, error) {
	var req *http.Request
	if gw == GatewayESB {
		raw, _ := json.Marshal(esbFields(testBiz, testTemplate, 0, 200))
		req, _ = http.NewRequest("POST", s.URL()+ESBPath, bytes.NewReader(raw))
	} else {
		req, _ = http.NewRequest("POST", s.APIGWURL()+APIGWResourcePrefix+"2", bytes.NewReader(gwBody(testTemplate, 0, 200)))
		req.Header.Set("X-Bkapi-Authorization", gwAuth)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// TestFaultDropMidBody: headers and half the body arrive, then the
// connection closes: the client's body read fails with an unexpected EOF.
// Also over TLS, and on a fault that is itself an error page.
func TestFaultDropMidBody(t *testing.T) {
	cases := []struct {
		name   string
		tls    bool
		gw     string
		fault  Fault
		status int
	}{
		{"ESB page", false, GatewayESB, Fault{DropMidBody: true}, 200},
		{"gateway page", false, GatewayAPIGW, Fault{DropMidBody: true}, 200},
		{"gateway page over TLS", true, GatewayAPIGW, Fault{DropMidBody: true}, 200},
		{"502 page", false, GatewayESB, Fault{Status: 502, DropMidBody: true}, 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s *Server
			client := testClient
			if tc.tls {
				var caPEM string
				s, caPEM = NewTLSTestServer(t, Options{Data: GenerateDataset(GenerateOptions{Seed: 7})})
				client = tlsClient(t, caPEM)
			} else {
				s, _ = demoServer(t, Options{})
			}
			s.Inject(tc.fault)
			saved := testClient
			testClient = client
			defer func() { testClient = saved }()
			resp, body, err := rawPost(s, tc.gw)
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read error %v, want unexpected EOF", err)
			}
			if len(body) == 0 || int64(len(body)) >= resp.ContentLength {
				t.Fatalf("got %d of %d bytes, want part of the body", len(body), resp.ContentLength)
			}
			// The server goes on serving.
			if _, _, err := rawPost(s, tc.gw); err != nil {
				t.Fatalf("after the drop: %v", err)
			}
		})
	}
}

// TestFaultDelay: Delay holds one answer long enough for a per-attempt
// timeout; the server does not keep the next request waiting.
func TestFaultDelay(t *testing.T) {
	s, _ := demoServer(t, Options{})
	s.Inject(Fault{Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.APIGWURL()+APIGWResourcePrefix+"2", bytes.NewReader(gwBody(testTemplate, 0, 1)))
	req.Header.Set("X-Bkapi-Authorization", gwAuth)
	_, err := testClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a timeout", err)
	}
	began := time.Now()
	fetch(t, s, GatewayAPIGW, testBiz, testTemplate, 0, 1)
	if took := time.Since(began); took > time.Second {
		t.Fatalf("next request took %v", took)
	}
}

// TestFaultExtraItems: a page with more items than its limit.
func TestFaultExtraItems(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := d.Instances(testBiz, testTemplate)
	s.Inject(Fault{ExtraItems: 3})
	count, info := fetch(t, s, GatewayESB, testBiz, testTemplate, 10, 5)
	if count != len(want) || len(info) != 8 || info[0].ID != want[10].ID || info[7].ID != want[17].ID {
		t.Fatalf("count %d, %d items", count, len(info))
	}
}

// TestFaultRetryAfterOnRateLimitedStatus: a fault with only a status keeps
// any header the test gives, even on a real page (Status 200 + Header).
func TestFaultHeaderOnRealPage(t *testing.T) {
	s, _ := demoServer(t, Options{})
	s.Inject(Fault{Header: map[string]string{"X-Test": "1"}})
	r := postGW(t, s, "2", gwBody(testTemplate, 0, 2), nil)
	if r.header.Get("X-Test") != "1" {
		t.Fatalf("header missing")
	}
	if count, info := r.page(t); count == 0 || len(info) != 2 {
		t.Fatalf("page %d %d", count, len(info))
	}
	if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(r.body)) {
		t.Fatalf("Content-Length %s for %d bytes", got, len(r.body))
	}
}
