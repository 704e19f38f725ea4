// Command bkcmdb-emulator serves an emulated BlueKing CMDB (service
// instances, businesses, set templates, sets, modules and hosts) over the
// legacy ESB and the API gateway, for trying Terraform configurations offline.
//
//	go run ./internal/emulator/cmd/bkcmdb-emulator -addr 127.0.0.1:0 -generate 3000 -seed 1
//
// It prints the ESB and API gateway base URLs, the accepted credentials, the
// APIs and their paths, the businesses and set templates it holds, then a
// line "listening on http://127.0.0.1:PORT" (the same URL is written to
// -addr-file when given), logs one line per request on stderr, and stops
// cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// config holds the parsed flags.
type config struct {
	addr, dataFile, addrFile, caFile, dumpFile string
	generate, hosts                            int
	tenants, hidden                            string
	seed                                       int64
	latency                                    time.Duration
	appCode, appSecret, users, tokens, stage   string
	rateLimit                                  float64
	useTLS, quiet, multiTenant, strict         bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "bkcmdb-emulator:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bkcmdb-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	fs.StringVar(&c.dataFile, "data", "", "dataset JSON file (see README); default: a generated dataset")
	fs.IntVar(&c.generate, "generate", 0, "generate a dataset of this many service instances (default 3000)")
	fs.IntVar(&c.hosts, "hosts", 0, "generate this many more hosts in business web-shop (bk_biz_id 2)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the generated dataset")
	fs.DurationVar(&c.latency, "latency", 0, "latency added to every request, e.g. 50ms")
	fs.StringVar(&c.appCode, "app-code", emulator.DefaultAppCode, "accepted bk_app_code")
	fs.StringVar(&c.appSecret, "app-secret", emulator.DefaultAppSecret, "accepted bk_app_secret")
	fs.StringVar(&c.users, "user", emulator.DefaultUser, "accepted bk_username values, comma-separated")
	fs.StringVar(&c.tokens, "token", "", "accepted bk_token values as TOKEN=USER, comma-separated")
	fs.StringVar(&c.stage, "stage-prefix", emulator.DefaultStagePrefix, "API gateway stage path prefix")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "requests per second over all requests (0 = unlimited)")
	fs.BoolVar(&c.useTLS, "tls", false, "serve HTTPS with a self-signed CA generated at start")
	fs.StringVar(&c.caFile, "ca-file", "", "with -tls: write the CA certificate PEM to this file")
	fs.StringVar(&c.addrFile, "addr-file", "", "write the base URL to this file once listening")
	fs.StringVar(&c.dumpFile, "dump", "", `write the dataset as JSON to this file ("-" = stdout) and exit`)
	fs.BoolVar(&c.quiet, "quiet", false, "do not log requests")
	fs.BoolVar(&c.multiTenant, "multi-tenant", false, "emulate a multi-tenant build: records without bk_supplier_account, X-Bk-Tenant-Id one of -tenants")
	fs.StringVar(&c.tenants, "tenants", emulator.DefaultTenant, "with -multi-tenant: accepted X-Bk-Tenant-Id values, comma-separated")
	fs.StringVar(&c.hidden, "hidden-businesses", "", "bk_biz_id values search_business leaves out, as IAM does for a user who may not see them, comma-separated")
	fs.BoolVar(&c.strict, "strict", false, "refuse a page limit above the documented maximum (search_business 200, the others 500) with 1199059, as a stricter gateway or CMDB release would")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.dataFile != "" && (c.generate != 0 || c.hosts != 0) {
		return c, errors.New("-data and -generate/-hosts are exclusive")
	}
	if c.generate < 0 || c.hosts < 0 {
		return c, errors.New("-generate and -hosts must be positive")
	}
	if c.caFile != "" && !c.useTLS {
		return c, errors.New("-ca-file needs -tls")
	}
	return c, nil
}

// run serves until ctx ends (main cancels it on SIGINT or SIGTERM).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	data, err := loadData(c)
	if err != nil {
		return err
	}
	if c.dumpFile != "" {
		return dump(data, c.dumpFile, stdout)
	}
	tokens := map[string]string{}
	for _, pair := range splitList(c.tokens) {
		tok, user, ok := strings.Cut(pair, "=")
		if !ok || tok == "" || user == "" {
			return fmt.Errorf("-token %q: want TOKEN=USER", pair)
		}
		tokens[tok] = user
	}
	var hidden []int64
	for _, id := range splitList(c.hidden) {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return fmt.Errorf("-hidden-businesses %q: want business ids", id)
		}
		hidden = append(hidden, n)
	}
	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	opts := emulator.Options{
		Data: data, AppCode: c.appCode, AppSecret: c.appSecret, Users: splitList(c.users), Tokens: tokens,
		StagePrefix: c.stage, Latency: c.latency, RateLimit: c.rateLimit, MultiTenant: c.multiTenant, StrictLimits: c.strict,
		Tenants: splitList(c.tenants), HiddenBusinesses: hidden,
	}
	if !c.quiet {
		opts.Log = func(line string) { logger.Print(line) }
	}
	srv := emulator.New(opts)
	if c.useTLS {
		caPEM, err := srv.StartTLS(c.addr)
		if err != nil {
			return err
		}
		if c.caFile != "" {
			if err := writeFileAtomic(c.caFile, []byte(caPEM)); err != nil {
				_ = srv.Close()
				return err
			}
		}
	} else if err := srv.Start(c.addr); err != nil {
		return err
	}
	printBanner(stdout, srv, data, c)
	if c.addrFile != "" {
		if err := writeFileAtomic(c.addrFile, []byte(srv.URL()+"\n")); err != nil {
			_ = srv.Close()
			return err
		}
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	return nil
}

