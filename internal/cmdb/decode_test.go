package cmdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// refEnvelope is the envelope decoded the plain way, by json.Unmarshal into fresh
// values: the reference that readPage's in-place decoding must agree with.
type refEnvelope struct {
	envelopeFields
	Data *struct {
		Count *int64            `json:"count"`
		Info  []ServiceInstance `json:"info"`
	} `json:"data"`
}

// refInfo is data.info as it was sent, to tell absent from null and [].
type refInfo struct {
	Data *struct {
		Info json.RawMessage `json:"info"`
	} `json:"data"`
}

const refCap = 4

// refVerdict is what the contract makes of an HTTP 200 body, worked out from refEnvelope.
type refVerdict struct {
	ok, truncated, retryable bool
	code                     int64
	count                    int64
	items                    []ServiceInstance
	requestID                string
}

func refClassify(body []byte) refVerdict {
	var env refEnvelope
	err := json.Unmarshal(body, &env)
	if err != nil {
		return refVerdict{truncated: refTruncated(body, err), retryable: refTruncated(body, err)}
	}
	var v refVerdict
	switch {
	case env.Code != nil:
		v.code = *env.Code
	case env.BkErrorCode != nil:
		v.code = *env.BkErrorCode
	}
	if env.Result == nil || !*env.Result || v.code != 0 {
		v.retryable = IsRateLimitCode(v.code)
		return v
	}
	var info refInfo
	_ = json.Unmarshal(body, &info)
	switch {
	case env.Data == nil || env.Data.Count == nil || *env.Data.Count < 0 || info.Data == nil || info.Data.Info == nil:
		return v // data, count or info missing, or a negative count
	case string(info.Data.Info) == "null" && *env.Data.Count != 0:
		return v
	}
	v.ok, v.count, v.items, v.requestID = true, *env.Data.Count, env.Data.Info, env.RequestID
	return v
}

