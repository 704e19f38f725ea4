package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// TestMain lets a test run this binary as the command itself.
func TestMain(m *testing.M) {
	if os.Getenv("BKCMDB_EMULATOR_RUN_MAIN") == "1" {
		os.Args = append([]string{"bkcmdb-emulator"}, strings.Fields(os.Getenv("BKCMDB_EMULATOR_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFile waits for path to hold a line.
func waitFile(t *testing.T, path string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if raw, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(raw), "\n") {
			return strings.TrimSpace(string(raw))
		}
		select {
		case err := <-done:
			t.Fatalf("command ended early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("%s not written", path)
	return ""
}

// TestRunServes: the command serves generated data on a free port, prints
// base URLs, credentials and the "listening on" line, writes -addr-file,
// logs requests without secrets, and returns when its context ends.
func TestRunServes(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-generate", "500", "-seed", "3", "-addr-file", addrFile,
			"-app-code", "my-app", "-app-secret", "s3cret", "-user", "alice,bob", "-stage-prefix", "/api/bk-cmdb/stage"}, &stdout, &stderr)
	}()
	url := waitFile(t, addrFile, done)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("addr file holds %q", url)
	}
	out := stdout.String()
	for _, want := range []string{"listening on " + url + "\n", url + "/api/bk-cmdb/stage", "my-app", "s3cret", "alice, bob", "set_template_id 11"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	body := `{"bk_app_code":"my-app","bk_app_secret":"s3cret","bk_username":"bob","bk_biz_id":2,"set_template_id":11,"page":{"start":0,"limit":5}}`
	resp, err := http.Post(url+emulator.ESBPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Code int64 `json:"code"`
		Data struct {
			Count int `json:"count"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	want := len(emulator.GenerateDataset(emulator.GenerateOptions{Seed: 3, Instances: 500}).Instances(2, 11))
	if env.Code != 0 || env.Data.Count != want {
		t.Fatalf("code %d count %d, want 0 and %d", env.Code, env.Data.Count, want)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "POST "+emulator.ESBPath+" gateway=esb status=200 code=0") || strings.Contains(logs, "s3cret") {
		t.Fatalf("request log:\n%s", logs)
	}
	if _, err := http.Post(url+emulator.ESBPath, "application/json", strings.NewReader(body)); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// TestRunTLS: -tls serves HTTPS with the CA written to -ca-file.
func TestRunTLS(t *testing.T) {
	dir := t.TempDir()
	addrFile, caFile := filepath.Join(dir, "addr"), filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tls", "-ca-file", caFile, "-addr-file", addrFile, "-quiet", "-generate", "50"}, io.Discard, io.Discard)
	}()
	url := waitFile(t, addrFile, done)
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post(url+emulator.ESBPath, "application/json", strings.NewReader("{}"))
	if err != nil || !strings.HasPrefix(url, "https://") {
		t.Fatalf("%s: %v", url, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestDump: -dump writes the generated dataset in the file format.
func TestDump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.json")
	if err := run(context.Background(), []string{"-generate", "120", "-seed", "9", "-dump", path}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := emulator.LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 9, Instances: 120}); !reflect.DeepEqual(got, want) {
		t.Fatal("dump differs from the generated dataset")
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-data", path, "-dump", "-"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"service_instances": [`) {
		t.Fatalf("dump to stdout: %.200s", stdout.String())
	}
}

// TestFlagErrors: bad flag combinations are refused before serving.
func TestFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"data and generate", []string{"-data", "x.json", "-generate", "5"}, "exclusive"},
		{"ca-file without tls", []string{"-ca-file", "ca.pem"}, "needs -tls"},
		{"bad token", []string{"-token", "abc"}, "TOKEN=USER"},
		{"missing data file", []string{"-data", "/nonexistent/data.json"}, "no such file"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, "unexpected arguments"},
		{"address in use", []string{"-addr", "256.0.0.1:0"}, "listen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tc.args, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Fatalf("error %v (stderr %q), want %q", err, stderr.String(), tc.want)
			}
		})
	}
}

// TestSignalShutdown: the real command stops cleanly, exit status 0, on
// SIGTERM and on SIGINT.
func TestSignalShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "BKCMDB_EMULATOR_RUN_MAIN=1", "BKCMDB_EMULATOR_ARGS=-addr 127.0.0.1:0 -generate 50")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			var url string
			for lines.Scan() {
				if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
					url = u
					break
				}
			}
			if url == "" {
				_ = cmd.Process.Kill()
				t.Fatal("no listening line")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(stdout)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v", err)
			}
			if !strings.Contains(string(rest), "shutting down") {
				t.Fatalf("stdout after signal: %q", rest)
			}
			if _, err := http.Get(url); err == nil {
				t.Fatal("still serving")
			}
		})
	}
}
