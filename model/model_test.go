package model_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/model"
	"github.com/paidan/paidan/solver"
)

// north returns a point dy km due north of the origin: on one meridian the
// haversine distance between two such points is exactly their dy apart.
func north(dy float64) paidan.Point { return at(0, dy) }

func worker(id string, dy float64, capacity int) paidan.Worker {
	return paidan.Worker{ID: paidan.WorkerID(id), Location: north(dy), Capacity: capacity}
}

func task(id string, dy float64) paidan.Task {
	return paidan.Task{ID: paidan.TaskID(id), Location: north(dy), CreatedAt: asOf}
}

// TestPlanHandChecked runs small batches whose optimum is worked out by
// hand, one per rule and reason.
func TestPlanHandChecked(t *testing.T) {
	t.Parallel()
	type want struct {
		objective float64                           // cost units
		assigned  map[paidan.TaskID]paidan.WorkerID // every assignment
		reasons   map[paidan.TaskID]paidan.Reason
		detail    map[paidan.TaskID]string // substring of the Detail
		costs     map[paidan.TaskID]paidan.Cost
	}
	skilled := func(w paidan.Worker, skills ...string) paidan.Worker { w.Skills = skills; return w }
	regioned := func(w paidan.Worker, regions ...string) paidan.Worker { w.Regions = regions; return w }
	needs := func(t paidan.Task, region string, skills ...string) paidan.Task {
		t.Region, t.Skills = region, skills
		return t
	}
	tests := []struct {
		name  string
		rules func(*paidan.Rules)
		tasks []paidan.Task
		work  []paidan.Worker
		want  want
	}{
		{
			name:  "nearest worker by travel",
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{worker("w0", 5, 1), worker("w1", 3, 1)},
			want:  want{objective: 3, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w1"}},
		},
		{
			// t0→w0, t1→w1 costs 0+9; t1→w0, t0→w1 costs 1+10.
			name:  "capacity shared at minimum total",
			tasks: []paidan.Task{task("t0", 0), task("t1", 1)},
			work:  []paidan.Worker{worker("w0", 0, 1), worker("w1", 10, 1)},
			want:  want{objective: 9, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0", "t1": "w1"}},
		},
		{
			name:  "no skill",
			tasks: []paidan.Task{needs(task("t0", 0), "north", "forklift")},
			work:  []paidan.Worker{skilled(worker("w0", 1, 5), "van")},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.NoSkill},
				detail: map[paidan.TaskID]string{"t0": "no worker with skill forklift"}},
		},
		{
			name:  "no region",
			tasks: []paidan.Task{needs(task("t0", 0), "north", "forklift")},
			work:  []paidan.Worker{regioned(skilled(worker("w0", 1, 5), "forklift"), "south"), regioned(worker("w1", 1, 5), "north")},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.NoRegion},
				detail: map[paidan.TaskID]string{"t0": "region north: no worker with skill forklift"}},
		},
		{
			name:  "out of range of the rules",
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{worker("w0", 60, 5)},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.OutOfRange},
				detail: map[paidan.TaskID]string{"t0": "w0, is 60.0 km > limit 50.0 km"}},
		},
		{
			name:  "worker's own range is smaller",
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{func() paidan.Worker { w := worker("w0", 6, 5); w.MaxDistanceKm = 5; return w }(), worker("w1", 8, 5)},
			want:  want{objective: 8, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w1"}},
		},
		{
			name:  "no distance limit",
			rules: func(r *paidan.Rules) { r.MaxDistanceKm = 0 },
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{worker("w0", 200, 5)},
			want:  want{objective: 200, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0"}},
		},
		{
			// 10 km at 30 km/h is 20 minutes; the shift ends after 10.
			name:  "outside shift",
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{func() paidan.Worker { w := worker("w0", 10, 5); w.ShiftEnd = asOf.Add(10 * time.Minute); return w }()},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.OutsideShift},
				detail: map[paidan.TaskID]string{"t0": "arrives 2026-03-02 09:20 UTC, after its shift end 2026-03-02 09:10 UTC"}},
		},
		{
			name:  "past the deadline",
			tasks: []paidan.Task{func() paidan.Task { t := task("t0", 0); t.DueAt = asOf.Add(15 * time.Minute); return t }()},
			work:  []paidan.Worker{worker("w0", 10, 5)},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.OutsideShift},
				detail: map[paidan.TaskID]string{"t0": "after the task's due time 2026-03-02 09:15 UTC"}},
		},
		{
			// The shift starts at the due time and travel is zero: arrival
			// equals the deadline, which is allowed.
			name:  "arrival exactly at the deadline",
			tasks: []paidan.Task{func() paidan.Task { t := task("t0", 0); t.DueAt = asOf.Add(time.Hour); return t }()},
			work: []paidan.Worker{func() paidan.Worker {
				w := worker("w0", 0, 5)
				w.ShiftStart, w.ShiftEnd = asOf.Add(time.Hour), asOf.Add(2*time.Hour)
				return w
			}()},
			want: want{objective: 0, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0"}},
		},
		{
			name:  "full from the start",
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{func() paidan.Worker { w := worker("w0", 2, 3); w.Load = 3; return w }()},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.NoCapacity},
				detail: map[paidan.TaskID]string{"t0": "1 eligible worker, full: w0 (2.0 km)"}},
		},
		{
			// One unit of capacity: the higher-priority task is worth more.
			name: "full after other tasks",
			tasks: []paidan.Task{task("t0", 0), func() paidan.Task {
				t := task("t1", 4)
				t.Priority = 1
				return t
			}()},
			work: []paidan.Worker{worker("w0", 1, 1)},
			want: want{objective: 1003, assigned: map[paidan.TaskID]paidan.WorkerID{"t1": "w0"},
				reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.NoCapacity},
				detail:  map[paidan.TaskID]string{"t0": "1 eligible worker, full: w0 (1.0 km)"}},
		},
		{
			name:  "cheaper unassigned",
			rules: func(r *paidan.Rules) { r.Unassigned.Base = 10 },
			tasks: []paidan.Task{task("t0", 0)},
			work:  []paidan.Worker{worker("w0", 20, 5)},
			want: want{objective: 10, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.CheaperUnassigned},
				detail: map[paidan.TaskID]string{"t0": "penalty 10.0 ≤ cheapest assignment 20.0 (w0, 20.0 km)"}},
		},
		{
			name:  "pinned beats nearer",
			tasks: []paidan.Task{func() paidan.Task { t := task("t0", 0); t.PinnedWorker = "w1"; return t }()},
			work:  []paidan.Worker{worker("w0", 1, 5), worker("w1", 10, 5)},
			want:  want{objective: 10, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w1"}},
		},
		{
			name: "pinned infeasible",
			tasks: []paidan.Task{
				func() paidan.Task { t := needs(task("t0", 0), "", "forklift"); t.PinnedWorker = "w0"; return t }(),
				func() paidan.Task { t := task("t2", 0); t.PinnedWorker = "w1"; return t }(),
				func() paidan.Task { t := task("t3", 0); t.PinnedWorker = "w1"; return t }(),
			},
			work: []paidan.Worker{worker("w0", 1, 5), worker("w1", 2, 1)},
			want: want{objective: 2002, assigned: map[paidan.TaskID]paidan.WorkerID{"t2": "w1"},
				reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.PinnedInfeasible, "t3": paidan.PinnedInfeasible},
				detail: map[paidan.TaskID]string{
					"t0": "pinned to worker w0, which cannot take it: lacks forklift",
					"t3": "pinned to worker w1, whose 1 remaining units go to 1 earlier tasks pinned to it",
				}},
		},
		{
			// A failed pin reports pinned_infeasible ahead of every other
			// reason (no worker has forklift: no_skill otherwise), and its
			// detail names every broken rule in rule order: skill, region,
			// range, shift, capacity.
			name: "pinned infeasible: every broken rule, ahead of every other reason",
			tasks: []paidan.Task{
				func() paidan.Task { t := needs(task("t0", 0), "", "forklift"); t.PinnedWorker = "w0"; return t }(),
			},
			work: []paidan.Worker{func() paidan.Worker { w := worker("w0", 60, 1); w.Load = 1; return w }()},
			want: want{objective: 1000, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.PinnedInfeasible},
				detail: map[paidan.TaskID]string{
					"t0": "pinned to worker w0, which cannot take it: lacks forklift; 60.0 km > limit 50.0 km; no capacity left (capacity 1, load 1)",
				}},
		},
		{
			// Moving to w0 costs 1 + 5 > 3 on the previous worker.
			name:  "stability keeps the previous worker",
			tasks: []paidan.Task{func() paidan.Task { t := task("t0", 0); t.PreviousWorker = "w1"; return t }()},
			work:  []paidan.Worker{worker("w0", 1, 5), worker("w1", 3, 5)},
			want:  want{objective: 3, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w1"}},
		},
		{
			name:  "stability penalty smaller than the saving",
			rules: func(r *paidan.Rules) { r.StabilityPenalty = 1 },
			tasks: []paidan.Task{func() paidan.Task { t := task("t0", 0); t.PreviousWorker = "w1"; return t }()},
			work:  []paidan.Worker{worker("w0", 1, 5), worker("w1", 3, 5)},
			want: want{objective: 2, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0"},
				costs: map[paidan.TaskID]paidan.Cost{"t0": {Travel: 1, Stability: 1}}},
		},
		{
			// A second unit on either worker crosses 0.5 and costs 10:
			// splitting (1 + 1) beats doubling up on w0 (1 + 2 + 10).
			name:  "balance splits the load",
			rules: func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 10}} },
			tasks: []paidan.Task{task("t0", 0), task("t1", 3)},
			work:  []paidan.Worker{worker("w0", 1, 2), worker("w1", 4, 2)},
			want:  want{objective: 2, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0", "t1": "w1"}},
		},
		{
			// Units 1..3 of a capacity-3 worker reach utilisation 1/3, 2/3
			// and 1: tier costs 0, 2, 10, attributed in task order.
			name: "balance tiers attributed in task order",
			rules: func(r *paidan.Rules) {
				r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 2}, {Above: 0.8, CostPerTask: 10}}
			},
			tasks: []paidan.Task{task("t0", 0), task("t1", 0), task("t2", 0)},
			work:  []paidan.Worker{worker("w0", 1, 3)},
			want: want{objective: 15, assigned: map[paidan.TaskID]paidan.WorkerID{"t0": "w0", "t1": "w0", "t2": "w0"},
				costs: map[paidan.TaskID]paidan.Cost{"t0": {Travel: 1}, "t1": {Travel: 1, Balance: 2}, "t2": {Travel: 1, Balance: 10}}},
		},
		{
			// 1000 + 2×500 + 72 h (capped from 100) × 10.
			name:  "penalty with priority and capped waiting",
			rules: func(r *paidan.Rules) { r.Unassigned.PerWaitingHour = 10 },
			tasks: []paidan.Task{func() paidan.Task {
				t := needs(task("t0", 0), "", "x")
				t.Priority, t.CreatedAt = 2, asOf.Add(-100*time.Hour)
				return t
			}()},
			work: []paidan.Worker{worker("w0", 1, 1)},
			want: want{objective: 2720, reasons: map[paidan.TaskID]paidan.Reason{"t0": paidan.NoSkill}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := simpleRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			b := &paidan.Batch{AsOf: asOf, Tasks: tt.tasks, Workers: tt.work}
			p := mustPlan(t, b, r)
			checkPlan(t, b, r, p)
			if want := int64(math.Round(tt.want.objective / r.Resolution)); p.ObjectiveUnits != want {
				t.Errorf("objective %d units (%g); want %d", p.ObjectiveUnits, p.Objective, want)
			}
			if want := bruteForce(b, r); p.ObjectiveUnits != want {
				t.Errorf("objective %d units; brute force %d", p.ObjectiveUnits, want)
			}
			if got := assignedTo(p); len(got) != len(tt.want.assigned) || !reflect.DeepEqual(got, tt.want.assigned) && len(got) > 0 {
				t.Errorf("assignments %v; want %v", got, tt.want.assigned)
			}
			for id, reason := range tt.want.reasons {
				u, ok := unassigned(p, id)
				if !ok || u.Reason != reason {
					t.Errorf("task %s: unassigned %v reason %v (%s); want %v", id, ok, u.Reason, u.Detail, reason)
				}
				if d := tt.want.detail[id]; !strings.Contains(u.Detail, d) {
					t.Errorf("task %s detail %q; want it to contain %q", id, u.Detail, d)
				}
			}
			for _, a := range p.Assignments {
				if want, ok := tt.want.costs[a.Task]; ok && !closeCost(a.Cost, want) {
					t.Errorf("task %s cost %+v; want %+v", a.Task, a.Cost, want)
				}
			}
		})
	}
}

