package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// The benchmark's business and set template, and the page size of every variant.
const (
	bizID    = 3
	tplID    = 7
	pageSize = 500
	seed     = 42
)

const bkcmdbRequired = `terraform {
  required_providers {
    bkcmdb = { source = "bkcmdb/bkcmdb" }
  }
}
`

// bkcmdbProvider is the provider block for the emulator at url; extra lines go inside.
func bkcmdbProvider(url, gateway string, extra ...string) string {
	return fmt.Sprintf(`
provider "bkcmdb" {
  base_url      = %q
  gateway       = %q
  bk_app_code   = %q
  bk_app_secret = %q
  bk_username   = %q
  %s
}
`, url, gateway, emulator.DefaultAppCode, emulator.DefaultAppSecret, emulator.DefaultUser, strings.Join(extra, "\n  "))
}

// oneRead reads every instance of the template with one data source; filter, when
// set, is a line of filter arguments.
func oneRead(url string, parallelism int, filter string) string {
	return bkcmdbRequired + bkcmdbProvider(url, "esb", "parallelism = "+strconv.Itoa(parallelism)) + fmt.Sprintf(`
data "bkcmdb_service_instances" "all" {
  bk_biz_id       = %d
  set_template_id = %d
  %s
}

output "instances" {
  value = length(data.bkcmdb_service_instances.all.instances)
}
`, bizID, tplID, filter)
}

// idsList is ids as an HCL list.
func idsList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// perModule reads the template as one data source per module: a for_each with
// bk_module_ids, every one the same request (one shared walk); extra lines go in the
// provider block.
func perModule(url string, modules []int64, extra ...string) string {
	return perModuleFiltered(url, modules, "", extra...)
}

// perModuleFiltered is perModule with a line of further filter arguments in each data
// source.
func perModuleFiltered(url string, modules []int64, filter string, extra ...string) string {
	return bkcmdbRequired + bkcmdbProvider(url, "esb", extra...) + fmt.Sprintf(`
locals {
  modules = %s
}

data "bkcmdb_service_instances" "module" {
  for_each        = toset([for m in local.modules : tostring(m)])
  bk_biz_id       = %d
  set_template_id = %d
  bk_module_ids   = [tonumber(each.key)]
  %s
}

output "instances" {
  value = sum([for d in data.bkcmdb_service_instances.module : length(d.instances)])
}
`, idsList(modules), bizID, tplID, filter)
}

// fleet reads each template with its own data source (a for_each) through the
// gateway, in pages of size, with requests_per_second when rps > 0.
func fleet(url string, templates []int64, size, rps int) string {
	extra := []string{"page_size = " + strconv.Itoa(size), "max_retries = 10"}
	if rps > 0 {
		extra = append(extra, "requests_per_second = "+strconv.Itoa(rps))
	}
	return bkcmdbRequired + bkcmdbProvider(url, "apigw", extra...) + fmt.Sprintf(`
locals {
  templates = %s
}

data "bkcmdb_service_instances" "fleet" {
  for_each        = toset([for t in local.templates : tostring(t)])
  bk_biz_id       = %d
  set_template_id = tonumber(each.key)
}

output "instances" {
  value = sum([for d in data.bkcmdb_service_instances.fleet : length(d.instances)])
}
`, idsList(templates), bizID)
}

// identical is n data sources with identical arguments.
func identical(url string, n int) string {
	return bkcmdbRequired + bkcmdbProvider(url, "esb") + fmt.Sprintf(`
data "bkcmdb_service_instances" "same" {
  count           = %d
  bk_biz_id       = %d
  set_template_id = %d
}

output "instances" {
  value = sum([for d in data.bkcmdb_service_instances.same : length(d.instances)])
}
`, n, bizID, tplID)
}

// httpConfig is what a user writes without the provider: a first request for the
// count, then one data "http" per page, decoded and flattened.
func httpConfig(url string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    http = { source = "hashicorp/http" }
  }
}

locals {
  url       = "%s/api/c/compapi/v2/cc/list_service_instance_by_set_template/"
  page_size = %d
  request = {
    bk_app_code     = %q
    bk_app_secret   = %q
    bk_username     = %q
    bk_biz_id       = %d
    set_template_id = %d
  }
}

data "http" "first" {
  url             = local.url
  method          = "POST"
  request_headers = { "Content-Type" = "application/json" }
  request_body    = jsonencode(merge(local.request, { page = { start = 0, limit = 1 } }))
}

locals {
  total = jsondecode(data.http.first.response_body).data.count
}

data "http" "page" {
  count           = ceil(local.total / local.page_size)
  url             = local.url
  method          = "POST"
  request_headers = { "Content-Type" = "application/json" }
  request_body    = jsonencode(merge(local.request, { page = { start = count.index * local.page_size, limit = local.page_size } }))
}

locals {
  instances = flatten([for p in data.http.page : jsondecode(p.response_body).data.info])
}

output "instances" {
  value = length(local.instances)
}
`, url, pageSize, emulator.DefaultAppCode, emulator.DefaultAppSecret, emulator.DefaultUser, bizID, tplID)
}

// listenersRead reads every listener of the template; the output instances is the
// number of listeners.
func listenersRead(url string) string {
	return bkcmdbRequired + bkcmdbProvider(url, "esb", "parallelism = 4") + fmt.Sprintf(`
data "bkcmdb_listeners" "all" {
  bk_biz_id       = %d
  set_template_id = %d
}

output "instances" {
  value = length(data.bkcmdb_listeners.all.listeners)
}
`, bizID, tplID)
}
