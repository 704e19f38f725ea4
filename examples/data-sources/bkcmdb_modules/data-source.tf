data "bkcmdb_business" "shop" {
  name = "web-shop"
}

# Every module named "gamesvr", in every set of the business (no bk_set_id).
data "bkcmdb_modules" "gamesvr" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "gamesvr"
}

# The modules of each set built from the "gamesvr" set template, one read per set.
data "bkcmdb_set_template" "gamesvr" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "gamesvr"
}

data "bkcmdb_sets" "gamesvr" {
  bk_biz_id       = data.bkcmdb_business.shop.bk_biz_id
  set_template_id = data.bkcmdb_set_template.gamesvr.id
}

data "bkcmdb_modules" "per_set" {
  for_each = { for s in data.bkcmdb_sets.gamesvr.sets : tostring(s.bk_set_id) => s }

  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  bk_set_id = each.value.bk_set_id
}

output "gamesvr_modules" {
  value = {
    for m in data.bkcmdb_modules.gamesvr.modules : tostring(m.bk_module_id) => {
      bk_set_id = m.bk_set_id
      operators = m.operator # list(string), [] when nobody is set
    }
  }
}

output "module_names_per_set" {
  value = {
    for set_id, d in data.bkcmdb_modules.per_set : set_id => d.modules[*].bk_module_name
  }
}
