# The demo: from names to load-balancer targets, over both front doors of one
# CMDB. The chain (./chain) finds the business "web-shop" and its set template
# "gamesvr" by name, reads the template's service instances and their hosts,
# and derives the load-balancer targets of every module, the address:port
# targets where its processes listen (bkcmdb_listeners), and the instance count
# of every set environment. It runs once through the legacy ESB and once
# through the BlueKing API gateway, and the two answers must agree.
#
# `make demo` runs this against the local CMDB emulator. Against a real CMDB,
# set the variables and export BK_APP_CODE, BK_APP_SECRET and BK_USERNAME.

terraform {
  required_providers {
    bkcmdb = {
      source = "bkcmdb/bkcmdb"
    }
  }
}

variable "esb_base_url" {
  description = "PaaS root URL of the legacy ESB, e.g. https://paas.example.com."
  type        = string
}

variable "apigw_base_url" {
  description = "Stage URL of the bk-cmdb API gateway, e.g. https://bkapi.example.com/api/bk-cmdb/prod."
  type        = string
}

variable "business" {
  description = "Exact name of the business."
  type        = string
  default     = "web-shop"
}

variable "set_template" {
  description = "Exact name of the set (cluster) template in that business."
  type        = string
  default     = "gamesvr"
}

# Credentials come from BK_APP_CODE, BK_APP_SECRET and BK_USERNAME. Each
# provider block has its own request limit (requests_per_second) and its own
# shared reads.
provider "bkcmdb" {
  alias    = "esb"
  gateway  = "esb"
  base_url = var.esb_base_url
}

provider "bkcmdb" {
  alias    = "apigw"
  gateway  = "apigw"
  base_url = var.apigw_base_url
}

module "esb" {
  source = "./chain"
  providers = {
    bkcmdb = bkcmdb.esb
  }

  business     = var.business
  set_template = var.set_template
}

module "apigw" {
  source = "./chain"
  providers = {
    bkcmdb = bkcmdb.apigw
  }

  business     = var.business
  set_template = var.set_template
}

locals {
  results = {
    for gateway, chain in { esb = module.esb, apigw = module.apigw } : gateway => {
      business                  = { bk_biz_id = chain.bk_biz_id, bk_biz_name = chain.bk_biz_name }
      set_template_id           = chain.set_template_id
      instance_count            = chain.instance_count
      host_count                = chain.host_count
      lb_targets                = chain.lb_targets
      listener_targets          = chain.listener_targets
      instances_per_env         = chain.instances_per_env
    }
  }
}

output "esb" {
  description = "The chain read through the legacy ESB."
  value       = local.results.esb
}

output "apigw" {
  description = "The chain read through the BlueKing API gateway."
  value       = local.results.apigw
}

output "listener_targets" {
  description = "Per gateway and module, the address:port targets from bkcmdb_listeners."
  value       = { for gateway, result in local.results : gateway => result.listener_targets }
}

output "gateways_agree" {
  description = "Whether both gateways gave the same answer, field by field."
  value       = local.results.esb == local.results.apigw
}
