package provider

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// protoV6ProviderFactories serve the provider in-process to the real terraform CLI that
// terraform-plugin-testing runs, exactly as main serves it (the fast read included).
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	TypeName: NewProtocol6Server("test"),
}

// frameworkProviderFactories serve the plain framework server, whose read of
// bkcmdb_service_instances is the fallback path of NewProtocol6Server.
var frameworkProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	TypeName: providerserver.NewProtocol6WithError(New("test")()),
}

// Credentials the emulator accepts by default.
const (
	testAppCode   = "bkcmdb-demo"
	testAppSecret = "bkcmdb-demo-secret"
	testUser      = "admin"
)

// providerEnvVars are cleared for every acceptance test, so that a developer's own
// environment cannot change what a test sees.
var providerEnvVars = []string{
	envBaseURL, envGateway, envAppCode, envAppSecret, envUsername, envToken, envLanguage,
	envRequestTimeout, envMaxRetries, envCACertPEM, envInsecureSkipVerify, envAppendUserAgent,
	envSupplierAccount, envTenantID, envRequestsPerSecond,
}

// clearProviderEnv unsets the provider's variables for the test (t.Setenv restores them).
func clearProviderEnv(t *testing.T) {
	t.Helper()
	for _, name := range providerEnvVars {
		t.Setenv(name, "")
		if err := os.Unsetenv(name); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMain makes sure terraform-plugin-testing does not read a CLI configuration the
// machine may have (the image points TF_CLI_CONFIG_FILE at a file that may not exist).
func TestMain(m *testing.M) {
	if os.Getenv("TF_CLI_CONFIG_FILE") != "" {
		if _, err := os.Stat(os.Getenv("TF_CLI_CONFIG_FILE")); err != nil {
			_ = os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	os.Exit(m.Run())
}

// providerBlock is an HCL provider block for the emulator, with short retry waits.
// Each extra line is added inside it; one that sets retry_wait_min or retry_wait_max
// replaces the default.
func providerBlock(gateway, baseURL string, extra ...string) string {
	lines := []string{`retry_wait_min = "10ms"`, `retry_wait_max = "100ms"`}
	for _, e := range extra {
		key := strings.TrimSpace(strings.SplitN(e, "=", 2)[0])
		lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, key+" ") })
		lines = append(lines, e)
	}
	return fmt.Sprintf(`
provider "bkcmdb" {
  base_url      = %q
  gateway       = %q
  bk_app_code   = %q
  bk_app_secret = %q
  bk_username   = %q
  %s
}
`, baseURL, gateway, testAppCode, testAppSecret, testUser, strings.Join(lines, "\n  "))
}

// baseURLFor is the base_url of the emulator for a gateway.
func baseURLFor(s *emulator.Server, gateway string) string {
	if gateway == "apigw" {
		return s.APIGWURL()
	}
	return s.URL()
}

// newEmulator starts an emulator for opts that holds every request to the documented
// page maximum (StrictLimits), as a stricter gateway or CMDB release would: a provider
// that relies on the CMDB code tolerating more fails every acceptance test.
func newEmulator(t testing.TB, opts emulator.Options) *emulator.Server {
	t.Helper()
	opts.StrictLimits = true
	return emulator.NewTestServer(t, opts)
}

// newTLSEmulator is newEmulator over HTTPS; it also returns the CA PEM to trust.
func newTLSEmulator(t testing.TB, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	opts.StrictLimits = true
	return emulator.NewTLSTestServer(t, opts)
}
