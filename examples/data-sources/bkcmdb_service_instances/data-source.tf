# Every service instance of the "web-cluster" set template of business 2.
data "bkcmdb_service_instances" "web" {
  bk_biz_id       = 2
  set_template_id = 11
}

locals {
  # Instance names grouped by the module they run in.
  web_by_module = {
    for i in data.bkcmdb_service_instances.web.instances :
    tostring(i.bk_module_id) => i.name...
  }

  # Hosts that run a production instance (labels is {} when an instance has none).
  web_prod_host_ids = distinct([
    for i in data.bkcmdb_service_instances.web.instances :
    i.bk_host_id if lookup(i.labels, "env", "") == "prod"
  ])
}

output "web_instance_count" {
  value = data.bkcmdb_service_instances.web.total
}

output "web_by_module" {
  value = local.web_by_module
}

output "web_prod_host_ids" {
  value = local.web_prod_host_ids
}
