# Where the services of set template 11 of business 2 listen: one element per
# bind row and port, wildcard binds resolved to the host's inner address.
data "bkcmdb_listeners" "web" {
  bk_biz_id       = 2
  set_template_id = 11
  process_names   = ["nginx"]
  protocols       = ["tcp", "tcp6"]
}

locals {
  # Per module, the address:port targets of its nginx processes, ready for a
  # load balancer's target group (a port range has no target: compact drops it).
  nginx_targets = {
    for module, targets in {
      for l in data.bkcmdb_listeners.web.listeners : tostring(l.bk_module_id) => l.target...
    } : module => sort(distinct(compact(targets)))
  }

  # The port ranges, for a firewall rule.
  port_ranges = [
    for l in data.bkcmdb_listeners.web.listeners : "${l.address}:${l.port}-${l.port_last}"
    if l.port != l.port_last
  ]
}

output "nginx_targets" {
  value = local.nginx_targets
}

output "port_ranges" {
  value = local.port_ranges
}
