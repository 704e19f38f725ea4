# The business "web-shop", by its exact name. CMDB's search_business also
# returns "Web-Shop" or "web-shop-legacy" for this name; the provider keeps only
# the business whose bk_biz_name is exactly "web-shop".
data "bkcmdb_business" "shop" {
  name = "web-shop"
}

# A lookup by ID instead: exactly one of name or bk_biz_id.
data "bkcmdb_business" "payment" {
  bk_biz_id = 3
}

output "web_shop" {
  value = {
    bk_biz_id   = data.bkcmdb_business.shop.bk_biz_id
    maintainers = data.bkcmdb_business.shop.bk_biz_maintainer # list(string)
    online      = data.bkcmdb_business.shop.life_cycle == "2"
  }
}

output "payment_name" {
  value = data.bkcmdb_business.payment.bk_biz_name
}
