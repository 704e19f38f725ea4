# From names to load-balancer targets.
#
# A platform team knows the business "web-shop" and its set (cluster) template
# "gamesvr", not their ids. This configuration finds both by name, reads the
# template's service instances and the hosts they run on, and derives:
#   * lb_targets: per module ("<set>/<module>"), the sorted first inner IPs of
#     the hosts that run its instances, ready for a load balancer's target group;
#   * listener_targets: per module, the sorted address:port targets where its
#     processes listen (bkcmdb_listeners);
#   * instances_per_env: the instance count per set environment.
#
# Credentials and the CMDB address come from the environment:
#   export BKCMDB_GATEWAY=apigw BKCMDB_BASE_URL=https://bkapi.example.com/api/bk-cmdb/prod
#   export BK_APP_CODE=my-platform-app BK_APP_SECRET=... BK_USERNAME=admin

terraform {
  required_version = ">= 1.5"

  required_providers {
    bkcmdb = {
      source = "bkcmdb/bkcmdb"
    }
  }
}

variable "business" {
  description = "Exact name of the business (bk_biz_name)."
  type        = string
  default     = "web-shop"
}

variable "set_template" {
  description = "Exact name of the set template in that business."
  type        = string
  default     = "gamesvr"
}

variable "environment" {
  description = "Only sets of this environment (test, experience or formal) give targets; null for every set."
  type        = string
  default     = null

  validation {
    condition     = var.environment == null || contains(["test", "experience", "formal"], coalesce(var.environment, "-"))
    error_message = "environment must be test, experience, formal or null."
  }
}

provider "bkcmdb" {
  # Stay under the gateway's per-app quota (about 100 requests per second by
  # default), whatever the number of reads in this plan.
  requests_per_second = 50
}

data "bkcmdb_business" "this" {
  name = var.business
}

data "bkcmdb_set_template" "this" {
  bk_biz_id = data.bkcmdb_business.this.bk_biz_id
  name      = var.set_template
}

data "bkcmdb_service_instances" "this" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
}

data "bkcmdb_sets" "this" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
}

data "bkcmdb_modules" "this" {
  bk_biz_id = data.bkcmdb_business.this.bk_biz_id
}

locals {
  set_env_names = { "1" = "test", "2" = "experience", "3" = "formal" }

  # The template's sets, by id, with their environment's name.
  sets = {
    for s in data.bkcmdb_sets.this.sets : tostring(s.bk_set_id) => {
      name = s.bk_set_name
      env  = lookup(local.set_env_names, s.bk_set_env, "unknown")
    }
  }

  # The modules of those sets, by id.
  modules = {
    for m in data.bkcmdb_modules.this.modules : tostring(m.bk_module_id) => {
      key = "${local.sets[tostring(m.bk_set_id)].name}/${m.bk_module_name}"
      env = local.sets[tostring(m.bk_set_id)].env
    } if contains(keys(local.sets), tostring(m.bk_set_id))
  }

  # Every instance with the module and environment it belongs to.
  instances = [
    for i in data.bkcmdb_service_instances.this.instances : {
      id         = i.id
      bk_host_id = i.bk_host_id
      module     = try(local.modules[tostring(i.bk_module_id)].key, tostring(i.bk_module_id))
      env        = try(local.modules[tostring(i.bk_module_id)].env, "unknown")
    }
  ]

  target_instances = [
    for i in local.instances : i if var.environment == null || i.env == var.environment
  ]
}

# Only the hosts that run a target instance. An empty id list matches no host.
data "bkcmdb_hosts" "targets" {
  bk_biz_id   = data.bkcmdb_business.this.bk_biz_id
  bk_host_ids = distinct(local.target_instances[*].bk_host_id)
}

locals {
  # The first inner IPv4 address of each host; "" for a host without one.
  first_inner_ip = {
    for h in data.bkcmdb_hosts.targets.hosts : tostring(h.bk_host_id) => try(h.bk_host_innerip[0], "")
  }

  lb_targets = {
    for module, ips in {
      for i in local.target_instances : i.module => lookup(local.first_inner_ip, tostring(i.bk_host_id), "")...
    } : module => sort(distinct(compact(ips)))
  }

  instances_per_env = {
    for env, hosts in { for i in local.instances : i.env => i.bk_host_id... } : env => length(hosts)
  }
}

# Where the processes of the template listen: one element per bind row and
# port, wildcard binds resolved to the host's inner address.
data "bkcmdb_listeners" "targets" {
  bk_biz_id       = data.bkcmdb_business.this.bk_biz_id
  set_template_id = data.bkcmdb_set_template.this.id
  protocols       = ["tcp", "tcp6"]
}

locals {
  target_instance_ids = { for i in local.target_instances : tostring(i.id) => true }

  # Module key => sorted address:port targets of the selected instances (a port
  # range or a host without an address has no target: compact drops it).
  listener_targets = {
    for module, targets in {
      for l in data.bkcmdb_listeners.targets.listeners :
      try(local.modules[tostring(l.bk_module_id)].key, tostring(l.bk_module_id)) => l.target...
      if lookup(local.target_instance_ids, tostring(l.service_instance_id), false)
    } : module => sort(distinct(compact(targets)))
  }
}

# An inner IP is unique only within a cloud area: targets from several areas
# need one target group per area.
check "one_cloud_area" {
  assert {
    condition     = length(distinct(data.bkcmdb_hosts.targets.hosts[*].bk_cloud_id)) <= 1
    error_message = "The target hosts span several cloud areas (bk_cloud_id): their inner IPs may collide."
  }
}

output "bk_biz_id" {
  value = data.bkcmdb_business.this.bk_biz_id
}

output "set_template_id" {
  value = data.bkcmdb_set_template.this.id
}

output "lb_targets" {
  description = "Per module (\"<set>/<module>\"), the sorted first inner IPs of the hosts of its instances."
  value       = local.lb_targets
}

output "listener_targets" {
  description = "Per module (\"<set>/<module>\"), the sorted address:port targets where its processes listen."
  value       = local.listener_targets
}

output "instances_per_env" {
  description = "Service instances per set environment."
  value       = local.instances_per_env
}
