package model_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

// clonePlan copies the slices of p that the tampering below edits.
func clonePlan(p *paidan.Plan) *paidan.Plan {
	q := *p
	q.Assignments = slices.Clone(p.Assignments)
	q.Unassigned = slices.Clone(p.Unassigned)
	q.Workers = slices.Clone(p.Workers)
	q.Potentials = slices.Clone(p.Potentials)
	return &q
}

// TestCertifyAcceptsPlans: every plan Plan makes, on seeded random
// batches with pins, shifts, previous workers and balancing, certifies,
// with the plan's own figures, whatever the parallelism.
func TestCertifyAcceptsPlans(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			b := genBatch(seed, 300+int(seed)*50, 40)
			r := paidan.DefaultRules()
			r.CandidatesPerTask = 2 // pricing must add pairs: the certificate covers them
			p := mustPlan(t, b, r)
			for _, parallel := range []int{1, 4} {
				c, err := model.Certify(context.Background(), b, r, p, parallel)
				if err != nil {
					t.Fatalf("Certify(parallel=%d): %v", parallel, err)
				}
				if c.Objective != p.ObjectiveUnits || c.DualBound != p.ObjectiveUnits || c.Assigned != len(p.Assignments) || c.Tasks != len(b.Tasks) {
					t.Errorf("Certified %+v; plan objective %d, %d assigned of %d", c, p.ObjectiveUnits, len(p.Assignments), len(b.Tasks))
				}
				if c.PricedPairs == 0 {
					t.Errorf("no pair priced")
				}
			}
		})
	}
}

// TestCertifyRefutes tampers with one thing of a verified plan at a time
// and checks that Certify names the check that fails and the task or
// worker involved.
func TestCertifyRefutes(t *testing.T) {
	t.Parallel()
	b := genBatch(7, 400, 40)
	r := paidan.DefaultRules()
	p := mustPlan(t, b, r)
	if len(p.Assignments) < 10 || len(p.Unassigned) == 0 {
		t.Fatalf("test batch: %d assigned, %d left out; want both", len(p.Assignments), len(p.Unassigned))
	}
	T := len(b.Tasks)
	taskIndex := func(id paidan.TaskID) int {
		return slices.IndexFunc(b.Tasks, func(t paidan.Task) bool { return t.ID == id })
	}
	workerIndex := func(id paidan.WorkerID) int {
		return slices.IndexFunc(b.Workers, func(w paidan.Worker) bool { return w.ID == id })
	}
	// An unpinned assignment and another worker eligible for it.
	first := slices.IndexFunc(p.Assignments, func(a paidan.Assignment) bool { return !a.Pinned })
	a0 := p.Assignments[first]

	cases := []struct {
		name   string
		tamper func(p *paidan.Plan, b *paidan.Batch, r *paidan.Rules)
		check  string
		names  string
	}{
		{"changed travel cost", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Assignments[first].Cost.TravelUnits++
		}, model.CheckCosts, string(a0.Task)},
		{"changed penalty", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Unassigned[0].PenaltyUnits--
		}, model.CheckCosts, string(p.Unassigned[0].Task)},
		{"objective", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.ObjectiveUnits--
			p.DualBound--
		}, model.CheckObjective, "objective"},
		{"dual bound", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.DualBound++
		}, model.CheckDualBound, "dual bound"},
		{"task potential raised", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Potentials[taskIndex(a0.Task)] += 1_000_000_000
		}, model.CheckDual, string(a0.Task)},
		{"task potential raised a little", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Potentials[taskIndex(a0.Task)] += 1_000_000
		}, model.CheckPricing, string(a0.Task)},
		{"worker potential lowered", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Potentials[T+workerIndex(a0.Worker)] -= 1_000_000
		}, model.CheckSlackness, string(a0.Worker)},
		{"potential out of range", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Potentials[0] = 1 << 62
		}, model.CheckPotentials, "beyond"},
		{"assignment dropped", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Assignments = slices.Delete(p.Assignments, first, first+1)
		}, model.CheckCoverage, string(a0.Task)},
		{"task twice", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Unassigned = append(p.Unassigned, paidan.Unassigned{Task: a0.Task})
		}, model.CheckCoverage, string(a0.Task)},
		{"input changed", func(_ *paidan.Plan, b *paidan.Batch, _ *paidan.Rules) {
			b.Workers[0].Capacity++
		}, model.CheckHashes, "input"},
		{"rules changed", func(_ *paidan.Plan, _ *paidan.Batch, r *paidan.Rules) {
			r.TravelCostPerKm *= 2
		}, model.CheckHashes, "rules"},
		{"too few potentials", func(p *paidan.Plan, _ *paidan.Batch, _ *paidan.Rules) {
			p.Potentials = p.Potentials[:T]
		}, model.CheckPotentials, "potentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q := clonePlan(p)
			bb := *b
			bb.Workers = slices.Clone(b.Workers)
			rr := r
			c.tamper(q, &bb, &rr)
			_, err := model.Certify(context.Background(), &bb, rr, q, 0)
			ref, ok := errors.AsType[*model.Refutation](err)
			if !ok || !errors.Is(err, model.ErrRefuted) {
				t.Fatalf("Certify = %v; want a refutation", err)
			}
			if ref.Check != c.check || !strings.Contains(ref.Detail, c.names) {
				t.Errorf("refuted %q: %s; want check %q naming %q", ref.Check, ref.Detail, c.check, c.names)
			}
		})
	}
}

// TestCertifyRefutesMovedAssignment moves a task to another eligible
// worker with room and rewrites its costs, the objective and the dual
// bound to match the input, as a careful forger would: the moved plan is
// feasible and its figures add up, but it is not optimal, and the
// potentials say so (complementary slackness on the new pair, or pricing
// on the old one).
func TestCertifyRefutesMovedAssignment(t *testing.T) {
	t.Parallel()
	b := genBatch(11, 300, 40)
	r := paidan.DefaultRules()
	r.Balance = nil // the move changes no other task's balance units
	p := mustPlan(t, b, r)
	moved := false
	for i, a := range p.Assignments {
		if a.Pinned {
			continue
		}
		e, err := model.Explain(b, r, p, a.Task)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range e.Workers {
			if c.Chosen || !c.Eligible || c.Full || c.ReducedCost <= 0 {
				continue
			}
			q := clonePlan(p)
			q.Assignments[i].Worker = c.Worker
			q.Assignments[i].DistanceKm = c.DistanceKm
			q.Assignments[i].Cost = c.Cost
			delta := c.Cost.TravelUnits + c.Cost.StabilityUnits - a.Cost.TravelUnits - a.Cost.StabilityUnits
			q.ObjectiveUnits += delta
			q.DualBound += delta
			for k := range q.Workers {
				switch q.Workers[k].Worker {
				case a.Worker:
					q.Workers[k].Assigned--
				case c.Worker:
					q.Workers[k].Assigned++
				}
			}
			_, err := model.Certify(context.Background(), b, r, q, 0)
			ref, ok := errors.AsType[*model.Refutation](err)
			if !ok {
				t.Fatalf("moving %s from %s to %s: Certify = %v; want a refutation", a.Task, a.Worker, c.Worker, err)
			}
			if !strings.Contains(ref.Detail, string(a.Task)) && !strings.Contains(ref.Detail, string(c.Worker)) {
				t.Errorf("refutation %v names neither the task nor its new worker", ref)
			}
			moved = true
			break
		}
		if moved {
			break
		}
	}
	if !moved {
		t.Fatal("no assignment could be moved to another eligible worker with room")
	}
}
