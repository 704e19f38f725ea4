# The demo a platform team would write: one business's web tier read through
# the legacy ESB, another business's database tier read through the BlueKing
# API gateway, and the views the team feeds into its monitoring and deployment
# pipelines.
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

variable "web" {
  description = "Business and set template of the web tier (read through the ESB)."
  type = object({
    bk_biz_id       = number
    set_template_id = number
  })
  default = { bk_biz_id = 2, set_template_id = 11 } # mall / web-cluster
}

variable "db" {
  description = "Business and set template of the database tier (read through the API gateway)."
  type = object({
    bk_biz_id       = number
    set_template_id = number
  })
  default = { bk_biz_id = 3, set_template_id = 15 } # payment / db-cluster
}

variable "environment" {
  description = "Value of the `env` label that selects the hosts to deploy to."
  type        = string
  default     = "prod"
}

variable "deploy_roles" {
  description = "Value of the `role` label that selects the hosts to deploy to, per tier."
  type        = map(string)
  default     = { web = "nginx", db = "mysql-master" }
}

# Credentials come from BK_APP_CODE, BK_APP_SECRET and BK_USERNAME.
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

data "bkcmdb_service_instances" "web" {
  provider        = bkcmdb.esb
  bk_biz_id       = var.web.bk_biz_id
  set_template_id = var.web.set_template_id
}

data "bkcmdb_service_instances" "db" {
  provider        = bkcmdb.apigw
  bk_biz_id       = var.db.bk_biz_id
  set_template_id = var.db.set_template_id
}

locals {
  tiers = {
    web = data.bkcmdb_service_instances.web.instances
    db  = data.bkcmdb_service_instances.db.instances
  }

  # Instances without labels get {} from the provider, so lookup() with a
  # default is enough to treat them as "unlabelled".
  instances_by_module = {
    for tier, instances in local.tiers : tier => {
      for i in instances : tostring(i.bk_module_id) => i.name...
    }
  }

  # The role label carries the module's service name (nginx, mysql-master, ...).
  instances_per_role = {
    for tier, instances in local.tiers : tier => {
      for role, ids in {
        for i in instances : lookup(i.labels, "role", "unlabelled") => i.id...
      } : role => length(ids)
    }
  }

  instances_per_zone = {
    for tier, instances in local.tiers : tier => {
      for zone, ids in {
        for i in instances : lookup(i.labels, "zone", "unlabelled") => i.id...
      } : zone => length(ids)
    }
  }

  # Hosts to deploy to, selected by label: one entry per host, whatever the
  # number of matching instances on it, in the order of their first instance.
  deploy_host_ids = {
    for tier, instances in local.tiers : tier => distinct([
      for i in instances : i.bk_host_id
      if lookup(i.labels, "env", "") == var.environment && lookup(i.labels, "role", "") == lookup(var.deploy_roles, tier, "")
    ])
  }

  # Instances made outside any service template need a manual review.
  untemplated = {
    for tier, instances in local.tiers : tier => [
      for i in instances : i.name if i.service_template_id == 0
    ]
  }
}

output "totals" {
  description = "Instance count of each tier, as the CMDB reported it."
  value = {
    web = data.bkcmdb_service_instances.web.total
    db  = data.bkcmdb_service_instances.db.total
  }
}

output "modules" {
  description = "Number of instances in each module (by bk_module_id) of each tier."
  value = {
    for tier, modules in local.instances_by_module : tier => {
      for module_id, names in modules : module_id => length(names)
    }
  }
}

output "instances_per_role" {
  description = "Instance count per `role` label in each tier."
  value       = local.instances_per_role
}

output "instances_per_zone" {
  description = "Instance count per `zone` label in each tier."
  value       = local.instances_per_zone
}

output "deploy_host_ids" {
  description = "Distinct bk_host_id values whose instances carry the selected env and role labels, per tier."
  value       = local.deploy_host_ids
}

output "untemplated_instance_count" {
  description = "Number of instances made outside any service template, per tier."
  value       = { for tier, names in local.untemplated : tier => length(names) }
}

output "first_web_instance" {
  description = "The web tier's instance with the lowest id: instances come sorted by id."
  value       = try(data.bkcmdb_service_instances.web.instances[0], null)
}
