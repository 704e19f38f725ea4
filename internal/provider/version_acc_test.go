package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// tofuImpersonates maps an OpenTofu minor release to the Terraform version it reports
// to providers in ConfigureProvider (version.VersionToImpersonateForProviders in its
// source) instead of its own. Releases not listed report their own version (OpenTofu
// 1.6 to 1.10 do).
var tofuImpersonates = map[string]string{
	"1.12": "1.13.0",
}

// cliVersion runs `CLI version -json` and returns the CLI's flavor ("terraform" or
// "opentofu", from the first line of `CLI version`) and its version.
func cliVersion(t *testing.T, cli string) (flavor, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plain, err := exec.CommandContext(ctx, cli, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", cli, err)
	}
	flavor = "terraform"
	if strings.HasPrefix(string(plain), "OpenTofu") {
		flavor = "opentofu"
	}
	out, err := exec.CommandContext(ctx, cli, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", cli, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		t.Fatalf("%s version -json printed no terraform_version (%v):\n%s", cli, err, out)
	}
	return flavor, v.Version
}

// reportedVersion is the Terraform version a CLI sends providers: its own, except for
// the OpenTofu releases of tofuImpersonates.
func reportedVersion(flavor, version string) string {
	if flavor == "opentofu" {
		parts := strings.SplitN(version, ".", 3)
		if len(parts) >= 2 {
			if v, ok := tofuImpersonates[parts[0]+"."+parts[1]]; ok {
				return v
			}
		}
	}
	return version
}

// TestAccUserAgentCarriesCLIVersion: every request's User-Agent is
// "terraform-provider-bkcmdb/<provider version> Terraform/<version the CLI reports>",
// under whichever CLI runs the test (make test-compat runs it under each CLI of
// scripts/compat-clis.txt), on both gateways.
func TestAccUserAgentCarriesCLIVersion(t *testing.T) {
	flavor, version := cliVersion(t, terraformCLI(t))
	want := fmt.Sprintf("terraform-provider-bkcmdb/test Terraform/%s", reportedVersion(flavor, version))
	t.Logf("%s %s: expecting User-Agent %q", flavor, version, want)
	for _, gateway := range []string{"esb", "apigw"} {
		t.Run(gateway, func(t *testing.T) {
			clearProviderEnv(t)
			srv := newEmulator(t, emulator.Options{Data: emulator.SingleTemplate(3, 7, 4, 1)})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerBlock(gateway, baseURLFor(srv, gateway)) + dataBlock(3, 7),
					Check:  resource.TestCheckResourceAttr(dataAddr, "total", "4"),
				}},
			})
			reqs := srv.Requests()
			if len(reqs) == 0 {
				t.Fatal("the emulator received no request")
			}
			for i, r := range reqs {
				if got := r.Header.Values("User-Agent"); len(got) != 1 || got[0] != want {
					t.Errorf("request %d (%s): User-Agent = %q, want [%q]", i, r.Path, got, want)
				}
			}
		})
	}
}
