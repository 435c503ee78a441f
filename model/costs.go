package model

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// maxUnits bounds every single cost in integer units: beyond 2^53 a float64
// no longer holds every integer, so the travel component could not be
// rounded exactly.
const maxUnits = 1 << 53

// nsPerHour is the exact number of nanoseconds in an hour.
const nsPerHour = 3600 * 1e9

// costModel turns the soft costs of the rules into integer units of
// Resolution, by the one rule the README's "Cost model" states: every
// component is computed from the exact decimal values of its inputs
// (paidan.ExactValue of each rule number, integer priorities, capacities
// and loads, waiting time in whole nanoseconds) and rounded half away from
// zero to units; only travel, which depends on the haversine distance, is
// computed in float64.
type costModel struct {
	rules paidan.Rules
	res   *big.Rat // exact Resolution

	// perKm is the float64 nearest to TravelCostPerKm / Resolution (the
	// exact quotient): travel units are round(km × perKm).
	perKm     float64
	stability int64      // units
	tierCost  []int64    // units per task, one per rules.Balance tier
	above     []*big.Rat // exact Above of each tier
	penalty   penaltyRule
}

func newCostModel(r paidan.Rules) (costModel, error) {
	c := costModel{rules: r, res: paidan.ExactValue(r.Resolution)}
	c.perKm, _ = new(big.Rat).Quo(paidan.ExactValue(r.TravelCostPerKm), c.res).Float64()
	var err error
	if c.stability, err = c.units("stability_penalty", r.StabilityPenalty); err != nil {
		return c, err
	}
	c.tierCost = make([]int64, len(r.Balance))
	c.above = make([]*big.Rat, len(r.Balance))
	for i, t := range r.Balance {
		if c.tierCost[i], err = c.units(fmt.Sprintf("balance[%d].cost_per_task", i), t.CostPerTask); err != nil {
			return c, err
		}
		c.above[i] = paidan.ExactValue(t.Above)
	}
	c.penalty = newPenaltyRule(r.Unassigned, c.res)
	return c, nil
}

