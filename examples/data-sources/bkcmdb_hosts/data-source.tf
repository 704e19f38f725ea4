data "bkcmdb_business" "shop" {
  name = "web-shop"
}

data "bkcmdb_modules" "gamesvr" {
  bk_biz_id = data.bkcmdb_business.shop.bk_biz_id
  name      = "gamesvr"
}

# The hosts of every "gamesvr" module. The list may be as long as it needs:
# the provider sends at most 500 module ids per request and merges the answers.
data "bkcmdb_hosts" "gamesvr" {
  bk_biz_id     = data.bkcmdb_business.shop.bk_biz_id
  bk_module_ids = data.bkcmdb_modules.gamesvr.modules[*].bk_module_id
}

locals {
  # IP addresses are lists, in the order CMDB sent them; a host without an
  # IPv4 address has bk_host_innerip = []. An address is unique only within its
  # cloud area, so keep bk_cloud_id with it.
  gamesvr_addresses = [
    for h in data.bkcmdb_hosts.gamesvr.hosts : {
      bk_host_id  = h.bk_host_id
      bk_cloud_id = h.bk_cloud_id
      ip          = h.bk_host_innerip[0]
    } if length(h.bk_host_innerip) > 0
  ]
}

output "gamesvr_ips" {
  value = sort(distinct(local.gamesvr_addresses[*].ip))
}

output "gamesvr_linux_host_ids" {
  # bk_os_type "1" is Linux; "" when CMDB has no value.
  value = [for h in data.bkcmdb_hosts.gamesvr.hosts : h.bk_host_id if h.bk_os_type == "1"]
}

# With with_topology, every host also lists the sets and modules it is in,
# ascending by (bk_set_id, bk_module_id): here, the gamesvr hosts per set name.
data "bkcmdb_hosts" "gamesvr_topology" {
  bk_biz_id     = data.bkcmdb_business.shop.bk_biz_id
  bk_module_ids = data.bkcmdb_modules.gamesvr.modules[*].bk_module_id
  with_topology = true
}

output "gamesvr_hosts_per_set" {
  value = {
    for pair in flatten([
      for h in data.bkcmdb_hosts.gamesvr_topology.hosts : [
        for t in h.topology : { set = t.bk_set_name, host = h.bk_host_id }
      ]
    ]) : pair.set => pair.host...
  }
}
