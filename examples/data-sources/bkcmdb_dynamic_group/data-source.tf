data "bkcmdb_business" "shop" {
  name = "web-shop"
}

# A saved host query, by its exact name: its hosts, as bkcmdb_hosts gives them.
data "bkcmdb_dynamic_group" "canary" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "canary"
}

# A saved set query, by its ID (a string): its sets, as bkcmdb_sets gives them.
data "bkcmdb_dynamic_group" "formal_sets" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  id        = "6f1c1005-3c2a-11ef-8b5e-525400100005"
}

locals {
  # Key hosts by cloud area and IP: an IP is unique only within its cloud area.
  canary_targets = [
    for h in data.bkcmdb_dynamic_group.canary.hosts : "${h.bk_cloud_id}:${try(h.bk_host_innerip[0], "")}"
  ]
  formal_set_names = data.bkcmdb_dynamic_group.formal_sets.sets[*].bk_set_name
}
