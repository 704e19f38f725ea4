package cmdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// refEnvelope is the envelope decoded by encoding/json: the reference the
// specialised decoder must agree with.
type refEnvelope struct {
	errorEnvelope
	Data struct {
		Count *int64            `json:"count"`
		Info  []ServiceInstance `json:"info"`
	} `json:"data"`
}

const refCap = 4

func refDecode(body []byte) (refEnvelope, infoState, error) {
	var env refEnvelope
	env.Data.Info = make([]ServiceInstance, 0, refCap)
	err := json.Unmarshal(body, &env)
	state := infoArray
	switch {
	case env.Data.Info == nil:
		state = infoNull
	case len(env.Data.Info) == 0 && cap(env.Data.Info) == refCap:
		state = infoMissing
	}
	return env, state, err
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
		`[1,2,3]`, `null`, ` {"data":"x"} `, `{"code":01}`, `{"a":[1,{"b":[true,false,null,-0.5e+3]}]}`,
	}
}

// FuzzDecodeEnvelope checks the specialised page decoder against encoding/json: same
// success or failure, same truncation verdict, same decoded values.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range seedBodies() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compareDecoders(t, body)
	})
}

func TestDecodeEnvelopeMatchesEncodingJSON(t *testing.T) {
	for _, s := range seedBodies() {
		compareDecoders(t, []byte(s))
		// Every prefix is a body cut off mid-way, or complete.
		for i := 0; i < len(s); i++ {
			compareDecoders(t, []byte(s[:i]))
		}
	}
}

func compareDecoders(t *testing.T, body []byte) {
	t.Helper()
	ref, refState, refErr := refDecode(body)
	var d pageDecoder
	got, err := d.decodeEnvelope(body, make([]ServiceInstance, 0, refCap))
	if (err == nil) != (refErr == nil) {
		t.Fatalf("body %q: error %v, encoding/json error %v", body, err, refErr)
	}
	if err != nil {
		if isTruncatedJSON(err) != refTruncated(body, refErr) {
			t.Fatalf("body %q: truncated %v (%v), encoding/json %v (%v)", body, isTruncatedJSON(err), err, isTruncatedJSON(refErr), refErr)
		}
		return
	}
	want := decodedEnvelope{
		Result: ref.Result, Code: ref.Code, Message: ref.Message, BkErrorCode: ref.BkErrorCode, BkErrorMsg: ref.BkErrorMsg,
		Permission: ref.Permission, RequestID: ref.RequestID, Count: ref.Data.Count, Info: ref.Data.Info, InfoState: refState,
	}
	if refState == infoMissing {
		want.Info = got.Info // both empty with the caller's capacity
	}
	if !bytes.Equal(got.Permission, want.Permission) {
		t.Fatalf("body %q: permission %q, want %q", body, got.Permission, want.Permission)
	}
	got.Permission, want.Permission = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q:\n got %+v\nwant %+v", body, dump(got), dump(want))
	}
}

// refTruncated reports whether encoding/json failed at the very end of body: it
// words a body cut inside a literal, number or escape as a syntax error at the end.
func refTruncated(body []byte, err error) bool {
	var se *json.SyntaxError
	return isTruncatedJSON(err) || (errors.As(err, &se) && se.Offset == int64(len(body)) &&
		strings.Contains(se.Error(), "' '") && body[len(body)-1] != ' ')
}

func dump(e decodedEnvelope) string {
	b, _ := json.Marshal(e)
	return string(b)
}

// The decoder keeps a page's strings in one allocation and allocates little per record.
func TestDecodeEnvelopeAllocations(t *testing.T) {
	d := emulator.SingleTemplate(2, 11, 500, 1)
	items, _ := json.Marshal(d.Instances(2, 11))
	body := []byte(`{"result":true,"code":0,"message":"success","data":{"count":500,"info":` + string(items) + `}}`)
	dst := make([]ServiceInstance, 0, 500)
	var dec pageDecoder
	allocs := testing.AllocsPerRun(20, func() {
		clear(dst[:cap(dst)])
		if _, err := dec.decodeEnvelope(body, dst); err != nil {
			t.Fatal(err)
		}
	})
	labelled := 0
	for _, in := range d.Instances(2, 11) {
		if in.Labels != nil {
			labelled++
		}
	}
	// One string arena for every string, the envelope's strings, and a labels map
	// (header and one group) per record that has labels.
	if limit := float64(2*labelled + 20); allocs > limit {
		t.Errorf("%.0f allocations for a 500-record page, want at most %.0f", allocs, limit)
	}
	if !strings.Contains(dst[:1][0].CreateTime, "T") {
		t.Errorf("decoded %+v", dst[0])
	}
}
