package model_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	w := func(id string, dy float64, f func(*paidan.Worker)) paidan.Worker {
		wk := worker(id, dy, 2)
		wk.Skills = []string{"forklift"}
		if f != nil {
			f(&wk)
		}
		return wk
	}
	b := &paidan.Batch{AsOf: asOf,
		Tasks: []paidan.Task{
			{ID: "t0", Region: "north", Skills: []string{"forklift"}, Location: north(0), CreatedAt: asOf},
			{ID: "t1", Region: "north", Skills: []string{"crane"}, Location: north(0), CreatedAt: asOf},
		},
		Workers: []paidan.Worker{
			w("near", 1, nil),
			w("next", 4, nil),
			w("noskill", 0.5, func(w *paidan.Worker) { w.Skills = nil }),
			w("south", 0.5, func(w *paidan.Worker) { w.Regions = []string{"south"} }),
			w("far", 70, nil),
			w("late", 10, func(w *paidan.Worker) { w.ShiftEnd = asOf.Add(5 * time.Minute) }),
			w("full", 2, func(w *paidan.Worker) { w.Load = 2 }),
		},
	}
	r := simpleRules()
	p := mustPlan(t, b, r)

	e, err := model.Explain(b, r, p, "t0")
	if err != nil {
		t.Fatal(err)
	}
	if e.Assignment == nil || e.Assignment.Worker != "near" || e.Unassigned != nil {
		t.Fatalf("outcome %+v / %+v; want assigned to near", e.Assignment, e.Unassigned)
	}
	if want := "assigned to near at cost 1.0"; !strings.Contains(e.Why, want) || !strings.Contains(e.Why, "next best eligible worker with capacity left: next at 4.0") {
		t.Errorf("Why %q; want %q and the next best", e.Why, want)
	}
	if len(e.Workers) != len(b.Workers) {
		t.Fatalf("%d workers considered; want %d", len(e.Workers), len(b.Workers))
	}
	if e.Workers[0].Worker != "near" || !e.Workers[0].Chosen || e.Workers[1].Worker != "next" {
		t.Errorf("order starts %s, %s; want near (chosen), next", e.Workers[0].Worker, e.Workers[1].Worker)
	}
	broken := map[paidan.WorkerID]string{}
	for _, c := range e.Workers {
		var fails []string
		for name, rc := range map[string]model.RuleCheck{"skill": c.Skill, "region": c.Region, "range": c.Range, "shift": c.Shift, "capacity": c.Capacity} {
			if !rc.OK {
				fails = append(fails, name+": "+rc.Detail)
			}
		}
		if c.Eligible != (len(fails) == 0) {
			t.Errorf("worker %s eligible %v with failures %v", c.Worker, c.Eligible, fails)
		}
		if len(fails) == 1 {
			broken[c.Worker] = fails[0]
		}
	}
	for id, want := range map[paidan.WorkerID]string{
		"noskill": "skill: lacks forklift",
		"south":   "region: serves south, not north",
		"far":     "range: 70.0 km > limit 50.0 km",
		"late":    "shift: arrives 2026-03-02 09:20 UTC, after its shift end 2026-03-02 09:05 UTC",
		"full":    "capacity: no capacity left (capacity 2, load 2)",
	} {
		if broken[id] != want {
			t.Errorf("worker %s: %q; want %q", id, broken[id], want)
		}
	}

	e, err = model.Explain(b, r, p, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Unassigned == nil || e.Unassigned.Reason != paidan.NoSkill || !strings.Contains(e.Why, "no worker with skill crane") {
		t.Errorf("t1: %+v, %q; want unassigned no_skill", e.Unassigned, e.Why)
	}

	if _, err := model.Explain(b, r, p, "nope"); !errors.Is(err, model.ErrNoTask) {
		t.Errorf("unknown task: %v; want ErrNoTask", err)
	}
	other := *b
	other.Tasks = b.Tasks[:1]
	if _, err := model.Explain(&other, r, p, "t0"); !errors.Is(err, model.ErrPlanMismatch) {
		t.Errorf("other batch: %v; want ErrPlanMismatch", err)
	}
}

