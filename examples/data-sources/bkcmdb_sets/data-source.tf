data "bkcmdb_business" "shop" {
  name = "web-shop"
}

data "bkcmdb_set_template" "gamesvr" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "gamesvr"
}

# The sets built from the "gamesvr" template. Without set_template_id or name,
# every set of the business, the idle pool set included.
data "bkcmdb_sets" "gamesvr" {
  bk_biz_id       = data.bkcmdb_business.shop.bk_biz_id
  set_template_id = data.bkcmdb_set_template.gamesvr.id
}

locals {
  # bk_set_env is a code: "1" test, "2" experience, "3" formal.
  set_env_names = { "1" = "test", "2" = "experience", "3" = "formal" }

  set_names_per_env = {
    for s in data.bkcmdb_sets.gamesvr.sets :
    lookup(local.set_env_names, s.bk_set_env, "unknown") => s.bk_set_name...
  }

  # Sets whose service is open (bk_service_status "1").
  open_set_ids = [
    for s in data.bkcmdb_sets.gamesvr.sets : s.bk_set_id if s.bk_service_status == "1"
  ]
}

output "gamesvr_sets_per_env" {
  value = local.set_names_per_env
}
