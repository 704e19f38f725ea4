package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// tflogAdapter sends the CMDB client's log lines to tflog. The context it is given carries
// the secret masks set by providerData.logContext, so secrets never reach a log line.
type tflogAdapter struct{}

var _ cmdb.Logger = tflogAdapter{}

func (tflogAdapter) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ownFields(ctx, fields), msg, fields)
}

func (tflogAdapter) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ownFields(ctx, fields), msg, fields)
}

// ownFields returns ctx with a private copy of its logger's fields. tflog's masking
// rewrites the fields of the context's logger in place (hashicorp/terraform-plugin-log
// #246), and the client logs from several page workers at once through one context:
// without a copy per call that is a "concurrent map writes" crash of the provider.
// tflog.SetField copies the fields; setting one of the call's own fields leaves the
// log line as it was.
func ownFields(ctx context.Context, fields map[string]any) context.Context {
	for k, v := range fields {
		return tflog.SetField(ctx, k, v)
	}
	return tflog.SetField(ctx, "component", "cmdb")
}
