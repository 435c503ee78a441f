package runsnap

import (
	"context"
	"fmt"
	"math"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

// MaxDifferences bounds the differences Replay lists.
const MaxDifferences = 20

// Replay plans the snapshot's input again under its rules (model.Plan
// with opt, RunID set to the stored plan's) and compares the result with
// the stored plan bit for bit: objective, dual bound, every assignment
// (task, worker, distance as float64 bits, cost units, pin), every
// left-out task (reason, detail, penalty units) and every dual potential.
// It returns the new plan, the model's stats and up to MaxDifferences
// differences, in that order; none means bit-identical. An error is
// model.Plan's.
func Replay(ctx context.Context, s *Snapshot, opt model.Options) (*paidan.Plan, model.Stats, []string, error) {
	opt.RunID = s.Plan.RunID
	p, st, err := model.Plan(ctx, s.Batch, s.Rules, opt)
	if err != nil {
		return nil, st, nil, fmt.Errorf("replay %s: %w", s.Plan.RunID, err)
	}
	return p, st, Compare(s.Plan, p), nil
}

// Compare lists, up to MaxDifferences, how plan got differs from want:
// the figures Replay compares. None means bit-identical.
func Compare(want, got *paidan.Plan) []string {
	var diffs []string
	add := func(format string, args ...any) bool {
		if len(diffs) < MaxDifferences {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
		return len(diffs) < MaxDifferences
	}
	if want.InputHash != got.InputHash || want.RulesHash != got.RulesHash {
		add("hashes: stored input %s rules %s, replayed input %s rules %s", want.InputHash, want.RulesHash, got.InputHash, got.RulesHash)
	}
	if want.ObjectiveUnits != got.ObjectiveUnits {
		add("objective: stored %d units, replayed %d", want.ObjectiveUnits, got.ObjectiveUnits)
	}
	if want.DualBound != got.DualBound {
		add("dual bound: stored %d units, replayed %d", want.DualBound, got.DualBound)
	}
	if len(want.Assignments) != len(got.Assignments) {
		add("assignments: stored %d, replayed %d", len(want.Assignments), len(got.Assignments))
	}
	for i := range min(len(want.Assignments), len(got.Assignments)) {
		a, b := &want.Assignments[i], &got.Assignments[i]
		if a.Task != b.Task || a.Worker != b.Worker || a.Pinned != b.Pinned ||
			math.Float64bits(a.DistanceKm) != math.Float64bits(b.DistanceKm) ||
			a.Cost.TravelUnits != b.Cost.TravelUnits || a.Cost.BalanceUnits != b.Cost.BalanceUnits ||
			a.Cost.StabilityUnits != b.Cost.StabilityUnits {
			if !add("assignment %d: stored %s→%s %v km (travel %d, balance %d, stability %d units), replayed %s→%s %v km (travel %d, balance %d, stability %d units)",
				i+1, a.Task, a.Worker, a.DistanceKm, a.Cost.TravelUnits, a.Cost.BalanceUnits, a.Cost.StabilityUnits,
				b.Task, b.Worker, b.DistanceKm, b.Cost.TravelUnits, b.Cost.BalanceUnits, b.Cost.StabilityUnits) {
				return diffs
			}
		}
	}
	if len(want.Unassigned) != len(got.Unassigned) {
		add("left-out tasks: stored %d, replayed %d", len(want.Unassigned), len(got.Unassigned))
	}
	for i := range min(len(want.Unassigned), len(got.Unassigned)) {
		a, b := &want.Unassigned[i], &got.Unassigned[i]
		if a.Task != b.Task || a.Reason != b.Reason || a.Detail != b.Detail || a.PenaltyUnits != b.PenaltyUnits {
			if !add("left-out task %d: stored %s (%s, penalty %d units), replayed %s (%s, penalty %d units)",
				i+1, a.Task, a.Reason, a.PenaltyUnits, b.Task, b.Reason, b.PenaltyUnits) {
				return diffs
			}
		}
	}
	if len(want.Potentials) != len(got.Potentials) {
		add("potentials: stored %d, replayed %d", len(want.Potentials), len(got.Potentials))
	}
	for i := range min(len(want.Potentials), len(got.Potentials)) {
		if want.Potentials[i] != got.Potentials[i] {
			if !add("potential of node %d: stored %d, replayed %d", i, want.Potentials[i], got.Potentials[i]) {
				return diffs
			}
		}
	}
	return diffs
}
