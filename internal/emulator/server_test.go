package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func tlsClient(t testing.TB, caPEM string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		t.Fatalf("CA PEM does not parse:\n%s", caPEM)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestTLS: HTTPS with the returned CA works on both front doors; a client
// that does not trust the CA fails with a certificate error.
func TestTLS(t *testing.T) {
	s, caPEM := NewTLSTestServer(t, Options{Data: GenerateDataset(GenerateOptions{Seed: 7})})
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || s.CAPEM() != caPEM || !strings.Contains(caPEM, "BEGIN CERTIFICATE") {
		t.Fatalf("URL %q, CA %q", s.URL(), caPEM)
	}
	saved := testClient
	testClient = tlsClient(t, caPEM)
	defer func() { testClient = saved }()
	if count, _ := fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1); count == 0 {
		t.Fatal("no data over TLS")
	}
	if count, _ := fetch(t, s, GatewayAPIGW, testBiz, testTemplate, 0, 1); count == 0 {
		t.Fatal("no data over TLS")
	}
	other, otherCA := NewTLSTestServer(t, Options{})
	if otherCA == caPEM {
		t.Fatal("two servers share a CA")
	}
	_, err := tlsClient(t, otherCA).Post(s.URL()+ESBPath, "application/json", strings.NewReader("{}"))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("wrong CA: error %v, want an unknown authority error", err)
	}
	_ = other
}

// TestRestart: Close refuses connections; Start on the same address serves
// the same data again (for "connection refused, then up").
func TestRestart(t *testing.T) {
	s, d := demoServer(t, Options{})
	url, addr := s.URL(), s.Addr()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// While closed the request fails. (Another process may grab the freed
	// port in between, so only "some error" is asserted, and a failed
	// restart on a stolen port skips the test.)
	if resp, err := testClient.Post(url+ESBPath, "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Fatalf("closed server answered %d", resp.StatusCode)
	}
	if err := s.Start(addr); err != nil {
		if strings.Contains(err.Error(), "address already in use") {
			t.Skipf("port taken by another process meanwhile: %v", err)
		}
		t.Fatal(err)
	}
	if s.URL() != url {
		t.Fatalf("URL %q after restart, was %q", s.URL(), url)
	}
	if err := s.Start(addr); err == nil {
		t.Fatal("second Start of a running server succeeded")
	}
	count, _ := fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1)
	if count != len(d.Instances(testBiz, testTemplate)) {
		t.Fatalf("count %d after restart", count)
	}
	if s.APIGWURL() != url+DefaultStagePrefix {
		t.Fatalf("APIGWURL %q", s.APIGWURL())
	}
}

