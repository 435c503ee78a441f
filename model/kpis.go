package model

import (
	"maps"
	"math/big"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/paidan/paidan"
)

// KPIs summarizes p overall and by region. Each figure is defined once, in
// paidan.Summary, and computed here from p's assignments, unassigned tasks
// and workers alone:
//
//   - tasks, assigned, unassigned (and by reason): the scope's tasks, a
//     region's being those in the region;
//   - workers and utilisation quantiles: overall every worker; per region
//     the workers that serve it (listing it, or serving every region), so
//     a worker serving two regions counts in both;
//   - total cost: the scope's assignment costs plus the penalties of its
//     unassigned tasks, summed in exact units (overall, the objective);
//   - mean cost: the assignment costs alone over the assigned tasks;
//   - distance and utilisation p50/p90: empirical quantiles (gonum
//     stat.Quantile) of the assigned tasks' distances and of the workers
//     with capacity.
//
// There is a region row for every region a task is in or a worker lists.
func KPIs(p *paidan.Plan) paidan.KPIs {
	type acc struct {
		s         paidan.Summary
		dist      []float64
		costUnits int64 // assignment costs
		util      []float64
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
			a.costUnits += as.Cost.TotalUnits()
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
			a.s.TotalCostUnits += u.PenaltyUnits
		}
	}
	served := func(w *paidan.WorkerUsage) []string {
		if len(w.Regions) == 0 && w.Region != "" {
			return []string{w.Region}
		}
		return w.Regions
	}
	for i := range p.Workers {
		for _, r := range served(&p.Workers[i]) {
			region(r)
		}
	}
	regions := slices.Sorted(maps.Keys(byRegion))
	for i := range p.Workers {
		w := &p.Workers[i]
		serves := served(w)
		if len(serves) == 0 {
			serves = regions
		}
		accs := []*acc{all}
		for _, r := range slices.Compact(slices.Sorted(slices.Values(serves))) {
			accs = append(accs, byRegion[r])
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
		s.TotalCostUnits += a.costUnits
		s.TotalCost = paidan.UnitsValue(s.TotalCostUnits, p.Resolution)
		if s.Assigned > 0 && p.Resolution > 0 {
			mean := new(big.Rat).SetFrac64(a.costUnits, int64(s.Assigned))
			s.MeanCost, _ = mean.Mul(mean, paidan.ExactValue(p.Resolution)).Float64()
		}
		s.DistanceP50, s.DistanceP90 = quantiles(a.dist)
		s.UtilizationP50, s.UtilizationP90 = quantiles(a.util)
		return s
	}
	k := paidan.KPIs{Overall: finish(all)}
	for _, r := range regions {
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
