package provider

// Security: secrets never leak (the real terraform CLI running the real provider binary
// with TF_LOG=TRACE), TLS, proxies and the headers users cannot override.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// Secrets of the leak test: distinctive, so that any copy of them is found.
const (
	leakSecret = "bkS3cr3t-Q7z9-never-in-any-output"
	leakToken  = "bkT0ken-W4x8-never-in-any-output"
)

// terraformCLI finds the CLI the way scripts/terraform-cli.sh and
// scripts/with-terraform.sh hand it to tests: TF_ACC_TERRAFORM_PATH, else terraform on
// PATH. Without one the test is skipped, saying why.
func terraformCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TF_ACC_TERRAFORM_PATH=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		return p
	}
	t.Skip("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (make test does it through scripts/with-terraform.sh)")
	return ""
}

// buildProvider builds the provider binary from the repository root into dir.
func buildProvider(t *testing.T, dir string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH to build the provider: %v", err)
	}
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "terraform-provider-bkcmdb"), ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// cliRun is one terraform command and what it printed.
type cliRun struct {
	args           []string
	stdout, stderr string
	err            error
}

// tfWorkspace runs the real CLI in a directory, with a CLI configuration whose
// dev_overrides point bkcmdb/bkcmdb at a freshly built provider binary (no init needed),
// TF_LOG=TRACE and TF_LOG_PATH, and an environment cleared of every provider variable.
type tfWorkspace struct {
	t       *testing.T
	cli     string
	dir     string
	logPath string
	env     []string
	runs    []cliRun
}