func closeCost(a, b paidan.Cost) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-6 }
	return near(a.Travel, b.Travel) && near(a.Balance, b.Balance) && near(a.Stability, b.Stability)
}

// TestPlanDeterministic plans a generated batch repeatedly, with one and
// two pruning and pricing goroutines, and expects identical plans (pricing
// rounds, potentials included) but for the solver's wall time.
func TestPlanDeterministic(t *testing.T) {
	t.Parallel()
	b := genBatch(7, 5000, 300)
	r := paidan.DefaultRules()
	r.CandidatesPerTask = 3
	var first *paidan.Plan
	for _, par := range []int{1, 2, 2} {
		p, _, err := model.Plan(context.Background(), b, r, model.Options{Parallel: par})
		if err != nil {
			t.Fatalf("Plan(parallel %d): %v", par, err)
		}
		p.Solver.Duration = 0
		if first == nil {
			first = p
			continue
		}
		if !reflect.DeepEqual(p, first) {
			t.Fatalf("plan with parallel %d differs from the first plan", par)
		}
	}
	if first.Pricing.Rounds < 2 || first.Pricing.AddedArcs == 0 {
		t.Errorf("pricing %+v; want a batch that needs pricing rounds", first.Pricing)
	}
	if first.RunID == "" || len(first.InputHash) != 64 || len(first.RulesHash) != 64 {
		t.Errorf("RunID %q, hashes %q %q; want a derived id and hex SHA-256", first.RunID, first.InputHash, first.RulesHash)
	}
}