// TestKPIs checks every KPI on a hand-built plan with several regions: a
// worker serving two regions counts in both, workers serving every region
// count in every region (so region e, served by no worker listing it,
// still shows the worker that took its task), total cost includes the
// penalties and mean cost does not.
func TestKPIs(t *testing.T) {
	t.Parallel()
	cost := func(travel, balance, stability int64) paidan.Cost {
		return paidan.Cost{TravelUnits: travel, BalanceUnits: balance, StabilityUnits: stability}
	}
	p := &paidan.Plan{
		Resolution: 0.001,
		Assignments: []paidan.Assignment{
			{Task: "a", Region: "n", DistanceKm: 1, Cost: cost(1000, 0, 0)},
			{Task: "b", Region: "n", DistanceKm: 3, Cost: cost(3000, 2000, 0)},
			{Task: "c", Region: "s", DistanceKm: 10, Cost: cost(10000, 0, 5000)},
			{Task: "f", Region: "e", DistanceKm: 2, Cost: cost(2000, 0, 0)},
		},
		Unassigned: []paidan.Unassigned{
			{Task: "d", Region: "s", Reason: paidan.NoCapacity, PenaltyUnits: 100000},
			{Task: "e", Region: "s", Reason: paidan.NoCapacity, PenaltyUnits: 50000},
		},
		Workers: []paidan.WorkerUsage{
			{Worker: "w0", Region: "n", Regions: []string{"n"}, Capacity: 4, Load: 0, Assigned: 2},      // 0.5
			{Worker: "w1", Region: "s", Regions: []string{"s", "n"}, Capacity: 2, Load: 1, Assigned: 1}, // 1
			{Worker: "w2", Capacity: 0},
			{Worker: "w3", Capacity: 4, Assigned: 1}, // 0.25
		},
	}
	k := model.KPIs(p)
	o := k.Overall
	if o.Tasks != 6 || o.Assigned != 4 || o.Unassigned != 2 || o.Workers != 4 || o.UnassignedByReason[paidan.NoCapacity] != 2 {
		t.Errorf("overall counts %+v", o)
	}
	// 1 + 5 + 15 + 2 assignment costs + 150 penalties; mean (1+5+15+2)/4.
	if o.TotalCostUnits != 173000 || o.TotalCost != 173 || o.MeanCost != 5.75 {
		t.Errorf("total %d units (%g), mean %g; want 173000 (173) and 5.75", o.TotalCostUnits, o.TotalCost, o.MeanCost)
	}
	// Empirical quantiles of {0.25, 0.5, 1}: p50 = 0.5, p90 = 1; of {1,
	// 2, 3, 10}: p50 = 2, p90 = 10.
	if o.DistanceP50 != 2 || o.DistanceP90 != 10 || o.UtilizationP50 != 0.5 || o.UtilizationP90 != 1 {
		t.Errorf("quantiles %g %g %g %g; want 2 10 0.5 1", o.DistanceP50, o.DistanceP90, o.UtilizationP50, o.UtilizationP90)
	}
	if len(k.ByRegion) != 3 || k.ByRegion[0].Region != "e" || k.ByRegion[1].Region != "n" || k.ByRegion[2].Region != "s" {
		t.Fatalf("regions %+v; want e, n, s", k.ByRegion)
	}
	type row struct {
		tasks, assigned, workers int
		units                    int64
		total, mean, u50, u90    float64
	}
	for i, want := range []row{
		{tasks: 1, assigned: 1, workers: 2, units: 2000, total: 2, mean: 2, u50: 0.25, u90: 0.25},   // e: w2, w3
		{tasks: 2, assigned: 2, workers: 4, units: 6000, total: 6, mean: 3, u50: 0.5, u90: 1},       // n: w0, w1, w2, w3
		{tasks: 3, assigned: 1, workers: 3, units: 165000, total: 165, mean: 15, u50: 0.25, u90: 1}, // s: w1, w2, w3
	} {
		s := k.ByRegion[i].Summary
		got := row{s.Tasks, s.Assigned, s.Workers, s.TotalCostUnits, s.TotalCost, s.MeanCost, s.UtilizationP50, s.UtilizationP90}
		if got != want {
			t.Errorf("region %s: %+v; want %+v", k.ByRegion[i].Region, got, want)
		}
	}
}

