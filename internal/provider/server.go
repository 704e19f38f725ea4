package provider

import (
	"context"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// NewProtocol6Server returns the constructor of the provider's protocol 6 server, the one
// main serves: the framework's server, except that ReadDataSource of
// bkcmdb_service_instances writes its state straight to msgpack.
//
// The framework would otherwise copy the state, convert it to framework values for its
// semantic-equality pass, compare it with the copy, rebuild it to reify null blocks and
// then encode it: six walks over 1.3 million values for 100,000 instances, several
// hundred megabytes per 10,000 instances, and the largest share of the provider's time
// and memory. Everything else (schemas, validation, configuration, every other data
// source) goes through the framework; so does this read when the provider is not
// configured or the configuration is not the plain known numbers terraform sends, which
// keeps the framework's diagnostics for those cases.
//
// The server implements tfprotov6.ProviderServer only: the provider has no list
// resources, actions or state stores.
func NewProtocol6Server(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &Provider{version: version}
		fw, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		return &server{ProviderServer: fw, provider: p}, nil
	}
}

// server is the framework's server with the fast read of bkcmdb_service_instances.
type server struct {
	tfprotov6.ProviderServer
	provider *Provider
}

// serviceInstancesTypeName is the full type name of the data source.
const serviceInstancesTypeName = TypeName + "_service_instances"

// ReadDataSource reads bkcmdb_service_instances directly and hands every other read to
// the framework.
func (s *server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	data := s.provider.data.Load()
	if req == nil || req.TypeName != serviceInstancesTypeName || data == nil || req.Config == nil {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	bizID, setTemplateID, ok := serviceInstancesConfig(req.Config)
	if !ok {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	list, d := readServiceInstances(ctx, data, bizID, setTemplateID)
	if d != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: []*tfprotov6.Diagnostic{protoDiagnostic(d)}}, nil
	}
	return &tfprotov6.ReadDataSourceResponse{
		State: &tfprotov6.DynamicValue{MsgPack: appendServiceInstancesState(nil, bizID, setTemplateID, list)},
	}, nil
}

// serviceInstancesConfig returns bk_biz_id and set_template_id from the configuration
// when both are known integers of 1 or more.
func serviceInstancesConfig(config *tfprotov6.DynamicValue) (bizID, setTemplateID int64, ok bool) {
	t, err := stateTypes()
	if err != nil {
		return 0, 0, false
	}
	v, err := config.Unmarshal(t.state)
	if err != nil || !v.IsFullyKnown() || v.IsNull() {
		return 0, 0, false
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return 0, 0, false
	}
	bizID, ok1 := positiveInt(attrs["bk_biz_id"])
	setTemplateID, ok2 := positiveInt(attrs["set_template_id"])
	return bizID, setTemplateID, ok1 && ok2
}

// positiveInt is v as an int64 when it is a known, exact integer of 1 or more.
func positiveInt(v tftypes.Value) (int64, bool) {
	if !v.IsKnown() || v.IsNull() || !v.Type().Is(tftypes.Number) {
		return 0, false
	}
	var f big.Float
	if err := v.As(&f); err != nil {
		return 0, false
	}
	n, acc := f.Int64()
	return n, acc == big.Exact && n >= 1
}

// readServiceInstances runs the client's read with the provider's logging context; both
// read paths use it. The diagnostic is nil on success.
func readServiceInstances(ctx context.Context, data *providerData, bizID, setTemplateID int64) (*cmdb.ServiceInstanceList, diag.Diagnostic) {
	ctx = data.logContext(ctx)
	ctx = tflog.SetField(ctx, "bk_biz_id", bizID)
	ctx = tflog.SetField(ctx, "set_template_id", setTemplateID)
	list, err := data.client.ListServiceInstancesBySetTemplate(ctx, bizID, setTemplateID)
	if err != nil {
		return nil, errorDiagnostic(err)
	}
	tflog.Debug(ctx, "read service instances", map[string]any{"count": list.Count, "instances": len(list.Instances)})
	return list, nil
}

// protoDiagnostic is a framework diagnostic in protocol form.
func protoDiagnostic(d diag.Diagnostic) *tfprotov6.Diagnostic {
	severity := tfprotov6.DiagnosticSeverityError
	if d.Severity() == diag.SeverityWarning {
		severity = tfprotov6.DiagnosticSeverityWarning
	}
	return &tfprotov6.Diagnostic{Severity: severity, Summary: d.Summary(), Detail: d.Detail()}
}
