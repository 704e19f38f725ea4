# Every cloud area, ascending by bk_cloud_id (0 is the Default Area).
data "bkcmdb_cloud_areas" "all" {}

# One cloud area by its exact name.
data "bkcmdb_cloud_areas" "gz" {
  name = "tencent-gz"
}

locals {
  cloud_area_names = { for a in data.bkcmdb_cloud_areas.all.cloud_areas : tostring(a.bk_cloud_id) => a.bk_cloud_name }
  gz_cloud_id      = one(data.bkcmdb_cloud_areas.gz.cloud_areas[*].bk_cloud_id)
}