// newTFWorkspace makes a workspace whose CLI configuration points at the provider binary
// in pluginDir (see buildProvider).
func newTFWorkspace(t *testing.T, cli, pluginDir string, extraEnv ...string) *tfWorkspace {
	t.Helper()
	root := t.TempDir()
	work := filepath.Join(root, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(root, "cli.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", "bkcmdb/bkcmdb", pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "BK_") || strings.HasPrefix(name, "BKCMDB_") ||
			strings.HasSuffix(strings.ToUpper(name), "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	logPath := filepath.Join(root, "terraform.log")
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "TF_LOG=TRACE", "TF_LOG_PATH="+logPath,
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	env = append(env, extraEnv...)
	return &tfWorkspace{t: t, cli: cli, dir: work, logPath: logPath, env: env}
}

// run runs one terraform command and keeps its output.
func (w *tfWorkspace) run(args ...string) cliRun {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.cli, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliRun{args: args, stdout: stdout.String(), stderr: stderr.String(), err: err}
	w.runs = append(w.runs, r)
	return r
}

// writeConfig writes main.tf.
func (w *tfWorkspace) writeConfig(hcl string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// file reads a file of the workspace ("" when it does not exist).
func (w *tfWorkspace) file(path string) string {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		w.t.Fatal(err)
	}
	return string(b)
}

// leakConfig is a configuration reading one template through the gateway; credentials
// holds the provider lines that give the secrets (none when they come from the
// environment).
func leakConfig(gateway, baseURL, credentials string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    bkcmdb = { source = "bkcmdb/bkcmdb" }
  }
}

provider "bkcmdb" {
  base_url       = %q
  gateway        = %q
  bk_app_code    = %q
  page_size      = 20
  retry_wait_min = "10ms"
  retry_wait_max = "50ms"
  %s
}

data "bkcmdb_service_instances" "all" {
  bk_biz_id       = 3
  set_template_id = 7
}

output "total" {
  value = data.bkcmdb_service_instances.all.total
}
`, baseURL, gateway, testAppCode, credentials)
}

// TestSecretsNeverLeakThroughTerraformCLI: with TF_LOG=TRACE, bk_app_secret and bk_token
// appear nowhere: not in terraform's log (which holds the provider's log lines, sent
// through the plugin's stderr), stdout, stderr, the state, the saved plan as
// `terraform show -json` prints it, or the diagnostics, also when the server echoes them
// back in its messages, on retried failures and on the final one.
//
// The secrets come from BK_APP_SECRET and BK_TOKEN (esb) or are written in the provider
// block (apigw). In the second case terraform itself prints the configuration's literal
// values under "configuration" in `terraform show -json`: that is terraform's doing, not
// the provider's, and the reason the docs ask for environment variables; the test checks
// that this is the only place.
func TestSecretsNeverLeakThroughTerraformCLI(t *testing.T) {
	cli := terraformCLI(t)
	pluginDir := t.TempDir()
	buildProvider(t, pluginDir)
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			t.Parallel()
			data := emulator.SingleTemplate(3, 7, 50, 3)
			srv := newEmulator(t, emulator.Options{Data: data, AppSecret: leakSecret, Tokens: map[string]string{leakToken: testUser}})
			var w *tfWorkspace
			credentials := ""
			if gateway == "esb" {
				w = newTFWorkspace(t, cli, pluginDir, envAppSecret+"="+leakSecret, envToken+"="+leakToken)
			} else {
				w = newTFWorkspace(t, cli, pluginDir)
				credentials = fmt.Sprintf("bk_app_secret = %q\n  bk_token = %q", leakSecret, leakToken)
			}
			w.writeConfig(leakConfig(gateway, baseURLFor(srv, gateway), credentials))
			echo := "you sent bk_app_secret=" + leakSecret + " bk_token=" + leakToken

			// A retried failure that echoes the secrets (logged as a retry), then data.
			retried := emulator.Fault{Code: 1306429, Message: echo}
			if gateway == "apigw" {
				retried = emulator.Fault{Status: 502, Code: 1650200, Message: echo}
			}
			srv.Inject(retried)
			plan := w.run("plan", "-out=saved.tfplan", "-no-color")
			if plan.err != nil {
				t.Fatalf("terraform plan: %v\n%s\n%s", plan.err, plan.stdout, plan.stderr)
			}
			show := w.run("show", "-json", "saved.tfplan")
			if show.err != nil {
				t.Fatalf("terraform show: %v\n%s", show.err, show.stderr)
			}
			apply := w.run("apply", "-auto-approve", "-no-color", "saved.tfplan")
			if apply.err != nil {
				t.Fatalf("terraform apply: %v\n%s\n%s", apply.err, apply.stdout, apply.stderr)
			}
			showState := w.run("show", "-json")

			// The final failure echoes them too: its diagnostic goes to stderr.
			final := emulator.Fault{Code: 1306000, Message: echo, Times: 10}
			if gateway == "apigw" {
				final = emulator.Fault{Status: 400, Code: 1640001, Message: echo, Times: 10}
			}
			srv.Inject(final)
			failed := w.run("plan", "-no-color")
			if failed.err == nil {
				t.Fatalf("plan succeeded against a failing server:\n%s", failed.stdout)
			}

			logText := w.file(w.logPath)
			state := w.file(filepath.Join(w.dir, "terraform.tfstate"))
			// Terraform indents its state file, OpenTofu 1.8 does not: look for values in a
			// compact copy (the secrets are looked for in the file as written).
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(state)); err != nil {
				t.Fatalf("state file is not JSON: %v", err)
			}
			// The test must see what it claims to check: the provider's own log lines, the
			// instances in state and in the plan, the echoed message with the secrets masked.
			for what, want := range map[string][]string{
				"terraform log":          {"provider.terraform-provider-bkcmdb", "cmdb request will be retried", "cmdb response", "***"},
				"state":                  {`"total":50`, data.Instances(3, 7)[49].Name},
				"plan JSON":              {`"total":50`},
				"state JSON":             {`"total":50`},
				"diagnostic of the plan": {"list_service_instance_by_set_template", "you sent bk_app_secret=***", "bk_token=***"},
			} {
				text := map[string]string{"terraform log": logText, "state": compact.String(), "plan JSON": show.stdout,
					"state JSON": showState.stdout, "diagnostic of the plan": failed.stderr}[what]
				for _, s := range want {
					if !strings.Contains(text, s) {
						t.Errorf("%s lacks %q: the test does not see what it checks", what, s)
					}
				}
			}

			planJSON := show.stdout
			if gateway == "apigw" {
				planJSON = withoutConfiguration(t, planJSON)
			}
			places := map[string]string{"terraform log (TF_LOG=TRACE)": logText, "state file": state, "saved plan (show -json)": planJSON}
			for _, r := range w.runs {
				cmd := strings.Join(r.args, " ")
				places["stdout of terraform "+cmd] = r.stdout
				places["stderr of terraform "+cmd] = r.stderr
			}
			places["stdout of terraform "+strings.Join(show.args, " ")] = planJSON
			for place, text := range places {
				for _, secret := range []string{leakSecret, leakToken} {
					if i := strings.Index(text, secret); i >= 0 {
						t.Errorf("secret found in the %s: …%s…", place, text[max(0, i-200):min(len(text), i+len(secret)+50)])
					}
				}
			}
		})
	}
}

// withoutConfiguration returns the plan JSON without its "configuration" object (the
// configuration as written, which terraform prints as is), after checking that the
// literal secrets are there and nowhere else.
func withoutConfiguration(t *testing.T, planJSON string) string {
	t.Helper()
	var plan map[string]json.RawMessage
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	if !strings.Contains(string(plan["configuration"]), leakSecret) {
		t.Log("terraform no longer prints literal provider arguments under configuration")
	}
	delete(plan, "configuration")
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccTLS: HTTPS with ca_cert_pem reads exact data; a server signed by another CA fails
// at once with a clear certificate error, after one attempt and no retry; with
// insecure_skip_verify the read works (the docs call it lab-only).
func TestAccTLS(t *testing.T) {
	clearProviderEnv(t)
	data := emulator.SingleTemplate(3, 7, 40, 8)
	srv, caPEM := newTLSEmulator(t, emulator.Options{Data: data})
	_, otherCA := newTLSEmulator(t, emulator.Options{})
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("emulator URL %s is not https", srv.URL())
	}
	exact := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(40)),
		expectInstances{addr: dataAddr, want: data.Instances(3, 7)},
	}

	t.Run("ca_cert_pem", func(t *testing.T) {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:            providerBlock("apigw", srv.APIGWURL(), fmt.Sprintf("ca_cert_pem = %q", caPEM)) + dataBlock(3, 7),
				ConfigStateChecks: exact,
			}},
		})
	})
	t.Run("wrong CA", func(t *testing.T) {
		srv.ResetRequests()
		start := time.Now()
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				// Retries would wait 2 s each: four of them would show in the time taken.
				Config: providerBlock("esb", srv.URL(), fmt.Sprintf("ca_cert_pem = %q", otherCA), "max_retries = 4",
					`retry_wait_min = "2s"`, `retry_wait_max = "2s"`) + dataBlock(3, 7),
				ExpectError: diagPattern("list_service_instance_by_set_template failed: TLS certificate verification failed",
					"Cause:", rx(`(certificate signed by unknown authority|x509)`), "Attempts: 1", "TLS certificate is not trusted", "ca_cert_pem"),
			}},
		})
		if el := time.Since(start); el > 6*time.Second {
			t.Errorf("took %s: the certificate failure was retried", el)
		}
		if n := srv.RequestCount(); n != 0 {
			t.Errorf("%d requests reached the server through an untrusted TLS connection", n)
		}
	})
	t.Run("insecure_skip_verify", func(t *testing.T) {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:            providerBlock("esb", srv.URL(), "insecure_skip_verify = true") + dataBlock(3, 7),
				ConfigStateChecks: exact,
			}},
		})
	})
	t.Run("documented as lab-only", func(t *testing.T) {
		for _, doc := range []string{"../../templates/index.md.tmpl", "../../docs/index.md"} {
			b, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`(?s)insecure_skip_verify.{0,200}labs? only`).Match(b) {
				t.Errorf("%s does not say insecure_skip_verify is for labs only", doc)
			}
		}
		if d := providerSchema().Attributes["insecure_skip_verify"].GetMarkdownDescription(); !strings.Contains(d, "labs only") {
			t.Errorf("schema description %q does not say labs only", d)
		}
	})
}

// forwardProxy is a loopback HTTP forward proxy: CONNECT tunnels (HTTPS_PROXY) and
// absolute-form requests (HTTP_PROXY). The CMDB host name the provider asks for does not
// resolve; the proxy sends it to the emulator, so a request reaches the emulator only
// through the proxy.
type forwardProxy struct {
	target   string // host:port of the emulator
	wantHost string // the host:port the provider must ask for
	connects atomic.Int64
	forwards atomic.Int64
	mu       sync.Mutex
	wrong    []string
	reverse  *httputil.ReverseProxy
}

func newForwardProxy(t *testing.T, target, wantHost string) (*forwardProxy, string) {
	p := &forwardProxy{target: target, wantHost: wantHost}
	p.reverse = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Scheme, pr.Out.URL.Host = "http", target
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p, "http://" + ln.Addr().String()
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if r.Method != http.MethodConnect {
		host = r.URL.Host
	}
	if host != p.wantHost {
		p.mu.Lock()
		p.wrong = append(p.wrong, r.Method+" "+host)
		p.mu.Unlock()
		http.Error(w, "unexpected host", http.StatusBadGateway)
		return
	}
	if r.Method != http.MethodConnect {
		p.forwards.Add(1)
		p.reverse.ServeHTTP(w, r)
		return
	}
	p.connects.Add(1)
	upstream, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = upstream.Close()
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		_ = upstream.Close()
		return
	}
	_, _ = rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	_ = rw.Flush()
	go func() {
		_, _ = io.Copy(upstream, rw.Reader) // what the client sent, buffered bytes first
		_ = upstream.Close()
	}()
	_, _ = io.Copy(conn, upstream)
	_ = conn.Close()
}

// TestAccProxy: requests go through HTTPS_PROXY (a CONNECT tunnel) and HTTP_PROXY when
// they are set, read when the request is made; NO_PROXY is honoured. The base_url names a
// host that only the proxy can reach, so data can only arrive through it (loopback
// addresses never use a proxy, as in net/http).
func TestAccProxy(t *testing.T) {
	clearProviderEnv(t)
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		t.Setenv(name, "")
	}
	data := emulator.SingleTemplate(3, 7, 30, 4)
	exact := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("total"), knownvalue.Int64Exact(30)),
		expectInstances{addr: dataAddr, want: data.Instances(3, 7)},
	}

	t.Run("HTTPS_PROXY", func(t *testing.T) {
		srv, _ := newTLSEmulator(t, emulator.Options{Data: data})
		port := srv.Addr()[strings.LastIndex(srv.Addr(), ":")+1:]
		proxy, proxyURL := newForwardProxy(t, srv.Addr(), "cmdb.test:"+port)
		t.Setenv("HTTPS_PROXY", proxyURL)
		t.Setenv("NO_PROXY", "example.com")
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				// The emulator's certificate names 127.0.0.1, not cmdb.test.
				Config:            providerBlock("apigw", "https://cmdb.test:"+port+srv.StagePrefix(), "insecure_skip_verify = true", "page_size = 10") + dataBlock(3, 7),
				ConfigStateChecks: exact,
			}},
		})
		if proxy.connects.Load() == 0 || len(proxy.wrong) > 0 {
			t.Errorf("%d CONNECT tunnels, unexpected requests %v", proxy.connects.Load(), proxy.wrong)
		}
		if srv.RequestCount() == 0 {
			t.Error("no request reached the emulator")
		}
	})
	t.Run("HTTP_PROXY", func(t *testing.T) {
		srv := newEmulator(t, emulator.Options{Data: data})
		port := srv.Addr()[strings.LastIndex(srv.Addr(), ":")+1:]
		proxy, proxyURL := newForwardProxy(t, srv.Addr(), "cmdb.test:"+port)
		t.Setenv("HTTP_PROXY", proxyURL)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:            providerBlock("esb", "http://cmdb.test:"+port, "page_size = 10") + dataBlock(3, 7),
				ConfigStateChecks: exact,
			}},
		})
		if n := proxy.forwards.Load(); n == 0 || int(n) != srv.RequestCount() || len(proxy.wrong) > 0 {
			t.Errorf("%d requests forwarded, %d reached the emulator, unexpected %v", n, srv.RequestCount(), proxy.wrong)
		}
	})
	t.Run("NO_PROXY", func(t *testing.T) {
		srv, _ := newTLSEmulator(t, emulator.Options{Data: data})
		port := srv.Addr()[strings.LastIndex(srv.Addr(), ":")+1:]
		proxy, proxyURL := newForwardProxy(t, srv.Addr(), "cmdb.test:"+port)
		t.Setenv("HTTPS_PROXY", proxyURL)
		t.Setenv("NO_PROXY", "example.com, .test")
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: providerBlock("apigw", "https://cmdb.test:"+port+srv.StagePrefix(), "insecure_skip_verify = true", "max_retries = 0") + dataBlock(3, 7),
				// Sent directly, the request needs a name that does not resolve.
				ExpectError: diagPattern("list_service_instance_by_set_template failed: connection failed", rx(`lookup cmdb\.test`)),
			}},
		})
		if n := proxy.connects.Load() + proxy.forwards.Load(); n != 0 {
			t.Errorf("%d requests went through the proxy despite NO_PROXY", n)
		}
		if srv.RequestCount() != 0 {
			t.Error("a request reached the emulator")
		}
	})
}

// TestAccHeadersCannotOverrideReserved: headers naming X-Bkapi-Authorization,
// Content-Type or User-Agent (in any case) are a plan-time error, and no request is sent.
func TestAccHeadersCannotOverrideReserved(t *testing.T) {
	clearProviderEnv(t)
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 5, 1)})
	for _, tc := range []struct{ header, reserved string }{
		{"X-Bkapi-Authorization", "X-Bkapi-Authorization"},
		{"x-bkapi-authorization", "X-Bkapi-Authorization"},
		{"CONTENT-TYPE", "Content-Type"},
		{"User-Agent", "User-Agent"},
	} {
		t.Run(tc.header, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock("apigw", srv.APIGWURL(), fmt.Sprintf(`headers = { %q = "x", "X-Bk-Tenant-Id" = "t" }`, tc.header)) + dataBlock(3, 7),
					PlanOnly:    true,
					ExpectError: diagPattern("Invalid header", fmt.Sprintf("%q is set by the provider and cannot be overridden", tc.reserved)),
				}},
			})
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent despite a plan-time error", n)
	}
}

// TestHeadersGuardInClient: should reserved headers get past the plan-time check (a
// configuration built another way), the client still sends its own X-Bkapi-Authorization,
// Content-Type and User-Agent, once each.
func TestHeadersGuardInClient(t *testing.T) {
	// A multi-tenant emulator that knows tenant-a: the header passes through headers.
	srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 5, 1), MultiTenant: true, Tenants: []string{"tenant-a"}})
	m := nullModel()
	m.Headers = types.MapValueMust(types.StringType, map[string]attr.Value{
		"x-bkapi-authorization": types.StringValue(`{"bk_app_code":"evil","bk_app_secret":"evil"}`),
		"CONTENT-TYPE":          types.StringValue("text/plain"),
		"user-agent":            types.StringValue("evil-agent"),
		"X-Bk-Tenant-Id":        types.StringValue("tenant-a"),
	})
	env := fakeEnv(map[string]string{envBaseURL: srv.APIGWURL(), envGateway: "apigw", envAppCode: testAppCode,
		envAppSecret: testAppSecret, envUsername: testUser})
	data, diags := configure(context.Background(), m, env, "9.9.9", "1.11.4")
	if diags.HasError() {
		t.Fatalf("configure: %s", errorsText(diags))
	}
	list, err := data.client.ListServiceInstancesBySetTemplate(context.Background(), 3, 7)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if list.Count != 5 {
		t.Fatalf("count %d", list.Count)
	}
	h := srv.Requests()[0].Header
	for name, want := range map[string]string{
		"Content-Type":   "application/json",
		"User-Agent":     "terraform-provider-bkcmdb/9.9.9 Terraform/1.11.4",
		"X-Bk-Tenant-Id": "tenant-a",
	} {
		if got := h.Values(name); !slices.Equal(got, []string{want}) {
			t.Errorf("%s = %q, want [%q]", name, got, want)
		}
	}
	auth := h.Values("X-Bkapi-Authorization")
	var cred map[string]string
	if len(auth) != 1 || json.Unmarshal([]byte(auth[0]), &cred) != nil || cred["bk_app_code"] != testAppCode || cred["bk_app_secret"] != testAppSecret {
		t.Errorf("X-Bkapi-Authorization = %q, want the provider's own credentials", auth)
	}
}
