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
	tflog.Debug(ctx, msg, fields)
}

func (tflogAdapter) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ctx, msg, fields)
}
