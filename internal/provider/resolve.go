package provider

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// resolver resolves arguments against the environment, collecting diagnostics.
type resolver struct {
	env   lookupEnv
	diags diag.Diagnostics
}

// str returns the configured value, else the environment's, else def. ok is false when
// the value is unknown (an error is recorded) or missing with def == "" and required.
func (r *resolver) str(v types.String, attr, envVar, def string) (string, bool) {
	if v.IsUnknown() {
		r.unknown(attr, envVar)
		return "", false
	}
	if !v.IsNull() {
		return v.ValueString(), true
	}
	if envVar != "" {
		if s, ok := r.env(envVar); ok && s != "" {
			return s, true
		}
	}
	return def, true
}

// required is str for an argument without a default: a missing value is an error.
func (r *resolver) required(v types.String, attr, envVar, what string) string {
	s, ok := r.str(v, attr, envVar, "")
	if ok && s == "" {
		r.diags.AddAttributeError(path.Root(attr), "Missing "+attr,
			fmt.Sprintf("The provider needs %s. Set %s in the provider block or the environment variable %s.", what, attr, envVar))
	}
	return s
}

// checked runs check on a value that came from the environment; configured values
// were already checked at plan time by the attribute validators.
func (r *resolver) checked(v types.String, attr, envVar, want, value string, sensitive bool, check func(string) error) bool {
	if !v.IsNull() || value == "" {
		return true
	}
	if err := check(value); err != nil {
		r.diags.AddAttributeError(path.Root(attr), "Invalid "+envVar,
			invalidDetail(attr, envVar, want, value, err, sensitive))
		return false
	}
	return true
}

func (r *resolver) int64(v types.Int64, attr, envVar string, def, lo, hi int64) int64 {
	if v.IsUnknown() {
		r.unknown(attr, envVar)
		return def
	}
	if !v.IsNull() {
		return v.ValueInt64()
	}
	if envVar == "" {
		return def
	}
	s, ok := r.env(envVar)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err == nil && (n < lo || n > hi) {
		err = fmt.Errorf("it is out of range")
	}
	if err != nil {
		r.diags.AddAttributeError(path.Root(attr), "Invalid "+envVar,
			fmt.Sprintf("%s (or the environment variable %s) must be a whole number from %d to %d. The value %q is not accepted.", attr, envVar, lo, hi, s))
		return def
	}
	return n
}

// float64 resolves a number of 0 or more; values from the environment are checked here.
func (r *resolver) float64(v types.Float64, attr, envVar string) float64 {
	if v.IsUnknown() {
		r.unknown(attr, envVar)
		return 0
	}
	if !v.IsNull() {
		return v.ValueFloat64()
	}
	s, ok := r.env(envVar)
	if !ok || s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		r.diags.AddAttributeError(path.Root(attr), "Invalid "+envVar,
			fmt.Sprintf("%s (or the environment variable %s) must be a number of 0 (no limit) or more. The value %q is not accepted.", attr, envVar, s))
		return 0
	}
	return f
}

func (r *resolver) bool(v types.Bool, attr, envVar string) bool {
	if v.IsUnknown() {
		r.unknown(attr, envVar)
		return false
	}
	if !v.IsNull() {
		return v.ValueBool()
	}
	s, ok := r.env(envVar)
	if !ok || s == "" {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		r.diags.AddAttributeError(path.Root(attr), "Invalid "+envVar,
			fmt.Sprintf("%s (or the environment variable %s) must be true or false. The value %q is not accepted.", attr, envVar, s))
	}
	return b
}

// duration resolves a duration argument; values from the environment are checked here.
func (r *resolver) duration(v types.String, attr, envVar string, def time.Duration) time.Duration {
	s, ok := r.str(v, attr, envVar, "")
	if !ok || s == "" {
		return def
	}
	d, err := parsePositiveDuration(s)
	if err != nil {
		// A configured value was reported by its validator already.
		if v.IsNull() {
			r.diags.AddAttributeError(path.Root(attr), "Invalid "+envVar,
				invalidDetail(attr, envVar, wantDuration, s, err, false))
		}
		return def
	}
	return d
}

func (r *resolver) unknown(attr, envVar string) {
	hint := ""
	if envVar != "" {
		hint = fmt.Sprintf(", or leave it out and set the environment variable %s", envVar)
	}
	r.diags.AddAttributeError(path.Root(attr), "Unknown "+attr,
		fmt.Sprintf("The provider cannot be configured because %s depends on a value that is not known until apply. "+
			"Set it to a value known at plan time%s.", attr, hint))
}
