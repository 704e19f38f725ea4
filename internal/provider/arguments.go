package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The arguments the data sources share, each checked at plan time.

// bizIDArgument is the required bk_biz_id.
func bizIDArgument() schema.Int64Attribute {
	return schema.Int64Attribute{
		Required:            true,
		MarkdownDescription: "Business ID, 1 or more.",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// idArgument is an optional ID of 1 or more.
func idArgument(description string) schema.Int64Attribute {
	return schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: description,
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// nameArgument is an optional exact name.
func nameArgument(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: description,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

// boolArgument is an optional bool whose null means false. (Data sources have no
// schema defaults: the state keeps null when it is not set.)
func boolArgument(description string) schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, MarkdownDescription: description + " Default `false`."}
}

// idListArgument is an optional list of IDs of 1 or more.
func idListArgument(description string) schema.ListAttribute {
	return schema.ListAttribute{
		Optional:            true,
		ElementType:         types.Int64Type,
		MarkdownDescription: description,
		Validators:          []validator.List{listvalidator.ValueInt64sAre(int64validator.AtLeast(1))},
	}
}

// lookup is what a lookup data source looks for: one record of a kind, by a value.
type lookup struct {
	api, kind, kinds string // e.g. "search_business", "business", "businesses"
	wanted           string // e.g. `named "web-shop"`, "with ID 3"
	where            string // e.g. " in business 3", or ""
	notFound         string // the detail of a not-found error: what to check
}

// one returns the one candidate that matches, or the error of none or of several: its
// summary says "not found" or lists the matching ids, and names the API and the value.
func one[T any, K int64 | string](l lookup, candidates []T, matches func(*T) bool, id func(*T) K) (*T, diag.Diagnostic) {
	found := filter(candidates, matches)
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
		return nil, diag.NewErrorDiagnostic(fmt.Sprintf("%s: no %s %s%s (not found)", l.api, l.kind, l.wanted, l.where), l.notFound)
	}
	return nil, diag.NewErrorDiagnostic(
		fmt.Sprintf("%s: %d %s %s%s (ids %s)", l.api, len(found), l.kinds, l.wanted, l.where, joinIDs(found, id)),
		fmt.Sprintf("More than one %s matches. Look it up by its ID instead.", l.kind))
}
