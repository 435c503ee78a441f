package model

import (
	"fmt"
	"math"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// maxUnits bounds every single cost in integer units: beyond 2^53 a float64
// no longer holds every integer, so rounding would be inexact.
const maxUnits = 1 << 53

// costModel turns the soft costs of the rules into integer units of
// Resolution.
type costModel struct {
	rules     paidan.Rules
	stability int64   // units
	tierCost  []int64 // units per task, one per rules.Balance tier
}

func newCostModel(r paidan.Rules) (costModel, error) {
	c := costModel{rules: r}
	var err error
	if c.stability, err = c.units("stability_penalty", r.StabilityPenalty); err != nil {
		return c, err
	}
	c.tierCost = make([]int64, len(r.Balance))
	for i, t := range r.Balance {
		if c.tierCost[i], err = c.units(fmt.Sprintf("balance[%d].cost_per_task", i), t.CostPerTask); err != nil {
			return c, err
		}
	}
	return c, nil
}

// units rounds v cost units to the nearest integer multiple of Resolution.
// It fails with solver.ErrOverflow when the result is beyond 2^53.
func (c costModel) units(what string, v float64) (int64, error) {
	u := math.Round(v / c.rules.Resolution)
	if math.IsNaN(u) || math.Abs(u) > maxUnits {
		return 0, fmt.Errorf("%s: %g cost units at resolution %g: %w", what, v, c.rules.Resolution, solver.ErrOverflow)
	}
	return int64(u), nil
}

// travel returns the travel cost of km kilometres in units. checkTotal has
// proved that the longest allowed distance fits.
func (c costModel) travel(km float64) int64 {
	return int64(math.Round(c.rules.TravelCostPerKm * km / c.rules.Resolution))
}

// value converts units back to cost units.
func (c costModel) value(u int64) float64 { return float64(u) * c.rules.Resolution }

// penaltyValue returns the unassigned penalty of t in cost units:
// Base + PerPriority×priority + PerWaitingHour×hours waited, where hours
// waited is AsOf − CreatedAt (zero for a zero or future CreatedAt), capped
// at MaxWaitingHours when that is positive.
func (c costModel) penaltyValue(t *paidan.Task, asOf time.Time) float64 {
	p := c.rules.Unassigned
	var hours float64
	if !t.CreatedAt.IsZero() && asOf.After(t.CreatedAt) {
		hours = asOf.Sub(t.CreatedAt).Hours()
	}
	if p.MaxWaitingHours > 0 {
		hours = min(hours, p.MaxWaitingHours)
	}
	return p.Base + p.PerPriority*float64(t.Priority) + p.PerWaitingHour*hours
}

func (c costModel) penalty(t *paidan.Task, asOf time.Time) (int64, error) {
	return c.units("unassigned penalty", c.penaltyValue(t, asOf))
}

// tierBlocks is a worker's remaining capacity as blocks of equal marginal
// cost, in the order the units are used.
type tierBlocks []solver.Tier

// unit returns the marginal cost of the j-th unit (1-based) used, and false
// when j is beyond the capacity.
func (tb tierBlocks) unit(j int) (int64, bool) {
	for _, b := range tb {
		if int64(j) <= b.Units {
			return b.Cost, true
		}
		j -= int(b.Units)
	}
	return 0, false
}

// tiers splits a worker's remaining capacity into tier blocks: the unit that
// brings utilisation (load+units)/capacity above a tier's Above costs that
// tier's CostPerTask (the highest tier crossed); units below every tier cost
// nothing. Because tiers rise in Above and do not fall in cost, the blocks
// have non-decreasing cost: the load cost is convex.
func (c costModel) tiers(capacity, load int) tierBlocks {
	remaining := max(capacity-load, 0)
	if remaining == 0 {
		return nil
	}
	var out tierBlocks
	from, cost := 1, int64(0) // the current block starts at unit from
	add := func(to int) {     // close the block at unit to-1
		to = min(to, remaining+1)
		if to > from {
			out = append(out, solver.Tier{Units: int64(to - from), Cost: cost})
			from = to
		}
	}
	for i, t := range c.rules.Balance {
		add(firstAbove(t.Above, capacity) - load)
		cost = c.tierCost[i]
	}
	add(remaining + 1)
	return out
}

// firstAbove returns the smallest n ≥ 1 with n/capacity > above, computed
// with the same float comparison the rule states.
func firstAbove(above float64, capacity int) int {
	c := float64(capacity)
	n := max(int(math.Floor(above*c)), 1)
	for n > 1 && float64(n-1)/c > above {
		n--
	}
	for float64(n)/c <= above {
		n++
	}
	return n
}

// checkTotal proves that no sum the solver forms can overflow int64: every
// task's largest possible cost plus every worker's largest tier cost stays
// below 2^62.
func (c costModel) checkTotal(in *instance) error {
	longest := 0.0
	for i := range in.workers {
		longest = max(longest, in.workers[i].limit)
	}
	longest = min(longest, math.Pi*EarthRadiusKm)
	maxTravel, err := c.units("travel cost of the longest allowed distance", c.rules.TravelCostPerKm*longest)
	if err != nil {
		return err
	}
	var maxTier int64
	for _, t := range c.tierCost {
		maxTier = max(maxTier, t)
	}
	const limit = 1 << 62
	total := float64(len(in.tasks)) * float64(maxTravel+c.stability+maxTier)
	for i := range in.tasks {
		total += float64(in.tasks[i].penalty)
	}
	if total >= limit {
		return fmt.Errorf("total cost bound %.3g units at resolution %g: %w", total, c.rules.Resolution, solver.ErrOverflow)
	}
	return nil
}