func TestHashes(t *testing.T) {
	t.Parallel()
	b := genBatch(3, 50, 5)
	h := model.InputHash(b)
	if h != model.InputHash(b) || len(h) != 64 {
		t.Fatalf("InputHash %q is not a stable hex SHA-256", h)
	}
	perm := *b
	perm.Workers = append([]paidan.Worker(nil), b.Workers...)
	perm.Workers[0].Skills = append([]string(nil), b.Workers[0].Skills...)
	for i, j := 0, len(perm.Workers[0].Skills)-1; i < j; i, j = i+1, j-1 {
		perm.Workers[0].Skills[i], perm.Workers[0].Skills[j] = perm.Workers[0].Skills[j], perm.Workers[0].Skills[i]
	}
	if model.InputHash(&perm) != h {
		t.Error("InputHash depends on the order of a skill set")
	}
	perm.Workers[0].Capacity++
	if model.InputHash(&perm) == h {
		t.Error("InputHash ignores a capacity change")
	}
	other := *b
	other.AsOf = b.AsOf.In(time.FixedZone("UTC+8", 8*3600))
	if model.InputHash(&other) != h {
		t.Error("InputHash depends on the time zone of AsOf")
	}

	r := paidan.DefaultRules()
	r.CandidatesPerTask = 20 // the default when the golden hash was recorded
	// The canonical encoding is part of the plan format: a change here
	// changes every recorded RulesHash.
	const golden = "ba599856d8c14c8a82a4172bbfacf39b8554a174705c47edd27e0178b5f1ae58"
	if got := model.RulesHash(r); got != golden {
		t.Errorf("RulesHash(DefaultRules() with k = 20) = %s; want %s", got, golden)
	}
	r.StabilityPenalty++
	if model.RulesHash(r) == golden {
		t.Error("RulesHash ignores the stability penalty")
	}
}

