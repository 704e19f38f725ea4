package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// stringCheckValidator runs one of the shared checks on a known string at plan time.
type stringCheckValidator struct {
	description string
	envVar      string
	check       func(string) error
}

var _ validator.String = stringCheckValidator{}

// checkedString returns a validator that reports check's error on the attribute, naming
// the environment variable the value may also come from (envVar may be empty).
func checkedString(description, envVar string, check func(string) error) validator.String {
	return stringCheckValidator{description: description, envVar: envVar, check: check}
}

func (v stringCheckValidator) Description(_ context.Context) string { return v.description }

func (v stringCheckValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v stringCheckValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(),
			invalidDetail(req.Path.String(), v.envVar, v.description, req.ConfigValue.ValueString(), err, false))
	}
}

// invalidDetail is the detail of an invalid-value diagnostic. Sensitive values are not quoted.
func invalidDetail(attr, envVar, want, value string, err error, sensitive bool) string {
	source := attr
	if envVar != "" {
		source = fmt.Sprintf("%s (or the environment variable %s)", attr, envVar)
	}
	got := fmt.Sprintf(" The value %q is not accepted: %v.", value, err)
	if sensitive {
		got = fmt.Sprintf(" The value is not accepted: %v.", err)
	}
	return fmt.Sprintf("%s must be %s.%s", source, want, got)
}

// headersValidator checks every extra header name and value at plan time.
type headersValidator struct{}

var _ validator.Map = headersValidator{}

func (headersValidator) Description(_ context.Context) string {
	return "valid HTTP header names and values, none of " + strings.Join(cmdb.ReservedHeaders(), ", ")
}

func (v headersValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (headersValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	names := make([]string, 0, len(elems))
	for name := range elems {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, ok := elems[name].(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if err := checkHeader(name, s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(name), "Invalid header",
				fmt.Sprintf("headers[%q] cannot be used: %v. The provider sets X-Bkapi-Authorization from bk_app_code, bk_app_secret, bk_username and bk_token, "+
					"Blueking-Language and X-Bkcmdb-Language from language, and Content-Type and User-Agent itself.", name, err))
		}
	}
}
