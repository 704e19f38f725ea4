# The chain for one provider configuration: a business and a set template by
# name, the set template's service instances, the hosts they run on, and what a
# platform team feeds into its load balancers and dashboards.
#
# The demo (../main.tf) calls this module once per gateway, with
# `providers = { bkcmdb = bkcmdb.esb }` and `{ bkcmdb = bkcmdb.apigw }`.

terraform {
  required_providers {
    bkcmdb = {
      source = "bkcmdb/bkcmdb"
    }
  }
}

variable "business" {
  description = "Exact name of the business (bk_biz_name)."
  type        = string
}

variable "set_template" {
  description = "Exact name of the set (cluster) template in that business."
  type        = string
}

# search_business matches the name fuzzily; the provider keeps the exact match
# only, and fails with "not found" when there is none (or the user may not see it).
data "bkcmdb_business" "this" {
  name = var.business
}

# list_set_template has no name filter: the provider pages through every
# template of the business and keeps the one with this exact name.
data "bkcmdb_set_template" "this" {
  bk_biz_id = data.bkcmdb_business.this.bk_biz_id
  name      = var.set_template
}

data "bkcmdb_service_instances" "this" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
}

# The sets built from the template: they carry the environment (bk_set_env).
data "bkcmdb_sets" "this" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
}

# Every module of the business (no bk_set_id: every set); the instances say
# which ones matter.
data "bkcmdb_modules" "this" {
  bk_biz_id = data.bkcmdb_business.this.bk_biz_id
}

# The hosts the instances run on. The provider splits a long id list into
# requests of at most 500 ids and merges the answers; an empty list (a template
# without instances) matches no host.
data "bkcmdb_hosts" "this" {
  bk_biz_id   = data.bkcmdb_business.this.bk_biz_id
  bk_host_ids = distinct(data.bkcmdb_service_instances.this.instances[*].bk_host_id)
}

# Where the template's services listen: one element per bind row and port,
# wildcard binds resolved to the host's inner address, loopback and disabled
# rows left out. It shares its read of the instances and their processes with
# any identical read of this provider configuration.
data "bkcmdb_listeners" "this" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
}

locals {
  # bk_set_env as CMDB stores it.
  set_env_names = { "1" = "test", "2" = "experience", "3" = "formal" }

  sets_by_id = { for s in data.bkcmdb_sets.this.sets : tostring(s.bk_set_id) => s }

  # "<set name>/<module name>" of every module in the template's sets (module
  # names repeat from one set to the next; the ... grouping below merges two
  # modules that share a key instead of failing).
  module_keys = {
    for m in data.bkcmdb_modules.this.modules : tostring(m.bk_module_id) =>
    "${local.sets_by_id[tostring(m.bk_set_id)].bk_set_name}/${m.bk_module_name}"
    if contains(keys(local.sets_by_id), tostring(m.bk_set_id))
  }

  module_envs = {
    for m in data.bkcmdb_modules.this.modules : tostring(m.bk_module_id) =>
    lookup(local.set_env_names, local.sets_by_id[tostring(m.bk_set_id)].bk_set_env, "unknown")
    if contains(keys(local.sets_by_id), tostring(m.bk_set_id))
  }

  # IP lists come in the order CMDB sent them; the first inner IP is the
  # host's address. A host without one gets "" (dropped by compact() below).
  first_inner_ip = {
    for h in data.bkcmdb_hosts.this.hosts : tostring(h.bk_host_id) => try(h.bk_host_innerip[0], "")
  }

  # Module key => sorted, distinct inner IPs of the hosts of its instances.
  lb_targets = {
    for module, ips in {
      for i in data.bkcmdb_service_instances.this.instances :
      lookup(local.module_keys, tostring(i.bk_module_id), tostring(i.bk_module_id)) => lookup(local.first_inner_ip, tostring(i.bk_host_id), "")...
    } : module => sort(distinct(compact(ips)))
  }

  # Module key => sorted, distinct address:port targets of its listeners (a
  # port range or a host without an address has no target: compact drops it).
  listener_targets = {
    for module, targets in {
      for l in data.bkcmdb_listeners.this.listeners :
      lookup(local.module_keys, tostring(l.bk_module_id), tostring(l.bk_module_id)) => l.target...
    } : module => sort(distinct(compact(targets)))
  }

  instances_per_env = {
    for env, ids in {
      for i in data.bkcmdb_service_instances.this.instances :
      lookup(local.module_envs, tostring(i.bk_module_id), "unknown") => i.id...
    } : env => length(ids)
  }
}

output "bk_biz_id" {
  description = "ID of the business found by name."
  value       = data.bkcmdb_business.this.bk_biz_id
}

output "bk_biz_name" {
  description = "Name of the business, as CMDB holds it."
  value       = data.bkcmdb_business.this.bk_biz_name
}

output "set_template_id" {
  description = "ID of the set template found by name."
  value       = data.bkcmdb_set_template.this.id
}

output "instance_count" {
  description = "Service instances of the set template, as CMDB counted them."
  value       = data.bkcmdb_service_instances.this.total
}

output "host_count" {
  description = "Distinct hosts that run those instances."
  value       = length(data.bkcmdb_hosts.this.hosts)
}

output "lb_targets" {
  description = "Per module (\"<set>/<module>\"), the sorted first inner IPs of its instances' hosts."
  value       = local.lb_targets
}

output "listener_targets" {
  description = "Per module (\"<set>/<module>\"), the sorted address:port targets where its processes listen."
  value       = local.listener_targets
}

output "instances_per_env" {
  description = "Instance count per set environment (test, experience, formal)."
  value       = local.instances_per_env
}