// TestPlanWarmSimplexPricing plans generated metro batches (package
// datasets, the shape `paidan gen dispatch` writes) large enough for the
// network simplex with few candidates, so that pricing rounds start the simplex
// from the previous round's tree, and compares with the plan that keeps
// every worker as a candidate (one round, nothing to price).
func TestPlanWarmSimplexPricing(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2) {
		b := datasets.Generate(datasets.GenOptions{Tasks: 2000, Workers: 100, Seed: seed + 1})
		full := paidan.DefaultRules()
		full.CandidatesPerTask = 100
		pFull := mustPlan(t, b, full)
		r := full
		r.CandidatesPerTask = 3
		p := mustPlan(t, b, r)
		if p.Pricing.Rounds < 2 || p.Solver.Algorithm != "network-simplex" {
			t.Fatalf("seed %d: %d rounds by %s; want pricing rounds solved by the simplex", seed, p.Pricing.Rounds, p.Solver.Algorithm)
		}
		if p.ObjectiveUnits != pFull.ObjectiveUnits {
			t.Fatalf("seed %d: k=3 objective %d; every worker %d", seed, p.ObjectiveUnits, pFull.ObjectiveUnits)
		}
		checkPlan(t, b, r, p)
	}
}

// TestPlanPruning checks that keeping k ≥ workers candidates changes
// nothing, that with pricing a small k reaches the same optimum as keeping
// every worker, and that reasons stay right under heavy pruning
// (classification sees every worker).
func TestPlanPruning(t *testing.T) {
	t.Parallel()
	for seed := range uint64(6) {
		b := genBatch(seed, 400, 25)
		full := paidan.DefaultRules()
		full.CandidatesPerTask = 25
		pFull := mustPlan(t, b, full)
		more := full
		more.CandidatesPerTask = 1000
		if p := mustPlan(t, b, more); p.ObjectiveUnits != pFull.ObjectiveUnits || !reflect.DeepEqual(assignedTo(p), assignedTo(pFull)) {
			t.Fatalf("seed %d: k=1000 objective %d; k=workers %d", seed, p.ObjectiveUnits, pFull.ObjectiveUnits)
		}
		for _, k := range []int{1, 3} {
			r := full
			r.CandidatesPerTask = k
			p := mustPlan(t, b, r)
			if p.ObjectiveUnits != pFull.ObjectiveUnits {
				t.Fatalf("seed %d: k=%d objective %d; unpruned optimum %d", seed, k, p.ObjectiveUnits, pFull.ObjectiveUnits)
			}
			checkPlan(t, b, r, p)
			for _, u := range p.Unassigned {
				ti := int(mustIndex(t, b, u.Task))
				if want := bfReason(b, r, p, ti); u.Reason != want {
					t.Fatalf("seed %d k=%d: task %s reason %v (%s); want %v", seed, k, u.Task, u.Reason, u.Detail, want)
				}
			}
		}
	}
}

