package paidan

import (
	"fmt"
	"math"
)

// Rules are the business rules of a plan: hard constraints that decide which
// worker may take which task, and soft costs that the plan minimizes.
// All costs are in one abstract currency ("cost units"); the solver works on
// integers of Resolution cost units each.
//
// The zero value is not meant to be used directly: start from DefaultRules
// and override fields, as the rules file does.
type Rules struct {
	// Resolution is the cost unit of the exact integer solve: every cost is
	// rounded to a multiple of it. Default 0.001.
	Resolution float64

	// CandidatesPerTask is how many nearest eligible workers each task
	// starts with as candidates (k). Default 5. Pinned and previous workers
	// are kept in addition when eligible. Pricing adds every other eligible
	// worker that could lower the cost, so k changes the planning time, not
	// the plan's cost: the default minimized the time on generated metro
	// batches of 10k and 100k tasks.
	CandidatesPerTask int

	// MaxDistanceKm is the longest travel allowed, in kilometres; zero means
	// no limit. A worker's own MaxDistanceKm, when smaller, wins. Default 50.
	MaxDistanceKm float64

	// SpeedKmh converts distance to travel time for shift and deadline
	// checks. Default 30.
	SpeedKmh float64

	// TravelCostPerKm is the cost of one kilometre of travel. Default 1.
	TravelCostPerKm float64

	// Unassigned prices leaving a task out of the plan.
	Unassigned UnassignedPenalty

	// Balance lists the load-balancing tiers in increasing order of
	// utilisation; empty means no balancing cost. The default is
	// [{0.5, 2}, {0.8, 10}].
	Balance []BalanceTier

	// StabilityPenalty is the cost of moving a task away from its previous
	// worker. Default 5.
	StabilityPenalty float64
}

// UnassignedPenalty is the cost of leaving one task unassigned:
// Base + PerPriority×priority + PerWaitingHour×hours waited (at most
// MaxWaitingHours hours count).
type UnassignedPenalty struct {
	Base            float64 // default 1000
	PerPriority     float64 // default 500
	PerWaitingHour  float64 // default 10
	MaxWaitingHours float64 // default 72; zero means no cap
}

// BalanceTier adds CostPerTask for each task that brings a worker's
// utilisation (load over capacity) above Above. Tiers must be in increasing
// Above with non-decreasing CostPerTask, so the load cost stays convex.
type BalanceTier struct {
	Above       float64 // utilisation in [0, 1)
	CostPerTask float64 // non-negative
}

// DefaultRules returns the rules used when no rules file is given.
func DefaultRules() Rules {
	return Rules{
		Resolution:        0.001,
		CandidatesPerTask: 5,
		MaxDistanceKm:     50,
		SpeedKmh:          30,
		TravelCostPerKm:   1,
		Unassigned: UnassignedPenalty{
			Base:            1000,
			PerPriority:     500,
			PerWaitingHour:  10,
			MaxWaitingHours: 72,
		},
		Balance:          []BalanceTier{{Above: 0.5, CostPerTask: 2}, {Above: 0.8, CostPerTask: 10}},
		StabilityPenalty: 5,
	}
}

// Validate reports the first field that is out of range, as an error naming
// the field.
func (r *Rules) Validate() error {
	finite := func(name string, v float64, min float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %w", name, ErrNotFinite)
		}
		if v < min {
			return fmt.Errorf("%s: %g is below %g: %w", name, v, min, ErrOutOfRange)
		}
		return nil
	}
	checks := []struct {
		name string
		v    float64
		min  float64
	}{
		{"resolution", r.Resolution, 1e-9},
		{"max_distance_km", r.MaxDistanceKm, 0},
		{"speed_kmh", r.SpeedKmh, 1e-9},
		{"travel_cost_per_km", r.TravelCostPerKm, 0},
		{"unassigned.base", r.Unassigned.Base, 0},
		{"unassigned.per_priority", r.Unassigned.PerPriority, 0},
		{"unassigned.per_waiting_hour", r.Unassigned.PerWaitingHour, 0},
		{"unassigned.max_waiting_hours", r.Unassigned.MaxWaitingHours, 0},
		{"stability_penalty", r.StabilityPenalty, 0},
	}
	for _, c := range checks {
		if err := finite(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	if r.CandidatesPerTask < 1 {
		return fmt.Errorf("candidates_per_task: %d is below 1: %w", r.CandidatesPerTask, ErrOutOfRange)
	}
	for i, t := range r.Balance {
		name := fmt.Sprintf("balance[%d]", i)
		if err := finite(name+".above", t.Above, 0); err != nil {
			return err
		}
		if t.Above >= 1 {
			return fmt.Errorf("%s.above: %g is not below 1: %w", name, t.Above, ErrOutOfRange)
		}
		if err := finite(name+".cost_per_task", t.CostPerTask, 0); err != nil {
			return err
		}
		if i > 0 {
			prev := r.Balance[i-1]
			if t.Above <= prev.Above || t.CostPerTask < prev.CostPerTask {
				return fmt.Errorf("%s: tiers must rise in above and not fall in cost_per_task: %w", name, ErrOutOfRange)
			}
		}
	}
	return nil
}
