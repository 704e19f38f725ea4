package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The generated custom models: mysql and domain, with every JSON type among
// their attributes.

// Generated model sizes and first ids (bk_inst_id is one sequence over every
// custom model in the CMDB, so the ranges do not overlap).
const (
	generatedMySQL   = 40
	generatedDomains = 30
	firstMySQLID     = 2001
	firstDomainID    = 3001
	// MySQLSerialBase is the serial of the first mysql instance: above 2^53
	// and odd, so a float64 cannot hold it (instance i has MySQLSerialBase + 2i).
	MySQLSerialBase int64 = 1<<53 + 1
)

// generateModels builds the models mysql and domain.
//
// mysql (ids 2001..2040, bk_inst_name mysql-<cluster>-<nn>): role "master"
// (one in four) or "slave"; port 3306/3307 (int); version "5.7.44"/"8.0.36";
// serial MySQLSerialBase+2i (int above 2^53); tags (enum-multi list, empty for
// one in five); backup_enabled (bool); cpu_ratio (float); comment (null but
// for one in six); extra (object, absent on the first two); dba (user list);
// create_time, last_time.
//
// domain (ids 3001..3030, bk_inst_name <name>.example.com): record_type
// "A"/"CNAME", ttl (int), target, https (bool), registrar (null for one in
// three), weight (float).
func generateModels() []Model {
	clusters := []string{"shop", "pay", "game", "log"}
	mysql := Model{ObjID: "mysql", Name: "MySQL"}
	for i := range generatedMySQL {
		attrs := map[string]any{
			"role":           "slave",
			"port":           json.Number(strconv.Itoa(3306 + i%2)),
			"version":        []string{"5.7.44", "8.0.36"}[i%3%2],
			"serial":         json.Number(strconv.FormatInt(MySQLSerialBase+2*int64(i), 10)),
			"tags":           []any{"prod", clusters[i%4]},
			"backup_enabled": i%3 != 0,
			"cpu_ratio":      json.Number(strconv.FormatFloat(0.25+float64(i%8)*0.125, 'f', -1, 64)),
			"comment":        nil,
			"extra":          map[string]any{"zone": "gz-" + strconv.Itoa(1+i%3), "weight": json.Number(strconv.Itoa(1 + i%5))},
			"dba":            []any{users[i%len(users)]},
			"create_time":    modelTime(i, 0),
			"last_time":      modelTime(i, i%4),
		}
		if i%4 == 0 {
			attrs["role"] = "master"
		}
		if i%5 == 4 {
			attrs["tags"] = []any{}
		}
		if i%6 == 5 {
			attrs["comment"] = "migrated from " + clusters[(i+1)%4]
		}
		if i < 2 {
			delete(attrs, "extra")
		}
		mysql.Instances = append(mysql.Instances, ModelInstance{ID: int64(firstMySQLID + i),
			Name: fmt.Sprintf("mysql-%s-%02d", clusters[i%4], i/4+1), Attributes: attrs})
	}
	domain := Model{ObjID: "domain", Name: "Domain"}
	names := []string{"shop", "api", "pay", "img", "static", "admin"}
	for i := range generatedDomains {
		attrs := map[string]any{
			"record_type": []string{"A", "CNAME"}[i%2],
			"ttl":         json.Number(strconv.Itoa(60 * (1 + i%10))),
			"target":      "10.0." + strconv.Itoa(i/6) + "." + strconv.Itoa(10+i%6),
			"https":       i%4 != 1,
			"registrar":   nil,
			"weight":      json.Number(strconv.FormatFloat(float64(i%7)/2, 'f', -1, 64)),
			"create_time": modelTime(i, 1),
			"last_time":   modelTime(i, 2),
		}
		if i%3 != 0 {
			attrs["registrar"] = "dnspod"
		}
		domain.Instances = append(domain.Instances, ModelInstance{ID: int64(firstDomainID + i),
			Name: fmt.Sprintf("%s%d.example.com", names[i%len(names)], i/len(names)), Attributes: attrs})
	}
	return []Model{mysql, domain}
}

// modelTime is a fixed create/last time of generated object i.
func modelTime(i, days int) string {
	return timeBase.Add(time.Duration(i)*time.Hour + time.Duration(days)*24*time.Hour + 123*time.Millisecond).In(utc8).Format(time.RFC3339Nano)
}

// generateCloudAreas builds the cloud areas: 0 "Default Area" (created
// first), 2 tencent-gz and 3 aws-us-east (created together), 4 Tencent-GZ (a
// case variant of 2, abnormal) and 5 tencent-gz-backup (a substring decoy,
// created together with 4 and last). Area 2 holds one in ten generated hosts.
func generateCloudAreas() []CloudArea {
	t0, t1, t2 := modelTime(0, 0), modelTime(0, 30), modelTime(0, 60)
	return []CloudArea{
		{ID: 0, Name: "Default Area", Status: "1", Creator: "cc_system", LastEditor: "cc_system", CreateTime: t0, LastTime: t0},
		{ID: 2, Name: "tencent-gz", Status: "1", Vendor: "2", VpcID: "vpc-gz01", VpcName: "gz-main", Region: "ap-guangzhou",
			AccountID: "100001", Creator: "admin", LastEditor: "alice", CreateTime: t1, LastTime: t2},
		{ID: 3, Name: "aws-us-east", Status: "1", Vendor: "1", VpcID: "vpc-0a1b2c", VpcName: "us-main", Region: "us-east-1",
			AccountID: "200002", Creator: "admin", LastEditor: "admin", CreateTime: t1, LastTime: t1},
		{ID: 4, Name: "Tencent-GZ", Status: "2", Vendor: "2", VpcID: "vpc-gz02", Region: "ap-guangzhou",
			Creator: "bob", LastEditor: "bob", CreateTime: t2, LastTime: t2},
		{ID: 5, Name: "tencent-gz-backup", Status: "1", Vendor: "2", Region: "ap-guangzhou", Creator: "bob",
			LastEditor: "bob", CreateTime: t2, LastTime: t2},
	}
}