func mustIndex(tb testing.TB, b *paidan.Batch, id paidan.TaskID) int {
	tb.Helper()
	for i, t := range b.Tasks {
		if t.ID == id {
			return i
		}
	}
	tb.Fatalf("task %s not in batch", id)
	return -1
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	good := func() *paidan.Batch {
		return &paidan.Batch{AsOf: asOf, Tasks: []paidan.Task{task("t0", 0)}, Workers: []paidan.Worker{worker("w0", 1, 1)}}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		ctx   context.Context
		batch func(*paidan.Batch)
		rules func(*paidan.Rules)
		want  error
	}{
		{name: "invalid rules", rules: func(r *paidan.Rules) { r.CandidatesPerTask = 0 }, want: paidan.ErrOutOfRange},
		{name: "NaN rule", rules: func(r *paidan.Rules) { r.SpeedKmh = math.NaN() }, want: paidan.ErrNotFinite},
		{name: "penalty overflows", rules: func(r *paidan.Rules) { r.Resolution = 1e-9; r.Unassigned.Base = 1e9 }, want: solver.ErrOverflow},
		{name: "stability overflows", rules: func(r *paidan.Rules) { r.Resolution = 1e-9; r.StabilityPenalty = 1e10 }, want: solver.ErrOverflow},
		{name: "travel overflows", rules: func(r *paidan.Rules) { r.Resolution = 1e-9; r.TravelCostPerKm = 1e8 }, want: solver.ErrOverflow},
		{name: "total overflows", rules: func(r *paidan.Rules) { r.Resolution = 1e-6; r.Unassigned.Base = 8e9 },
			batch: func(b *paidan.Batch) {
				for i := range 600 {
					b.Tasks = append(b.Tasks, task("x"+string(rune('a'+i%26))+strings.Repeat("y", i/26), 0))
				}
			}, want: solver.ErrOverflow},
		{name: "NaN latitude", batch: func(b *paidan.Batch) { b.Tasks[0].Location.Lat = math.NaN() }, want: paidan.ErrNotFinite},
		{name: "longitude out of range", batch: func(b *paidan.Batch) { b.Workers[0].Location.Lon = 181 }, want: paidan.ErrOutOfRange},
		{name: "duplicate task", batch: func(b *paidan.Batch) { b.Tasks = append(b.Tasks, b.Tasks[0]) }, want: paidan.ErrDuplicateID},
		{name: "negative capacity", batch: func(b *paidan.Batch) { b.Workers[0].Capacity = -1 }, want: paidan.ErrNegative},
		// The batch's rules are paidan.Batch.Validate's, as every loader
		// applies them: a pin names a worker of the batch, a shift ends
		// after it starts.
		{name: "pin to a worker not in the batch", batch: func(b *paidan.Batch) { b.Tasks[0].PinnedWorker = "w9" }, want: paidan.ErrUnknownRef},
		{name: "shift ends at its start", batch: func(b *paidan.Batch) {
			b.Workers[0].ShiftStart, b.Workers[0].ShiftEnd = asOf, asOf
		}, want: paidan.ErrOutOfRange},
		{name: "cancelled", ctx: cancelled, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, r := good(), paidan.DefaultRules()
			if tt.batch != nil {
				tt.batch(b)
			}
			if tt.rules != nil {
				tt.rules(&r)
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			p, _, err := model.Plan(ctx, b, r, model.Options{})
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Plan: plan %v, error %v; want no plan and %v", p != nil, err, tt.want)
			}
			if tt.batch != nil && tt.want != solver.ErrOverflow {
				if _, ok := errors.AsType[*paidan.InputError](err); !ok {
					t.Errorf("error %v is not an *InputError", err)
				}
			}
		})
	}
}

