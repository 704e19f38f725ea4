terraform {
  required_providers {
    bkcmdb = {
      source = "bkcmdb/bkcmdb"
    }
  }
}

# Legacy ESB: base_url is the PaaS root. The application secret and any user
# token are best left to the environment (BK_APP_SECRET, BK_TOKEN) so that
# they never sit in a file.
provider "bkcmdb" {
  base_url    = "https://paas.example.com"
  gateway     = "esb"
  bk_app_code = "my-platform-app"
  bk_username = "admin"
}

# BlueKing API gateway: base_url is the stage URL of the bk-cmdb gateway.
provider "bkcmdb" {
  alias       = "apigw"
  base_url    = "https://bkapi.example.com/api/bk-cmdb/prod"
  gateway     = "apigw"
  bk_app_code = "my-platform-app"
  bk_username = "admin"
}
