data "bkcmdb_business" "shop" {
  name = "web-shop"
}

# The set (cluster) template "gamesvr" of that business, by its exact name.
data "bkcmdb_set_template" "gamesvr" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "gamesvr"
}

# Its service instances: the usual next step.
data "bkcmdb_service_instances" "gamesvr" {
  bk_biz_id       = data.bkcmdb_business.shop.bk_biz_id
  set_template_id = data.bkcmdb_set_template.gamesvr.id
}

output "gamesvr" {
  value = {
    set_template_id = data.bkcmdb_set_template.gamesvr.id
    instances       = data.bkcmdb_service_instances.gamesvr.total
  }
}