func TestPlanEmpty(t *testing.T) {
	t.Parallel()
	for _, b := range []*paidan.Batch{
		{AsOf: asOf},
		{AsOf: asOf, Workers: []paidan.Worker{worker("w0", 0, 3)}},
		{AsOf: asOf, Tasks: []paidan.Task{task("t0", 0)}},
	} {
		p := mustPlan(t, b, paidan.DefaultRules())
		checkPlan(t, b, paidan.DefaultRules(), p)
		if len(b.Workers) == 0 && len(b.Tasks) == 1 {
			if u, _ := unassigned(p, "t0"); u.Reason != paidan.NoSkill || u.Detail != "the batch has no workers" {
				t.Errorf("task without workers: %v %q; want no_skill, the batch has no workers", u.Reason, u.Detail)
			}
		}
	}
}

// TestPlanStagesAndPricing checks the stage callbacks and that a pruned
// network hiding a cheaper worker with room triggers a second round: with
// k = 1, both tasks keep only w0, which has room for one. The greedy spill
// places t0 there and finds nothing for t1 (only w0 has its skill), but
// the solve gives w0 to the higher-priority t1, leaving t0 without w1.
func TestPlanStagesAndPricing(t *testing.T) {
	t.Parallel()
	t1 := task("t1", 0.5)
	t1.Skills, t1.Priority = []string{"s"}, 5
	w0 := worker("w0", 1, 1)
	w0.Skills = []string{"s"}
	b := &paidan.Batch{AsOf: asOf,
		Tasks:   []paidan.Task{task("t0", 0), t1},
		Workers: []paidan.Worker{w0, worker("w1", 5, 1)},
	}
	r := simpleRules()
	r.CandidatesPerTask = 1
	var (
		stages []string
		rounds []model.RoundReport
	)
	p, st, err := model.Plan(context.Background(), b, r, model.Options{
		Progress:  func(s string) { stages = append(stages, s) },
		RoundDone: func(rr model.RoundReport) { rounds = append(rounds, rr) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 2 || rounds[0].Round != 1 || rounds[0].Arcs != 2 || rounds[0].Added != 1 ||
		rounds[1].Round != 2 || rounds[1].Arcs != 3 || rounds[1].Added != 0 || rounds[1].Objective != p.ObjectiveUnits ||
		rounds[0].Objective < rounds[1].Objective {
		t.Errorf("round reports %+v; want round 1 on 2 arcs adding 1, round 2 on 3 arcs adding none at the plan's objective", rounds)
	}
	want := []string{"prune", "build", "solve", "verify", "price", "build", "solve", "verify", "price", "classify", "finish"}
	if !reflect.DeepEqual(stages, want) || st.Rounds != 2 {
		t.Errorf("stages %v, %d rounds; want %v, 2 rounds", stages, st.Rounds, want)
	}
	if want := (paidan.PricingStats{Rounds: 2, PricedPairs: p.Pricing.PricedPairs, AddedArcs: 1}); p.Pricing != want || p.Pricing.PricedPairs < 1 {
		t.Errorf("pricing %+v; want %+v with at least one pair priced", p.Pricing, want)
	}
	if len(p.Assignments) != 2 || st.Candidates != 3 {
		t.Errorf("%d assignments on %d candidate arcs; want 2 on 3 (2 pruned + 1 added)", len(p.Assignments), st.Candidates)
	}
	if want := bruteForce(b, r); p.ObjectiveUnits != want {
		t.Errorf("objective %d; brute force %d", p.ObjectiveUnits, want)
	}
}

// TestPlanSpill checks that a task whose only candidate (k = 1) the greedy
// pass fills gets the nearest worker with room as an extra candidate, so
// that one solve suffices.
func TestPlanSpill(t *testing.T) {
	t.Parallel()
	b := &paidan.Batch{AsOf: asOf,
		Tasks:   []paidan.Task{task("t0", 0), task("t1", 0.5)},
		Workers: []paidan.Worker{worker("w0", 1, 1), worker("w1", 5, 1), worker("w2", 9, 1)},
	}
	r := simpleRules()
	r.CandidatesPerTask = 1
	p, st, err := model.Plan(context.Background(), b, r, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rounds != 1 || len(p.Assignments) != 2 || st.Candidates != 2+2 {
		t.Errorf("%d rounds, %d assignments, %d candidate arcs; want 1, 2 and 4 (2 pruned + w1, w2 spilled for t1)", st.Rounds, len(p.Assignments), st.Candidates)
	}
	if want := bruteForce(b, r); p.ObjectiveUnits != want {
		t.Errorf("objective %d; brute force %d", p.ObjectiveUnits, want)
	}
}

// TestPlanMetro checks plans of generated metro batches (package datasets:
// hotspots, five regions, shifts, pins, hard tasks) under the default
// rules: consistency with the rules and every reason against the
// first-that-applies restatement over all workers.
func TestPlanMetro(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		b := datasets.Generate(datasets.GenOptions{Tasks: 3000, Workers: 150, Seed: seed})
		r := paidan.DefaultRules()
		p := mustPlan(t, b, r)
		checkPlan(t, b, r, p)
		for _, u := range p.Unassigned {
			if want := bfReason(b, r, p, mustIndex(t, b, u.Task)); u.Reason != want {
				t.Fatalf("seed %d: task %s reason %v (%s); want %v", seed, u.Task, u.Reason, u.Detail, want)
			}
		}
	}
}

// TestPlanManySkills uses more skills than one 64-bit word holds.
func TestPlanManySkills(t *testing.T) {
	t.Parallel()
	var all []string
	for i := range 150 {
		all = append(all, fmt.Sprintf("s%03d", i))
	}
	w0, w1 := worker("w0", 1, 5), worker("w1", 2, 5)
	w0.Skills = all[:64]    // s000..s063, the most a worker may have
	w1.Skills = all[60:124] // s060..s123
	need := func(id string, skills ...string) paidan.Task {
		t := task(id, 0)
		t.Skills = skills
		return t
	}
	b := &paidan.Batch{AsOf: asOf, Workers: []paidan.Worker{w0, w1}, Tasks: []paidan.Task{
		need("t0", "s010", "s063"), // w0 only
		need("t1", "s123", "s065"), // w1 only
		need("t2", "s061", "s062"), // both; w0 is nearer
		need("t3", "s010", "s123"), // nobody has both
	}}
	p := mustPlan(t, b, simpleRules())
	want := map[paidan.TaskID]paidan.WorkerID{"t0": "w0", "t1": "w1", "t2": "w0"}
	if got := assignedTo(p); !reflect.DeepEqual(got, want) {
		t.Errorf("assignments %v; want %v", got, want)
	}
	if u, _ := unassigned(p, "t3"); u.Reason != paidan.NoSkill || u.Detail != "no worker has all of s010, s123" {
		t.Errorf("t3: %v %q; want no_skill, no worker has all of s010, s123", u.Reason, u.Detail)
	}
}

// TestPlanSampleSeed plans generated metro batches with and without the
// sample's seed (Options.SampleMinTasks, low enough that the sample is
// sampled in turn), under the default and the steeper balance tiers, with
// previous workers (stability) and pins: the seeded plan must reach the
// same optimum, verified, with arcs seeded from a sample of a quarter of
// the tasks, and be deterministic.
func TestPlanSampleSeed(t *testing.T) {
	t.Parallel()
	steep := paidan.DefaultRules()
	steep.Balance = []paidan.BalanceTier{{Above: 0.3, CostPerTask: 5}, {Above: 0.6, CostPerTask: 20}, {Above: 0.9, CostPerTask: 80}}
	for seed := range uint64(3) {
		for name, r := range map[string]paidan.Rules{"default": paidan.DefaultRules(), "steep": steep} {
			t.Run(fmt.Sprintf("seed=%d/%s", seed, name), func(t *testing.T) {
				t.Parallel()
				b := datasets.Generate(datasets.GenOptions{Tasks: 3000, Workers: 150, Seed: seed})
				for i := range b.Tasks {
					if i%7 == 0 {
						b.Tasks[i].PreviousWorker = b.Workers[i%len(b.Workers)].ID
					}
				}
				plain, _, err := model.Plan(context.Background(), b, r, model.Options{SampleMinTasks: -1})
				if err != nil {
					t.Fatal(err)
				}
				var samples []int
				var reports []model.RoundReport
				opt := model.Options{SampleMinTasks: 500, RoundDone: func(rr model.RoundReport) {
					if rr.Round == 1 {
						samples = append(samples, rr.Tasks)
					}
					reports = append(reports, rr)
				}}
				seeded, st, err := model.Plan(context.Background(), b, r, opt)
				if err != nil {
					t.Fatal(err)
				}
				if seeded.ObjectiveUnits != plain.ObjectiveUnits || seeded.Certificate != paidan.CertificateVerified || seeded.DualBound != seeded.ObjectiveUnits {
					t.Fatalf("seeded objective %d (certificate %v, dual bound %d); without the seed %d",
						seeded.ObjectiveUnits, seeded.Certificate, seeded.DualBound, plain.ObjectiveUnits)
				}
				if seeded.Pricing.SampleTasks != 750 || seeded.Pricing.SeededArcs == 0 || plain.Pricing.SampleTasks != 0 {
					t.Errorf("pricing %+v (without %+v); want a 750-task sample that seeded arcs", seeded.Pricing, plain.Pricing)
				}
				// The sample of the sample (188 tasks) is below 500: two
				// samples planned, deepest first, then the batch.
				if fmt.Sprint(samples) != "[188 750 3000]" || st.Rounds != len(st.RoundSolve) {
					t.Errorf("first rounds of %v tasks, %d rounds with %d times; want [188 750 3000]", samples, st.Rounds, len(st.RoundSolve))
				}
				// A sample's rounds go on while they add at least 1/50 of
				// their network's arcs; the batch's until none is added.
				for i, rr := range reports {
					last := i == len(reports)-1 || reports[i+1].Round == 1
					switch {
					case rr.Sample == 0 && last && rr.Added != 0:
						t.Errorf("the batch's last round added %d arcs", rr.Added)
					case rr.Sample > 0 && last != (rr.Added*50 < rr.Arcs):
						t.Errorf("sample %d round %d of %d tasks added %d arcs to %d and was last: %v",
							rr.Sample, rr.Round, rr.Tasks, rr.Added, rr.Arcs, last)
					}
				}
				checkPlan(t, b, r, seeded)
				again, _, err := model.Plan(context.Background(), b, r, model.Options{SampleMinTasks: 500, Parallel: 1})
				if err != nil {
					t.Fatal(err)
				}
				seeded.Solver.Duration, again.Solver.Duration = 0, 0
				if !reflect.DeepEqual(seeded, again) {
					t.Errorf("the seeded plan differs between runs")
				}
			})
		}
	}
}

// TestPlanSampleRandom plans random batches (skills, regions, shifts,
// pins, previous workers) of 400 tasks, one and two candidates per task,
// seeded from samples of samples (Options.SampleMinTasks 40) and not
// seeded at all: the optima must be equal and verified.
func TestPlanSampleRandom(t *testing.T) {
	t.Parallel()
	seeded := 0
	for seed := range uint64(40) {
		b := genBatch(seed, 400, 30)
		r := paidan.DefaultRules()
		r.CandidatesPerTask = 1 + int(seed%2)
		plain, _, err := model.Plan(context.Background(), b, r, model.Options{SampleMinTasks: -1})
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := model.Plan(context.Background(), b, r, model.Options{SampleMinTasks: 40})
		if err != nil {
			t.Fatal(err)
		}
		if p.ObjectiveUnits != plain.ObjectiveUnits || p.Certificate != paidan.CertificateVerified || p.DualBound != p.ObjectiveUnits {
			t.Fatalf("seed %d: seeded objective %d (certificate %v, dual bound %d); without the seed %d",
				seed, p.ObjectiveUnits, p.Certificate, p.DualBound, plain.ObjectiveUnits)
		}
		checkPlan(t, b, r, p)
		if p.Pricing.SeededArcs > 0 {
			seeded++
		}
	}
	if seeded < 30 {
		t.Errorf("only %d of 40 batches got seeded arcs; the test exercises little", seeded)
	}
}