// roundHalfAway returns q rounded to the nearest integer, halves away from
// zero, and false when the result is beyond ±maxUnits.
func roundHalfAway(q *big.Rat) (int64, bool) {
	n := new(big.Int).Abs(q.Num())
	d := q.Denom()
	quo, rem := new(big.Int).QuoRem(n, d, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(d) >= 0 {
		quo.Add(quo, big.NewInt(1))
	}
	if !quo.IsInt64() || quo.Int64() > maxUnits {
		return 0, false
	}
	if q.Sign() < 0 {
		return -quo.Int64(), true
	}
	return quo.Int64(), true
}

// units returns the rule number v in integer units: its exact value over
// the exact Resolution, rounded half away from zero. It fails with
// solver.ErrOverflow beyond 2^53 units.
func (c costModel) units(what string, v float64) (int64, error) {
	u, ok := roundHalfAway(new(big.Rat).Quo(paidan.ExactValue(v), c.res))
	if !ok {
		return 0, fmt.Errorf("%s: %g cost units at resolution %g: %w", what, v, c.rules.Resolution, solver.ErrOverflow)
	}
	return u, nil
}

// travel returns the travel cost of km kilometres in units: km × perKm in
// float64, rounded half away from zero. checkTotal has proved that the
// longest allowed distance fits.
func (c costModel) travel(km float64) int64 {
	return int64(math.Round(km * c.perKm))
}

// value converts units back to cost units: the float64 nearest to units ×
// Resolution.
func (c costModel) value(u int64) float64 { return paidan.UnitsValue(u, c.rules.Resolution) }

// breakdown returns an assignment's cost from its components in units.
func (c costModel) breakdown(travel, balance, stability int64) paidan.Cost {
	return paidan.Cost{
		Travel: c.value(travel), Balance: c.value(balance), Stability: c.value(stability),
		TravelUnits: travel, BalanceUnits: balance, StabilityUnits: stability,
	}
}

// waitingNs returns how long t has waited at asOf, in nanoseconds: zero
// for a zero or later CreatedAt.
func waitingNs(t *paidan.Task, asOf time.Time) int64 {
	if t.CreatedAt.IsZero() || !asOf.After(t.CreatedAt) {
		return 0
	}
	return int64(asOf.Sub(t.CreatedAt))
}

// penaltyRule computes unassigned penalties exactly:
//
//	units = round((Base + PerPriority·p + PerWaitingHour·h) / Resolution)
//
// with h = min(waiting ns / 3.6e12, MaxWaitingHours) (no cap when
// MaxWaitingHours is 0), rounded half away from zero. Below the cap that
// is round((a + b·p + hc·ns) / d) for non-negative integers a, b, hc, d
// that newPenaltyRule derives once; when they fit in 64 bits the division
// runs in 128-bit integer arithmetic, else in math/big.
type penaltyRule struct {
	a, b, hc, d         *big.Int
	a64, b64, hc64, d64 uint64
	fast                bool
	// capNs is the cap in nanoseconds (exact), nil for none; capped is the
	// exact penalty in units (unrounded) of a priority-0 task at the cap,
	// perPriority the exact units per priority point.
	capNs, capped, perPriority *big.Rat
}

func newPenaltyRule(p paidan.UnassignedPenalty, res *big.Rat) penaltyRule {
	per := func(v float64, den *big.Rat) *big.Rat {
		q := new(big.Rat).Quo(paidan.ExactValue(v), res)
		return q.Quo(q, den)
	}
	one, hour := big.NewRat(1, 1), new(big.Rat).SetInt64(nsPerHour)
	base, pri, ns := per(p.Base, one), per(p.PerPriority, one), per(p.PerWaitingHour, hour)
	// d: the least common denominator of the three; a, b, hc their
	// numerators over it.
	d := new(big.Int).Set(base.Denom())
	for _, q := range []*big.Rat{pri, ns} {
		g := new(big.Int).GCD(nil, nil, d, q.Denom())
		d.Mul(d, new(big.Int).Quo(q.Denom(), g))
	}
	over := func(q *big.Rat) *big.Int {
		n := new(big.Int).Mul(q.Num(), d)
		return n.Quo(n, q.Denom())
	}
	r := penaltyRule{a: over(base), b: over(pri), hc: over(ns), d: d, perPriority: pri}
	r.fast = r.a.IsUint64() && r.b.IsUint64() && r.hc.IsUint64() && r.d.IsUint64()
	if r.fast {
		r.a64, r.b64, r.hc64, r.d64 = r.a.Uint64(), r.b.Uint64(), r.hc.Uint64(), r.d.Uint64()
	}
	if p.MaxWaitingHours > 0 {
		r.capNs = new(big.Rat).Mul(paidan.ExactValue(p.MaxWaitingHours), hour)
		r.capped = new(big.Rat).Add(base, new(big.Rat).Mul(ns, r.capNs))
	}
	return r
}

// units returns the penalty in units of a task of the given priority (≥ 0)
// that waited waitNs (≥ 0) nanoseconds, and false beyond maxUnits.
func (r *penaltyRule) units(priority, waitNs int64) (int64, bool) {
	if r.capNs != nil && new(big.Rat).SetInt64(waitNs).Cmp(r.capNs) > 0 {
		q := new(big.Rat).Mul(r.perPriority, new(big.Rat).SetInt64(priority))
		return roundHalfAway(q.Add(q, r.capped))
	}
	if r.fast {
		if u, ok := r.units64(uint64(priority), uint64(waitNs)); ok {
			return u, u <= maxUnits
		}
	}
	n := new(big.Int).Mul(r.b, big.NewInt(priority))
	n.Add(n, r.a)
	n.Add(n, new(big.Int).Mul(r.hc, big.NewInt(waitNs)))
	return roundHalfAway(new(big.Rat).SetFrac(n, r.d))
}

// units64 computes round((a + b·p + hc·w) / d) in 128-bit arithmetic; ok
// is false when an intermediate or the quotient does not fit in 64 bits.
func (r *penaltyRule) units64(p, w uint64) (int64, bool) {
	h1, l1 := bits.Mul64(r.b64, p)
	h2, l2 := bits.Mul64(r.hc64, w)
	lo, c := bits.Add64(l1, l2, 0)
	hi, c2 := bits.Add64(h1, h2, c)
	if c2 != 0 {
		return 0, false
	}
	lo, c = bits.Add64(lo, r.a64, 0)
	hi, c2 = bits.Add64(hi, 0, c)
	if c2 != 0 || hi >= r.d64 {
		return 0, false
	}
	q, rem := bits.Div64(hi, lo, r.d64)
	if rem >= r.d64-rem { // 2·rem ≥ d: a half or more rounds away from zero
		q++
	}
	if q > maxUnits {
		return 0, false
	}
	return int64(q), true
}

// penaltyOf returns the unassigned penalty of t in units at asOf.
func (c costModel) penaltyOf(t *paidan.Task, asOf time.Time) (int64, error) {
	u, ok := c.penalty.units(int64(t.Priority), waitingNs(t, asOf))
	if !ok {
		return 0, fmt.Errorf("unassigned penalty beyond %d units at resolution %g: %w", int64(maxUnits), c.rules.Resolution, solver.ErrOverflow)
	}
	return u, nil
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
	for i := range c.rules.Balance {
		add(firstAbove(c.above[i], capacity) - load)
		cost = c.tierCost[i]
	}
	add(remaining + 1)
	return out
}

// firstAbove returns the smallest n ≥ 1 with n/capacity > above, compared
// exactly: n = ⌊above × capacity⌋ + 1 with above's exact decimal value. A
// utilisation equal to a threshold does not cross it.
func firstAbove(above *big.Rat, capacity int) int {
	n := new(big.Int).Mul(above.Num(), big.NewInt(int64(capacity)))
	n.Quo(n, above.Denom()) // non-negative, so Quo is the floor
	return int(n.Int64()) + 1
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
	if f := longest * c.perKm; !(f <= maxUnits) {
		return fmt.Errorf("travel cost of the longest allowed distance, %.1f km, is %.3g units at resolution %g: %w",
			longest, f, c.rules.Resolution, solver.ErrOverflow)
	}
	maxTravel := c.travel(longest)
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
