# The MySQL masters of the shop, or of any instance whose id is above 2030.
data "bkcmdb_instances" "masters" {
  bk_obj_id = "mysql"
  conditions = jsonencode({
    condition = "AND"
    rules = [
      { field = "role", operator = "equal", value = "master" },
      {
        condition = "OR"
        rules = [
          { field = "bk_inst_name", operator = "contains", value = "shop" },
          { field = "bk_inst_id", operator = "greater", value = 2030 },
        ]
      },
    ]
  })
  fields = ["role", "port", "tags"]
}

locals {
  # attributes holds strings as they are and anything else as JSON text:
  # jsondecode gives the number, the list or the object back.
  master_endpoints = {
    for i in data.bkcmdb_instances.masters.instances :
    i.bk_inst_name => "${i.bk_inst_name}:${jsondecode(i.attributes["port"])}"
  }
  master_tags = {
    for i in data.bkcmdb_instances.masters.instances :
    i.bk_inst_name => try(jsondecode(i.attributes["tags"]), [])
  }
}

output "master_count" {
  value = data.bkcmdb_instances.masters.total
}
