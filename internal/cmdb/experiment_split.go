//go:build benchsplit

package cmdb

import (
	"cmp"
	"context"
	"slices"

	"golang.org/x/sync/errgroup"
)

// This file is a benchmark experiment, built only with -tags benchsplit (scripts/bench.sh
// builds a second provider with it for the split scenario of cmd/benchmark). It is not
// the provider's behaviour: the contract sends no list_service_instance_detail request
// without with_processes. It measures what that rule costs a split by module.

// ModuleInstances is the experiment's read of some modules of a set template.
type ModuleInstances struct {
	// Count is list_service_instance_by_set_template's count for the template.
	Count int64
	// Instances are the instances of the modules that belong to the template,
	// ascending by id.
	Instances []ServiceInstance
}

// moduleBody is list_service_instance_detail's body filtered by one module.
type moduleBody struct {
	ModuleID int64 `json:"bk_module_id"`
}

// ServiceInstancesOfModules reads the instances of the modules moduleIDs that belong to
// set template setTemplateID (search_module, shared): each module by its own walk of
// list_service_instance_detail filtered by bk_module_id, so that a read ends when its
// own pages have come; a module of another template gives none. The count is the
// template's, from one page of one record of list_service_instance_by_set_template,
// shared. Each module's walk is consistent on its own; the modules together are not one
// snapshot.
func (c *Client) ServiceInstancesOfModules(ctx context.Context, bizID, setTemplateID int64, moduleIDs []int64) (*ModuleInstances, error) {
	r, err := c.newRequest(ListServiceInstanceBySetTemplate, Params{BizID: bizID}, instancesBody{SetTemplateID: setTemplateID})
	if err != nil {
		return nil, &APIError{API: ListServiceInstanceBySetTemplate.Name, Gateway: c.cfg.Gateway, Message: err.Error()}
	}
	count, err := shareRead(ctx, c, r.key("count"), r.api.Name, func(ctx context.Context) (int64, error) {
		p, err := fetchPage(ctx, c, r, 0, 1, make([]ServiceInstance, 0, 1))
		return p.count, err
	}, func(n int64) map[string]any { return map[string]any{"api": r.api.Name, "count": n} })
	if err != nil {
		return nil, err
	}
	modules, err := c.SearchModules(ctx, bizID, 0, nil)
	if err != nil {
		return nil, err
	}
	inTemplate := map[int64]bool{}
	for _, m := range modules.Items {
		if m.SetTemplateID == setTemplateID {
			inTemplate[m.ID] = true
		}
	}
	var wanted []int64
	for _, id := range moduleIDs {
		if inTemplate[id] && !slices.Contains(wanted, id) {
			wanted = append(wanted, id)
		}
	}
	parts := make([][]ServiceInstance, len(wanted))
	g, gctx := errgroup.WithContext(ctx)
	for k, id := range wanted {
		g.Go(func() error {
			res, err := List(gctx, c, ListServiceInstanceDetail, Params{BizID: bizID}, moduleBody{ModuleID: id}, serviceInstanceID)
			if err != nil {
				return err
			}
			parts[k] = res.Items
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := slices.Concat(parts...)
	slices.SortFunc(out, func(a, b ServiceInstance) int { return cmp.Compare(a.ID, b.ID) })
	return &ModuleInstances{Count: count, Instances: out}, nil
}
