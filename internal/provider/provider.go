// Package provider implements the bkcmdb Terraform provider: its configuration
// and its data sources.
package provider

import (
	"context"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// TypeName is the provider's type name, the prefix of every data source.
const TypeName = "bkcmdb"

// Provider is the bkcmdb provider.
type Provider struct {
	// version is the provider's release version, "dev" for local builds and "test" in tests.
	version string
	// data is what Configure built, for the fast read of NewProtocol6Server. One server
	// serves one provider configuration: terraform starts a plugin process for each
	// (each alias), so each has its own client, limit and shared reads. Only a test
	// harness that reattaches one in-process server for every alias configures it more
	// than once; the last configuration then serves them all, as the framework's
	// ProviderData does.
	data atomic.Pointer[providerData]
}

var _ provider.Provider = (*Provider)(nil)

// New returns a constructor of the provider, as providerserver.Serve wants it.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &Provider{version: version}
	}
}

// Metadata returns the provider type name and version.
func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

// Schema returns the provider configuration schema.
func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

// Configure resolves the configuration against the environment and builds the CMDB client
// shared by every data source: its requests_per_second limit and its shared reads.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var model providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	data, diags := configure(ctx, model, osEnv, p.version, req.TerraformVersion)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.DataSourceData = data
	p.data.Store(data)
}

// dataSourceSpecs are every data source of the provider.
var dataSourceSpecs = []*dataSourceSpec{
	businessSpec,
	setTemplateSpec,
	setsSpec,
	modulesSpec,
	serviceInstancesSpec,
	hostsSpec,
	instancesSpec,
	cloudAreasSpec,
	dynamicGroupSpec,
	listenersSpec,
}

// DataSources lists the provider's data sources.
func (p *Provider) DataSources(_ context.Context) []func() datasource.DataSource {
	out := make([]func() datasource.DataSource, len(dataSourceSpecs))
	for i, spec := range dataSourceSpecs {
		out[i] = newDataSource(spec)
	}
	return out
}

// Resources lists the provider's resources: none, the provider only reads.
func (p *Provider) Resources(_ context.Context) []func() resource.Resource {
	return nil
}
