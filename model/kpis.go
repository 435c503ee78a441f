package model

import (
	"maps"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/paidan/paidan"
)

// KPIs summarizes p overall and by task region: counts by status and
// reason, total and mean cost, distance and worker utilisation quantiles
// (empirical, gonum stat.Quantile). A region's utilisation covers the
// workers whose first region it is. It reads only p's assignments,
// unassigned tasks and workers.
func KPIs(p *paidan.Plan) paidan.KPIs {
	type acc struct {
		s    paidan.Summary
		dist []float64
		cost float64
		util []float64
	}
	all := &acc{}
	byRegion := map[string]*acc{}
	region := func(r string) *acc {
		a, ok := byRegion[r]
		if !ok {
			a = &acc{}
			byRegion[r] = a
		}
		return a
	}
	for _, as := range p.Assignments {
		for _, a := range []*acc{all, region(as.Region)} {
			a.s.Tasks++
			a.s.Assigned++
			a.cost += as.Cost.Total()
			a.dist = append(a.dist, as.DistanceKm)
		}
	}
	for _, u := range p.Unassigned {
		for _, a := range []*acc{all, region(u.Region)} {
			a.s.Tasks++
			a.s.Unassigned++
			if a.s.UnassignedByReason == nil {
				a.s.UnassignedByReason = map[paidan.Reason]int{}
			}
			a.s.UnassignedByReason[u.Reason]++
			a.s.TotalCost += u.Penalty
		}
	}
	for _, w := range p.Workers {
		accs := []*acc{all}
		if w.Region != "" {
			accs = append(accs, region(w.Region))
		}
		for _, a := range accs {
			a.s.Workers++
			if w.Capacity > 0 {
				a.util = append(a.util, w.Utilization())
			}
		}
	}
	finish := func(a *acc) paidan.Summary {
		s := a.s
		s.TotalCost += a.cost
		if s.Assigned > 0 {
			s.MeanCost = a.cost / float64(s.Assigned)
		}
		s.DistanceP50, s.DistanceP90 = quantiles(a.dist)
		s.UtilizationP50, s.UtilizationP90 = quantiles(a.util)
		return s
	}
	k := paidan.KPIs{Overall: finish(all)}
	for _, r := range slices.Sorted(maps.Keys(byRegion)) {
		k.ByRegion = append(k.ByRegion, paidan.RegionSummary{Region: r, Summary: finish(byRegion[r])})
	}
	return k
}

// quantiles returns the empirical 0.5 and 0.9 quantiles of x (sorting it),
// or zeros for no data.
func quantiles(x []float64) (p50, p90 float64) {
	if len(x) == 0 {
		return 0, 0
	}
	slices.Sort(x)
	return stat.Quantile(0.5, stat.Empirical, x, nil), stat.Quantile(0.9, stat.Empirical, x, nil)
}