// TestRequestLog: the log keeps method, path, query, headers, body, front
// door, status and code; ResetRequests empties it.
func TestRequestLog(t *testing.T) {
	var lines []string
	var mu sync.Mutex
	s, _ := demoServer(t, Options{Log: func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }})
	postESB(t, s, esbFields(testBiz, testTemplate, 0, 2))
	postGW(t, s, "2", gwBody(testTemplate, 4, 2), map[string]string{"X-Custom": "v"})
	post(t, s.APIGWURL()+APIGWResourcePrefix+"2?x=1", gwBody(testTemplate, 0, 2), nil)
	if s.RequestCount() != 3 {
		t.Fatalf("RequestCount %d", s.RequestCount())
	}
	reqs := s.Requests()
	want := []struct {
		gateway, path, query string
		status               int
		code                 int64
	}{
		{GatewayESB, ESBPath, "", 200, 0},
		{GatewayAPIGW, DefaultStagePrefix + APIGWResourcePrefix + "2", "", 200, 0},
		{GatewayAPIGW, DefaultStagePrefix + APIGWResourcePrefix + "2", "x=1", 400, CodeGWBadAppCredentials},
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != "POST" || r.Gateway != w.gateway || r.Path != w.path || r.RawQuery != w.query || r.Status != w.status || r.Code != w.code {
			t.Errorf("request %d: %+v, want %+v", i, r, w)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"bk_app_secret":"bkcmdb-demo-secret"`) {
		t.Errorf("ESB body not recorded: %s", reqs[0].Body)
	}
	if reqs[1].Header.Get("X-Custom") != "v" || reqs[1].Header.Get("X-Bkapi-Authorization") != gwAuth || string(reqs[1].Body) != string(gwBody(testTemplate, 4, 2)) {
		t.Errorf("gateway request not recorded: %+v", reqs[1])
	}
	mu.Lock()
	if len(lines) != 3 || !strings.Contains(lines[1], "gateway=apigw status=200 code=0 biz=2 set_template=11 start=4 limit=2") {
		t.Errorf("log lines %q", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, DefaultAppSecret) {
			t.Errorf("log line holds the secret: %s", l)
		}
	}
	mu.Unlock()
	s.ResetRequests()
	if s.RequestCount() != 0 || len(s.Requests()) != 0 {
		t.Fatal("ResetRequests kept requests")
	}
}

// TestOnPageMutations: the hook sees each valid page request with its N and
// can insert and delete between pages; the Dataset given to New is untouched.
func TestOnPageMutations(t *testing.T) {
	s, d := demoServer(t, Options{})
	before := d.Instances(testBiz, testTemplate)
	var seen []PageRequest
	var inserted Instance
	s.OnPage(func(p PageRequest, m *Mutator) {
		seen = append(seen, p)
		switch p.N {
		case 2:
			inserted = m.Insert(p.BizID, p.SetTemplateID, Instance{Name: "late", Labels: map[string]string{"env": "prod"}})
		case 3:
			m.Delete(before[0].ID)
		}
	})
	c1, _ := fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 10)
	c2, _ := fetch(t, s, GatewayAPIGW, testBiz, testTemplate, 10, 10)
	c3, first := fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 10)
	postESB(t, s, esbFields(testBiz, testTemplate, 0, 0)) // invalid: no hook call
	if c1 != len(before) || c2 != len(before)+1 || c3 != len(before) {
		t.Fatalf("counts %d %d %d, before %d", c1, c2, c3, len(before))
	}
	if first[0].ID != before[1].ID {
		t.Fatalf("deleted instance still served first")
	}
	wantSeen := []PageRequest{
		{GatewayESB, testBiz, testTemplate, 0, 10, 1, APIListServiceInstances},
		{GatewayAPIGW, testBiz, testTemplate, 10, 10, 2, APIListServiceInstances},
		{GatewayESB, testBiz, testTemplate, 0, 10, 3, APIListServiceInstances},
	}
	if !reflect.DeepEqual(seen, wantSeen) {
		t.Fatalf("hook saw %+v", seen)
	}
	last := before[len(before)-1]
	if inserted.ID <= last.ID || inserted.BizID != testBiz || inserted.ModuleID == 0 || inserted.CreateTime == "" || inserted.SupplierAccount != "0" {
		t.Fatalf("inserted %+v", inserted)
	}
	now := s.Instances(testBiz, testTemplate)
	if now[len(now)-1].ID != inserted.ID || now[0].ID != before[1].ID {
		t.Fatalf("Server.Instances does not reflect the changes")
	}
	if !reflect.DeepEqual(d.Instances(testBiz, testTemplate), before) {
		t.Fatal("the Dataset given to New changed")
	}
	s.OnPage(nil)
	fetch(t, s, GatewayESB, testBiz, testTemplate, 0, 1)
	if len(seen) != 3 {
		t.Fatal("hook still runs after OnPage(nil)")
	}
}

// TestInsertDelete: upsert by id, insertion in id order, module defaults,
// deletion, and a template with no module yet.
func TestInsertDelete(t *testing.T) {
	s, d := demoServer(t, Options{})
	want := d.Instances(testBiz, testTemplate)
	mid := Instance{ID: want[3].ID + 1, Name: "between", ModuleID: want[0].ModuleID}
	if want[4].ID == mid.ID {
		mid.ID = want[4].ID // then replace it
	}
	got := s.Insert(testBiz, testTemplate, mid)
	all := s.Instances(testBiz, testTemplate)
	if all[4].ID != mid.ID || all[4].Name != "between" || got.ModuleID != want[0].ModuleID {
		t.Fatalf("insert at position 4: %+v", all[4])
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatalf("not sorted at %d", i)
		}
	}
	if !s.Delete(mid.ID) || s.Delete(mid.ID) {
		t.Fatal("Delete reports wrongly")
	}
	fresh := s.Insert(testBiz, 4242, Instance{})
	if count, info := fetch(t, s, GatewayESB, testBiz, 4242, 0, 10); count != 1 || info[0].ID != fresh.ID {
		t.Fatalf("new template: %d %+v", count, info)
	}
}

// TestConcurrentReadsAndWrites is for the race detector: pages, mutations,
// faults and log reads at once; every page stays sorted and consistent.
func TestConcurrentReadsAndWrites(t *testing.T) {
	s, _ := demoServer(t, Options{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := 0; i < 25; i++ {
				gw := GatewayESB
				if i%2 == 1 {
					gw = GatewayAPIGW
				}
				count, info := fetch(t, s, gw, testBiz, testTemplate, i*3, 50)
				if count == 0 {
					t.Error("empty")
				}
				for j := 1; j < len(info); j++ {
					if info[j].ID <= info[j-1].ID {
						t.Error("page not sorted")
					}
				}
			}
		})
	}
	wg.Go(func() {
		for i := 0; i < 50; i++ {
			in := s.Insert(testBiz, testTemplate, Instance{})
			s.Delete(in.ID)
			s.Inject(Fault{Delay: time.Millisecond})
			_ = s.Requests()
			s.SetLatency(time.Duration(i%2) * time.Millisecond)
			s.SetRateLimit(0)
		}
	})
	s.OnPage(func(p PageRequest, m *Mutator) { m.Insert(p.BizID, p.SetTemplateID, Instance{ID: 1_000_000}) })
	wg.Wait()
}