// ExamplePlan plans two tasks for one worker with room for one: the
// higher-priority task wins, the other is left out with its reason.
func ExamplePlan() {
	asOf := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := &paidan.Batch{
		AsOf: asOf,
		Tasks: []paidan.Task{
			{ID: "t1", Region: "centre", Location: paidan.Point{Lat: 31.23, Lon: 121.47}, CreatedAt: asOf},
			{ID: "t2", Region: "centre", Priority: 2, Location: paidan.Point{Lat: 31.24, Lon: 121.47}, CreatedAt: asOf},
		},
		Workers: []paidan.Worker{
			{ID: "w1", Capacity: 1, Location: paidan.Point{Lat: 31.235, Lon: 121.47}},
		},
	}
	plan, _, err := model.Plan(context.Background(), b, paidan.DefaultRules(), model.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range plan.Assignments {
		fmt.Printf("%s → %s, %.2f km, cost %.3f\n", a.Task, a.Worker, a.DistanceKm, a.Cost.Total())
	}
	for _, u := range plan.Unassigned {
		fmt.Printf("%s unassigned: %s (%s)\n", u.Task, u.Reason, u.Detail)
	}
	fmt.Printf("objective %.3f, certificate %s\n", plan.Objective, plan.Certificate)
	// Output:
	// t2 → w1, 0.56 km, cost 10.556
	// t1 unassigned: no_capacity (1 eligible worker, full: w1 (0.6 km))
	// objective 1010.556, certificate verified
}

// TestExplainAgreesWithPlans explains every task of many tiny random plans
// and checks the explanation against the plan: the chosen worker is
// eligible and carries the assignment's cost; an unassigned task with
// no_capacity has every eligible worker full; one with cheaper_unassigned
// has no eligible worker with room that costs less than its penalty; a task
// with an earlier reason has no eligible worker at all. The dual view of an
// unpinned task gives every eligible worker not chosen a non-negative
// reduced cost, also when pruning kept a single candidate (k = 1).
func TestExplainAgreesWithPlans(t *testing.T) {
	t.Parallel()
	for seed := range uint64(1000) {
		b, r := tinyBatch(seed)
		r.CandidatesPerTask = 1 + int(seed%2)*19
		p := mustPlan(t, b, r)
		for _, task := range b.Tasks {
			e, err := model.Explain(b, r, p, task.ID)
			if err != nil {
				t.Fatalf("seed %d task %s: %v", seed, task.ID, err)
			}
			if e.Priced != (task.PinnedWorker == "") {
				t.Fatalf("seed %d task %s pinned to %q: priced %v", seed, task.ID, task.PinnedWorker, e.Priced)
			}
			for _, c := range e.Workers {
				if (c.ReducedCost != 0) && (!e.Priced || !c.Eligible || c.Chosen) || c.ReducedCost < -1e-9 {
					t.Fatalf("seed %d task %s: worker %s reduced cost %g (priced %v, eligible %v, chosen %v); want ≥ 0 for eligible workers not chosen, else 0",
						seed, task.ID, c.Worker, c.ReducedCost, e.Priced, c.Eligible, c.Chosen)
				}
				switch {
				case c.Chosen:
					if !c.Eligible || e.Assignment == nil || c.Worker != e.Assignment.Worker || c.Cost != e.Assignment.Cost {
						t.Fatalf("seed %d task %s: chosen %+v vs assignment %+v", seed, task.ID, c, e.Assignment)
					}
				case e.Unassigned == nil || !c.Eligible:
				case e.Unassigned.Reason == paidan.NoCapacity && !c.Full,
					e.Unassigned.Reason == paidan.CheaperUnassigned && !c.Full && c.Cost.Total() < e.Penalty-1e-9,
					e.Unassigned.Reason < paidan.NoCapacity:
					t.Fatalf("seed %d task %s (%v): eligible worker %+v", seed, task.ID, e.Unassigned.Reason, c)
				}
			}
		}
	}
}

// TestExplainerAgreesWithExplain: an Explainer prepared once explains
// every task of a plan as Explain does, from goroutines at once; it
// reports a task not in the batch, and a plan made from another batch.
func TestExplainerAgreesWithExplain(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		b, r := tinyBatch(seed)
		p := mustPlan(t, b, r)
		x, err := model.NewExplainer(b, r, p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var wg sync.WaitGroup
		for _, task := range b.Tasks {
			wg.Go(func() {
				got, err := x.Explain(task.ID)
				want, werr := model.Explain(b, r, p, task.ID)
				if err != nil || werr != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("seed %d task %s: Explainer %+v, %v; Explain %+v, %v", seed, task.ID, got, err, want, werr)
				}
			})
		}
		wg.Wait()
		if _, err := x.Explain("no-such-task"); !errors.Is(err, model.ErrNoTask) {
			t.Fatalf("seed %d: Explain of an unknown task: %v; want ErrNoTask", seed, err)
		}
		other := *b
		other.Tasks = b.Tasks[1:]
		if _, err := model.NewExplainer(&other, r, p); !errors.Is(err, model.ErrPlanMismatch) {
			t.Fatalf("seed %d: NewExplainer on another batch: %v; want ErrPlanMismatch", seed, err)
		}
	}
}
