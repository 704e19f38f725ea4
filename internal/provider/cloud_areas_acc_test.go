package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

func wantCloudAreas(areas []emulator.CloudArea) []map[string]any {
	out := make([]map[string]any, 0, len(areas))
	for _, a := range areas {
		out = append(out, map[string]any{"bk_cloud_id": a.ID, "bk_cloud_name": a.Name, "bk_status": a.Status,
			"bk_cloud_vendor": a.Vendor, "bk_vpc_id": a.VpcID, "bk_vpc_name": a.VpcName, "bk_region": a.Region})
	}
	return out
}

// TestAccCloudAreas reads the cloud areas on both gateways, in pages of 2 from an
// emulator whose default order is -create_time: every area ascending by bk_cloud_id
// (Default Area 0 first), absent attributes "", and an exact name that neither a case
// variant nor a longer name matches; no request asks for more than the documented 200
// or goes without page.sort.
func TestAccCloudAreas(t *testing.T) {
	d := emulator.GenerateDataset(emulator.GenerateOptions{Seed: 42})
	all := d.CloudAreasNamed("")
	if len(all) < 5 || all[0].ID != 0 || len(d.CloudAreasNamed("tencent-gz")) != 1 || len(d.CloudAreasNamed("Tencent-GZ")) != 1 {
		t.Fatal("the dataset lacks the Default Area or the decoys of tencent-gz")
	}
	config := `
data "bkcmdb_cloud_areas" "all" {}
data "bkcmdb_cloud_areas" "gz" {
  name = "tencent-gz"
}
data "bkcmdb_cloud_areas" "none" {
  name = "tencent"
}
`
	for _, gateway := range []string{"esb", "apigw"} {
		for _, pageSize := range []int{2, 500} {
			t.Run(fmt.Sprintf("%s/%d", gateway, pageSize), func(t *testing.T) {
				clearProviderEnv(t)
				srv := newEmulator(t, emulator.Options{Data: d})
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: protoV6ProviderFactories,
					Steps: []resource.TestStep{{
						Config: providerBlock(gateway, baseURLFor(srv, gateway), fmt.Sprintf("page_size = %d", pageSize)) + config,
						ConfigStateChecks: []statecheck.StateCheck{
							expectObjects{"data.bkcmdb_cloud_areas.all", "cloud_areas", wantCloudAreas(all)},
							expectObjects{"data.bkcmdb_cloud_areas.gz", "cloud_areas", wantCloudAreas(d.CloudAreasNamed("tencent-gz"))},
							expectObjects{"data.bkcmdb_cloud_areas.none", "cloud_areas", nil},
						},
					}},
				})
				n := 0
				for _, r := range srv.Requests() {
					if r.API != emulator.APISearchCloudArea {
						continue
					}
					n++
					var body struct {
						Page struct {
							Limit int
							Sort  string
						}
					}
					_ = json.Unmarshal(r.Body, &body)
					if body.Page.Sort != "bk_cloud_id" || body.Page.Limit != min(pageSize, 200) {
						t.Fatalf("search_cloud_area page %+v, want sort bk_cloud_id and limit %d", body.Page, min(pageSize, 200))
					}
				}
				if n == 0 {
					t.Fatal("no search_cloud_area request")
				}
			})
		}
	}
}