func loadData(c config) (*emulator.Dataset, error) {
	if c.dataFile != "" {
		return emulator.LoadDataset(c.dataFile)
	}
	return emulator.GenerateDataset(emulator.GenerateOptions{Seed: c.seed, Instances: c.generate, ExtraHosts: c.hosts}), nil
}

func dump(d *emulator.Dataset, path string, stdout io.Writer) error {
	if path == "-" {
		return d.WriteJSON(stdout)
	}
	return d.Save(path)
}

func printBanner(w io.Writer, srv *emulator.Server, d *emulator.Dataset, c config) {
	fmt.Fprintf(w, "bkcmdb-emulator: %d service instances, %d businesses, %d set templates, %d sets, %d modules, %d hosts\n",
		len(d.ServiceInstances), len(d.Businesses), len(d.SetTemplates), len(d.Sets), len(d.Modules), len(d.Hosts))
	fmt.Fprintf(w, "ESB base_url   (gateway = \"esb\"):   %s\n", srv.URL())
	fmt.Fprintf(w, "APIGW base_url (gateway = \"apigw\"): %s\n", srv.APIGWURL())
	fmt.Fprintf(w, "bk_app_code:   %s\n", srv.AppCode())
	fmt.Fprintf(w, "bk_app_secret: %s\n", srv.AppSecret())
	fmt.Fprintf(w, "bk_username:   %s\n", strings.Join(srv.Users(), ", "))
	if c.tokens != "" {
		fmt.Fprintf(w, "bk_token:      %d accepted token(s) from -token\n", len(splitList(c.tokens)))
	}
	if c.multiTenant {
		fmt.Fprintf(w, "X-Bk-Tenant-Id: %s\n", strings.Join(splitList(c.tenants), ", "))
	}
	if c.useTLS {
		where := "pass -ca-file to save it"
		if c.caFile != "" {
			where = c.caFile
		}
		fmt.Fprintf(w, "TLS CA:        %s\n", where)
	}
	fmt.Fprintf(w, "APIs (ESB: POST %s<api>/, gateway: POST %s<path>):\n", emulator.ESBPrefix, srv.StagePrefix())
	for _, api := range emulator.APIs() {
		fmt.Fprintf(w, "  %-38s %s\n", api, emulator.APIGWPathOf(api, nil))
	}
	fmt.Fprintln(w, "businesses:")
	bizNames := map[int64]string{}
	for _, b := range d.Businesses {
		bizNames[b.ID] = b.Name
		hosts := len(d.HostsOf(b.ID, nil, nil, nil))
		switch {
		case b.Default == 1:
			fmt.Fprintf(w, "  bk_biz_id %d (%s): resource pool, %d hosts (search_business never returns it)\n", b.ID, b.Name, hosts)
		case b.DataStatus == "disabled":
			fmt.Fprintf(w, "  bk_biz_id %d (%s): disabled, %d hosts (search_business never returns it)\n", b.ID, b.Name, hosts)
		default:
			fmt.Fprintf(w, "  bk_biz_id %d (%s): %d sets, %d hosts\n", b.ID, b.Name, len(d.SetsOf(b.ID)), hosts)
		}
	}
	fmt.Fprintln(w, "set templates:")
	templates := append([]emulator.SetTemplate(nil), d.SetTemplates...)
	sort.Slice(templates, func(i, j int) bool {
		if templates[i].BizID != templates[j].BizID {
			return templates[i].BizID < templates[j].BizID
		}
		return templates[i].ID < templates[j].ID
	})
	for _, t := range templates {
		fmt.Fprintf(w, "  bk_biz_id %d (%s) set_template_id %d (%s): %d instances\n",
			t.BizID, bizNames[t.BizID], t.ID, t.Name, len(srv.Instances(t.BizID, t.ID)))
	}
	if len(d.Models) > 0 {
		fmt.Fprintln(w, "custom models (search_object_instances):")
		for _, m := range d.Models {
			fmt.Fprintf(w, "  bk_obj_id %s (%s): %d instances\n", m.ObjID, m.Name, len(m.Instances))
		}
	}
	if len(d.CloudAreas) > 0 {
		fmt.Fprintln(w, "cloud areas (search_cloud_area):")
		for _, a := range d.CloudAreas {
			fmt.Fprintf(w, "  bk_cloud_id %d (%s)\n", a.ID, a.Name)
		}
	}
	if len(d.DynamicGroups) > 0 {
		fmt.Fprintln(w, "dynamic groups (search_dynamic_group, execute_dynamic_group):")
		for _, g := range d.DynamicGroups {
			fmt.Fprintf(w, "  bk_biz_id %d (%s) id %s (%s): %s group\n", g.BizID, bizNames[g.BizID], g.ID, g.Name, g.ObjID)
		}
	}
	fmt.Fprintf(w, "listening on %s\n", srv.URL())
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// writeFileAtomic writes data to path through a temporary file and a rename,
// so a reader never sees a partial file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
