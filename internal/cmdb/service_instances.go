package cmdb

import (
	"context"
	"fmt"
)

// ServiceInstance is one record of list_service_instance_by_set_template.
type ServiceInstance struct {
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	BizID             int64             `json:"bk_biz_id"`
	ModuleID          int64             `json:"bk_module_id"`
	HostID            int64             `json:"bk_host_id"`
	ServiceTemplateID int64             `json:"service_template_id"`
	Labels            map[string]string `json:"labels"`
	Creator           string            `json:"creator"`
	Modifier          string            `json:"modifier"`
	CreateTime        string            `json:"create_time"`
	LastTime          string            `json:"last_time"`
	SupplierAccount   string            `json:"bk_supplier_account"`
}

// ServiceInstanceList is the consistent result of one paging walk.
type ServiceInstanceList struct {
	// Count is the CMDB-reported count for the walk that was kept.
	Count int64
	// Instances are ascending by ID, without duplicates.
	Instances []ServiceInstance
}

func serviceInstanceID(in *ServiceInstance) int64 { return in.ID }

// ListServiceInstancesBySetTemplate returns every service instance of the modules
// built from set template setTemplateID in business bizID: List on
// ListServiceInstanceBySetTemplate. Labels are nil when the CMDB sends null or
// nothing; callers that need an empty map must make one.
func (c *Client) ListServiceInstancesBySetTemplate(ctx context.Context, bizID, setTemplateID int64) (*ServiceInstanceList, error) {
	if bizID < 1 || setTemplateID < 1 {
		return nil, &APIError{
			API:     ListServiceInstanceBySetTemplate.Name,
			Gateway: c.cfg.Gateway,
			Message: fmt.Sprintf("bk_biz_id (%d) and set_template_id (%d) must be 1 or more", bizID, setTemplateID),
		}
	}
	res, err := List(ctx, c, ListServiceInstanceBySetTemplate, Params{BizID: bizID}, instancesBody{SetTemplateID: setTemplateID}, serviceInstanceID)
	if err != nil {
		return nil, err
	}
	return &ServiceInstanceList{Count: res.Count, Instances: res.Items}, nil
}