func seedBodies() []string {
	d := emulator.SingleTemplate(2, 11, 3, 1)
	items, _ := json.Marshal(d.Instances(2, 11))
	return []string{
		`{"result":true,"code":0,"message":"success","permission":null,"request_id":"abc","data":{"count":3,"info":` + string(items) + `}}`,
		`{"result":true,"code":0,"message":"success","data":{"count":0,"info":[]}}`,
		`{"result":false,"code":1306000,"message":"APP Secret verification failed","permission":null,"request_id":"x","data":null}`,
		`{"result":false,"bk_error_code":1199008,"bk_error_msg":"'set_template_id' cannot be omitted","data":null}`,
		`{"result":false,"code":9900403,"message":"no","permission":{"system_id":"bk_cmdb","actions":[{"id":"a"}]},"data":null}`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":"1"}]}}`,
		`{"result":true,"code":0,"data":{"count":-1,"info":{}}}`,
		`{"result":true,"code":0,"data":{"count":2,"info":[{"ID":9007199254740993,"Name":"a\u00e9\ud83d\ude00\"","labels":{"k":"v","n":null}},null]}}`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":1,"name":"x","name":null,"labels":{"a":"1"},"labels":{"b":"2"}}]}}`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":1}],"info":[{"name":"second"},{"id":2}]}}`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":1.5,"bk_host_id":1e3}]}}`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":99999999999999999999}]}}`,
		"{\"result\":true,\"message\":\"\xff\xfe bad utf8 \\ud800 lone\",\"data\":null}",
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":1,"name":"cut off`,
		`{"result":true,"code":0,"data":{"count":1,"info":[{"id":1}]}} trailing`,
		`{"result":true,"code":0,"data":{"count":0,"info":[{"id":1}],"info":null}}`,
		`{"result":true,"code":1199997,"message":"too many requests","data":null}`,
		`{"result":true,"code":0,"data":{"count":1}}`, `{"result":true,"code":0,"data":{"count":1,"info":null}}`,
		`{"result":true,"code":0,"data":{"count":0,"info":null}}`, `{"result":true,"code":0,"data":null}`, `{"result":true,"code":0}`,
		`[1,2,3]`, `null`, ` {"data":"x"} `, `{"code":01}`, `{"a":[1,{"b":[true,false,null,-0.5e+3]}]}`,
	}
}

// FuzzDecodeEnvelope checks how readPage classifies a body against the contract,
// worked out independently: for HTTP 200, success exactly when the reference decode
// succeeds (with the same count, records and request id); a body cut off mid-way
// exactly when encoding/json fails at the very end of the input, and then retried;
// rate-limit codes retried and nothing else; a non-JSON body reported with its
// content type and first 200 bytes. For an error status: never a panic, the cut-off
// verdict the same, and the status's retry rule otherwise.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range seedBodies() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkClassification(t, body)
	})
}

func TestDecodeEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, s := range seedBodies() {
		checkClassification(t, []byte(s))
		// Every prefix is a body cut off mid-way, or complete.
		for i := 0; i < len(s); i++ {
			checkClassification(t, []byte(s[:i]))
		}
	}
}

// classify runs readPage on body, answered with status.
func classify(status int, body []byte) (page[ServiceInstance], *APIError) {
	c := &Client{cfg: Config{Gateway: GatewayESB}, redact: newRedactor()}
	resp := &http.Response{
		StatusCode: status, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {"text/x-test"}}, Body: io.NopCloser(bytes.NewReader(body)),
	}
	return readPage(c, ListServiceInstanceBySetTemplate, resp, make([]ServiceInstance, 0, refCap))
}

func checkClassification(t *testing.T, body []byte) {
	t.Helper()
	got, e := classify(http.StatusOK, body)
	if !looksLikeJSONObject(body) {
		if e == nil || e.Message != "response is not JSON" || e.Retryable || e.ContentType != "text/x-test" || e.BodySnippet != snippet(body) {
			t.Fatalf("body %q: not JSON, got %+v", body, e)
		}
		return
	}
	want := refClassify(body)
	if (e == nil) != want.ok {
		t.Fatalf("body %q: error %v, reference ok %v", body, e, want.ok)
	}
	if e != nil {
		truncated := e.Message == "response body cut off"
		if truncated != want.truncated || e.Retryable != want.retryable || e.Message == "" {
			t.Fatalf("body %q: %q (retryable %v), reference truncated %v, retryable %v", body, e.Message, e.Retryable, want.truncated, want.retryable)
		}
		if !want.truncated && !strings.HasPrefix(e.Message, "malformed") && e.Code != want.code {
			t.Fatalf("body %q: code %d, reference %d", body, e.Code, want.code)
		}
	} else {
		if want.items == nil {
			want.items = got.items[:0] // both empty; got keeps the caller's array
		}
		if got.count != want.count || got.requestID != want.requestID || !reflect.DeepEqual(got.items, want.items) {
			t.Fatalf("body %q:\n got %d %q %+v\nwant %d %q %+v", body, got.count, got.requestID, got.items, want.count, want.requestID, want.items)
		}
	}

	// An error status: the same cut-off verdict, else that status's retry rule.
	for _, status := range []int{http.StatusBadRequest, http.StatusServiceUnavailable} {
		_, e := classify(status, body)
		if e == nil || e.StatusCode != status || (e.BodySnippet != "" && e.BodySnippet != snippet(body)) {
			t.Fatalf("body %q, HTTP %d: %+v", body, status, e)
		}
		truncated := e.Message == "response body cut off"
		if truncated != want.truncated || e.Retryable != (truncated || status == http.StatusServiceUnavailable) {
			t.Fatalf("body %q, HTTP %d: %q (retryable %v), reference truncated %v", body, status, e.Message, e.Retryable, want.truncated)
		}
	}
}

// refTruncated reports whether encoding/json failed at the very end of body: it
// words a body cut inside a literal, number or escape as a syntax error at the end.
func refTruncated(body []byte, err error) bool {
	var se *json.SyntaxError
	return isTruncatedJSON(err) || (errors.As(err, &se) && se.Offset == int64(len(body)) &&
		strings.Contains(se.Error(), "' '") && body[len(body)-1] != ' ')
}

// isTruncatedJSON is encoding/json's own word for input that ends mid-value.
func isTruncatedJSON(err error) bool {
	var se *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input"))
}

// pageOf500 is a success envelope of 500 emulator records, and how many of them have labels.
func pageOf500() ([]byte, int) {
	d := emulator.SingleTemplate(2, 11, 500, 1)
	items, _ := json.Marshal(d.Instances(2, 11))
	labelled := 0
	for _, in := range d.Instances(2, 11) {
		if in.Labels != nil {
			labelled++
		}
	}
	return []byte(`{"result":true,"code":0,"message":"success","data":{"count":500,"info":` + string(items) + `}}`), labelled
}

// A page is decoded in one pass straight into the caller's array: no copy of the
// records, no second decode.
func TestDecodePageInPlace(t *testing.T) {
	body, labelled := pageOf500()
	dst := make([]ServiceInstance, 0, 500)
	var p page[ServiceInstance]
	allocs := testing.AllocsPerRun(10, func() {
		var ok bool
		if p, ok = decodePage(&APIError{}, ListServiceInstanceBySetTemplate, body, dst); !ok {
			t.Fatal("decode failed")
		}
	})
	if len(p.items) != 500 || &p.items[0] != &dst[:1][0] || !strings.Contains(p.items[0].CreateTime, "T") {
		t.Fatalf("%d records, not in the caller's array: %+v", len(p.items), p.items[0])
	}
	// No more than one plain decode into a slice of the right size: a second decode of
	// the page would double it.
	plain := testing.AllocsPerRun(10, func() {
		env := refEnvelope{}
		env.Data = &struct {
			Count *int64            `json:"count"`
			Info  []ServiceInstance `json:"info"`
		}{Info: make([]ServiceInstance, 0, 500)}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > plain+5 {
		t.Errorf("%.0f allocations for a 500-record page (%d with labels), want at most %.0f (one plain decode)", allocs, labelled, plain+5)
	}
}

// BenchmarkDecodePage decodes one page of 500 records.
func BenchmarkDecodePage(b *testing.B) {
	body, _ := pageOf500()
	dst := make([]ServiceInstance, 0, 500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodePage(&APIError{}, ListServiceInstanceBySetTemplate, body, dst); !ok {
			b.Fatal("decode failed")
		}
	}
}
