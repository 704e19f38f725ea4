package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// NewProtocol6Server returns the constructor of the provider's protocol 6 server, the one
// main serves: the framework's server, except that ReadDataSource of every data source
// writes its state straight to msgpack (see state.go).
//
// The framework would otherwise copy the state, convert it to framework values for its
// semantic-equality pass, compare it with the copy, rebuild it to reify null blocks and
// then encode it: six walks over 1.3 million values for 100,000 instances, several
// hundred megabytes per 10,000 instances, and the largest share of the provider's time
// and memory. Everything else (schemas, validation, configuration) goes through the
// framework; so does a read when the provider is not configured or the configuration
// is not fully known, which keeps the framework's diagnostics for those cases.
//
// Every other RPC, the optional list resource, action and state store ones included, is
// the framework's (TestServerServesEveryFrameworkMethod holds that).
func NewProtocol6Server(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &Provider{version: version}
		fw, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		return newServer(fw, p)
	}
}

// server is the framework's server with the fast read of every data source.
type server struct {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer

	provider *Provider
	specs    map[string]*dataSourceSpec
}

func newServer(fw tfprotov6.ProviderServer, p *Provider) (*server, error) {
	lr, ok1 := fw.(tfprotov6.ListResourceServer)
	act, ok2 := fw.(tfprotov6.ActionServer)
	ss, ok3 := fw.(tfprotov6.StateStoreServer)
	if !ok1 || !ok2 || !ok3 {
		return nil, errors.New("the framework's server lacks an optional protocol 6 interface; update server")
	}
	s := &server{ProviderServer: fw, ListResourceServer: lr, ActionServer: act, StateStoreServer: ss,
		provider: p, specs: map[string]*dataSourceSpec{}}
	for _, spec := range dataSourceSpecs {
		s.specs[spec.typeName()] = spec
	}
	return s, nil
}

// ReadDataSource reads a data source directly when the provider is configured and the
// configuration is fully known, and hands every other read to the framework.
func (s *server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	data := s.provider.data.Load()
	if req == nil || data == nil || req.Config == nil || s.specs[req.TypeName] == nil {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	spec := s.specs[req.TypeName]
	typ, err := spec.stateType()
	if err != nil {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	config, err := req.Config.Unmarshal(typ)
	if err != nil || config.IsNull() || !config.IsFullyKnown() {
		return s.ProviderServer.ReadDataSource(ctx, req)
	}
	state, diags := spec.readState(ctx, data, config)
	resp := &tfprotov6.ReadDataSourceResponse{}
	for _, d := range diags {
		resp.Diagnostics = append(resp.Diagnostics, protoDiagnostic(d))
	}
	if state != nil {
		resp.State = &tfprotov6.DynamicValue{MsgPack: state}
	}
	return resp, nil
}

// unmarshalState decodes a state written by encodeState, for the framework's read.
func unmarshalState(state []byte, typ tftypes.Object) (tftypes.Value, error) {
	return (&tfprotov6.DynamicValue{MsgPack: state}).Unmarshal(typ)
}

// protoDiagnostic is a framework diagnostic in protocol form.
func protoDiagnostic(d diag.Diagnostic) *tfprotov6.Diagnostic {
	severity := tfprotov6.DiagnosticSeverityError
	if d.Severity() == diag.SeverityWarning {
		severity = tfprotov6.DiagnosticSeverityWarning
	}
	return &tfprotov6.Diagnostic{Severity: severity, Summary: d.Summary(), Detail: d.Detail()}
}
