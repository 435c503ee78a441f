package solver_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// solveDispatchVerified solves d with SolveDispatch and with the searches
// alone, runs both results through VerifyDispatch, checks that the claimed
// bounds, the objectives and the verified bounds agree, and returns
// SolveDispatch's.
func solveDispatchVerified(tb testing.TB, d *solver.Dispatch) *solver.DispatchResult {
	tb.Helper()
	var out []*solver.DispatchResult
	for name, solve := range map[string]func(context.Context, *solver.Dispatch) (*solver.DispatchResult, error){
		"SolveDispatch": solver.SolveDispatch, "SolveDispatchSSP": solver.SolveDispatchSSP,
	} {
		r, err := solve(context.Background(), d)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		bound, err := solver.VerifyDispatch(d, r)
		if err != nil {
			tb.Fatalf("%s: VerifyDispatch: %v", name, err)
		}
		if bound != r.Objective || r.DualBound != r.Objective {
			tb.Fatalf("%s: objective %d, claimed bound %d, verified bound %d; want all equal", name, r.Objective, r.DualBound, bound)
		}
		if name == "SolveDispatch" {
			out = append([]*solver.DispatchResult{r}, out...)
		} else {
			out = append(out, r)
		}
	}
	if out[0].Objective != out[1].Objective {
		tb.Fatalf("SolveDispatch's objective %d, the searches' %d", out[0].Objective, out[1].Objective)
	}
	return out[0]
}

// randomDispatch returns a tiny dispatch with tiers, negative costs,
// tasks that must be assigned and pins.
func randomDispatch(rng *rand.Rand) *solver.Dispatch {
	d := &solver.Dispatch{Tasks: rng.IntN(8), Workers: rng.IntN(5)}
	for t := range d.Tasks {
		for w := range d.Workers {
			if rng.IntN(3) > 0 {
				d.ArcTask = append(d.ArcTask, int32(t))
				d.ArcWorker = append(d.ArcWorker, int32(w))
				d.ArcCost = append(d.ArcCost, int64(rng.IntN(41)-20))
			}
		}
		u := solver.NoLeave
		if rng.IntN(10) >= 3 {
			u = int64(rng.IntN(46) - 5)
			if u == solver.NoLeave {
				u = 0
			}
		}
		d.Unassigned = append(d.Unassigned, u)
	}
	if rng.IntN(2) == 0 { // arcs in a shuffled order
		rng.Shuffle(len(d.ArcTask), func(i, j int) {
			d.ArcTask[i], d.ArcTask[j] = d.ArcTask[j], d.ArcTask[i]
			d.ArcWorker[i], d.ArcWorker[j] = d.ArcWorker[j], d.ArcWorker[i]
			d.ArcCost[i], d.ArcCost[j] = d.ArcCost[j], d.ArcCost[i]
		})
	}
	d.Tiers = make([][]solver.Tier, d.Workers)
	for w := range d.Tiers {
		c := int64(rng.IntN(21) - 10)
		for range rng.IntN(4) {
			d.Tiers[w] = append(d.Tiers[w], solver.Tier{Units: int64(1 + rng.IntN(3)), Cost: c})
			c += int64(rng.IntN(11))
		}
	}
	pinnedTask := make(map[int32]bool)
	for a, t := range d.ArcTask {
		if !pinnedTask[t] && rng.IntN(12) == 0 {
			pinnedTask[t] = true
			d.Pinned = append(d.Pinned, int32(a))
		}
	}
	return d
}

// bruteForce returns the least objective over all dispatches of d, and
// false when none is feasible.
func bruteForce(d *solver.Dispatch) (int64, bool) {
	choices := make([][]int32, d.Tasks) // per task: candidate arcs, -1 = leave
	pinned := make(map[int32]bool)
	for _, a := range d.Pinned {
		pinned[d.ArcTask[a]] = true
		choices[d.ArcTask[a]] = []int32{a}
	}
	for a, t := range d.ArcTask {
		if !pinned[t] {
			choices[t] = append(choices[t], int32(a))
		}
	}
	for t := range d.Tasks {
		if !pinned[int32(t)] && d.Unassigned[t] != solver.NoLeave {
			choices[t] = append(choices[t], -1)
		}
	}
	best, found := int64(math.MaxInt64), false
	pick := make([]int32, d.Tasks)
	var rec func(t int)
	rec = func(t int) {
		if t == d.Tasks {
			load := make([]int64, d.Workers)
			var cost int64
			for t, a := range pick {
				if a < 0 {
					cost += d.Unassigned[t]
					continue
				}
				cost += d.ArcCost[a]
				load[d.ArcWorker[a]]++
			}
			for w, tiers := range d.Tiers {
				l := load[w]
				for _, tr := range tiers {
					x := min(l, tr.Units)
					cost += x * tr.Cost
					l -= x
				}
				if l > 0 {
					return
				}
			}
			if cost < best {
				best = cost
			}
			found = true
			return
		}
		for _, a := range choices[t] {
			pick[t] = a
			rec(t + 1)
		}
	}
	rec(0)
	return best, found
}

func TestSolveDispatchBruteForce(t *testing.T) {
	t.Parallel()
	var feasibleCases, infeasibleCases, pinnedCases int
	defer func() {
		// The generator must exercise both outcomes and pins.
		if feasibleCases < 2000 || infeasibleCases < 100 || pinnedCases < 500 {
			t.Errorf("cases: %d feasible, %d infeasible, %d with pins; want at least 2000, 100, 500",
				feasibleCases, infeasibleCases, pinnedCases)
		}
	}()
	for seed := range uint64(20000) {
		rng := rand.New(rand.NewPCG(seed, 7))
		d := randomDispatch(rng)
		want, feasible := bruteForce(d)
		r, err := solver.SolveDispatchSSP(context.Background(), d)
		if len(d.Pinned) > 0 {
			pinnedCases++
		}
		if !feasible {
			infeasibleCases++
			if !errors.Is(err, solver.ErrInfeasible) {
				t.Fatalf("seed %d: SolveDispatch error = %v, want ErrInfeasible (%+v)", seed, err, d)
			}
			continue
		}
		feasibleCases++
		if err != nil {
			t.Fatalf("seed %d: SolveDispatchSSP: %v (%+v)", seed, err, d)
		}
		if r.Objective != want {
			t.Fatalf("seed %d: objective = %d, want %d (%+v)", seed, r.Objective, want, d)
		}
		if _, err := solver.VerifyDispatch(d, r); err != nil {
			t.Fatalf("seed %d: VerifyDispatch: %v (%+v)", seed, err, d)
		}
		if r.DualBound != want {
			t.Fatalf("seed %d: dual bound = %d, want %d", seed, r.DualBound, want)
		}
	}
}

// TestSolveDispatchScarce runs the brute-force comparison on instances
// where every task may stay unassigned and capacity is short of the tasks,
// the case SolveDispatch solves from the capacity side.
func TestSolveDispatchScarce(t *testing.T) {
	t.Parallel()
	scarce := 0
	for seed := range uint64(20000) {
		rng := rand.New(rand.NewPCG(seed, 11))
		d := randomDispatch(rng)
		for t := range d.Unassigned {
			if d.Unassigned[t] == solver.NoLeave {
				d.Unassigned[t] = int64(rng.IntN(40))
			}
		}
		var units int64
		for _, tiers := range d.Tiers {
			for _, tr := range tiers {
				units += tr.Units
			}
		}
		if units >= int64(d.Tasks) {
			continue
		}
		scarce++
		want, feasible := bruteForce(d)
		r, err := solver.SolveDispatchSSP(context.Background(), d)
		if !feasible {
			if !errors.Is(err, solver.ErrInfeasible) {
				t.Fatalf("seed %d: SolveDispatch error = %v, want ErrInfeasible", seed, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: SolveDispatchSSP: %v (%+v)", seed, err, d)
		}
		if r.Objective != want {
			t.Fatalf("seed %d: objective = %d, want %d (%+v)", seed, r.Objective, want, d)
		}
		if _, err := solver.VerifyDispatch(d, r); err != nil {
			t.Fatalf("seed %d: VerifyDispatch: %v (%+v)", seed, err, d)
		}
		if r.Stats.Algorithm != "ssp-dispatch-scarce" {
			t.Fatalf("seed %d: algorithm %q, want ssp-dispatch-scarce", seed, r.Stats.Algorithm)
		}
	}
	if scarce < 3000 {
		t.Errorf("%d scarce cases, want at least 3000", scarce)
	}
}

// TestSolveDispatchLargeCosts scales the brute-force cases to costs near
// the overflow bound of Validate: potentials, distances and the dual bound
// must stay exact.
func TestSolveDispatchLargeCosts(t *testing.T) {
	t.Parallel()
	for seed := range uint64(2000) {
		d := randomDispatch(rand.New(rand.NewPCG(seed, 9)))
		// Costs are at most 45 in magnitude; scale them to just within
		// the bound MaxInt64 / (8·(nodes+2)).
		k := math.MaxInt64 / (8 * int64(d.Tasks+d.Workers+2)) / 45
		for a := range d.ArcCost {
			d.ArcCost[a] *= k
		}
		for t, u := range d.Unassigned {
			if u != solver.NoLeave {
				d.Unassigned[t] = u * k
			}
		}
		for _, tiers := range d.Tiers {
			for i := range tiers {
				tiers[i].Cost *= k
			}
		}
		want, feasible := bruteForce(d)
		if !feasible {
			continue
		}
		r := solveDispatchVerified(t, d)
		if r.Objective != want {
			t.Fatalf("seed %d: objective = %d, want %d", seed, r.Objective, want)
		}
	}
}

func TestSolveDispatchGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		d        *solver.Dispatch
		want     int64
		wantArcs []int32
		wantLoad []int64
	}{
		{
			// Both tasks prefer worker 0, which has room for one; moving
			// task 0 to worker 1 costs 5-1 = 4 more, moving task 1 costs
			// 9-2 = 7 more, so task 0 moves: 5 + 2 = 7.
			name: "capacity conflict",
			d: &solver.Dispatch{
				Tasks: 2, Workers: 2,
				ArcTask: []int32{0, 0, 1, 1}, ArcWorker: []int32{0, 1, 0, 1}, ArcCost: []int64{1, 5, 2, 9},
				Unassigned: []int64{solver.NoLeave, solver.NoLeave},
				Tiers:      [][]solver.Tier{{{Units: 1}}, {{Units: 1}}},
			},
			want: 7, wantArcs: []int32{1, 2}, wantLoad: []int64{1, 1},
		},
		{
			// One worker, tiers 0 then 10: tasks at cost 1, 1 and 2; a
			// third unit costs at least 10 + 1 = 11 against leaving at 8,
			// so the dearest task leaves.
			name: "convex tiers and leave",
			d: &solver.Dispatch{
				Tasks: 3, Workers: 1,
				ArcTask: []int32{0, 1, 2}, ArcWorker: []int32{0, 0, 0}, ArcCost: []int64{1, 2, 1},
				Unassigned: []int64{8, 8, 8},
				Tiers:      [][]solver.Tier{{{Units: 2, Cost: 0}, {Units: 5, Cost: 10}}},
			},
			want: 1 + 1 + 8, wantArcs: []int32{0, -1, 2}, wantLoad: []int64{2},
		},
		{
			// Task 1 is pinned to the dear worker 1; task 0 takes worker 0.
			name: "pinned against cost",
			d: &solver.Dispatch{
				Tasks: 2, Workers: 2,
				ArcTask: []int32{0, 1, 1}, ArcWorker: []int32{0, 0, 1}, ArcCost: []int64{3, 1, 7},
				Unassigned: []int64{100, 100},
				Tiers:      [][]solver.Tier{{{Units: 1}}, {{Units: 1}}},
				Pinned:     []int32{2},
			},
			want: 3 + 7, wantArcs: []int32{0, 2}, wantLoad: []int64{1, 1},
		},
		{
			// Negative costs: an assignment that pays the plan 4.
			name: "negative cost",
			d: &solver.Dispatch{
				Tasks: 1, Workers: 1,
				ArcTask: []int32{0}, ArcWorker: []int32{0}, ArcCost: []int64{-4},
				Unassigned: []int64{0},
				Tiers:      [][]solver.Tier{{{Units: 1}}},
			},
			want: -4, wantArcs: []int32{0}, wantLoad: []int64{1},
		},
		{
			// A chain: task 2 can only use worker 0, so task 0 moves to
			// worker 1 and task 1 to worker 2: 2 + 2 + 1 = 5.
			name: "two-step augmenting path",
			d: &solver.Dispatch{
				Tasks: 3, Workers: 3,
				ArcTask:    []int32{0, 0, 1, 1, 2},
				ArcWorker:  []int32{0, 1, 1, 2, 0},
				ArcCost:    []int64{1, 2, 1, 2, 1},
				Unassigned: []int64{solver.NoLeave, solver.NoLeave, solver.NoLeave},
				Tiers:      [][]solver.Tier{{{Units: 1}}, {{Units: 1}}, {{Units: 1}}},
			},
			want: 5, wantArcs: []int32{1, 3, 4}, wantLoad: []int64{1, 1, 1},
		},
		{
			// A first tier of MaxInt64 units: capacity sums must not
			// overflow, and the dear second tier stays unused.
			name: "huge tier",
			d: &solver.Dispatch{
				Tasks: 2, Workers: 1,
				ArcTask: []int32{0, 1}, ArcWorker: []int32{0, 0}, ArcCost: []int64{3, 4},
				Unassigned: []int64{solver.NoLeave, solver.NoLeave},
				Tiers:      [][]solver.Tier{{{Units: math.MaxInt64, Cost: 1}, {Units: 5, Cost: 9}}},
			},
			want: 3 + 4 + 2, wantArcs: []int32{0, 1}, wantLoad: []int64{2},
		},
		{
			name: "empty",
			d:    &solver.Dispatch{},
			want: 0, wantArcs: []int32{}, wantLoad: []int64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := solveDispatchVerified(t, tt.d)
			if r.Objective != tt.want {
				t.Errorf("objective = %d, want %d", r.Objective, tt.want)
			}
			if !reflect.DeepEqual(r.TaskArc, tt.wantArcs) {
				t.Errorf("task arcs = %v, want %v", r.TaskArc, tt.wantArcs)
			}
			if !reflect.DeepEqual(r.WorkerLoad, tt.wantLoad) {
				t.Errorf("worker loads = %v, want %v", r.WorkerLoad, tt.wantLoad)
			}
		})
	}
}

func TestSolveDispatchErrors(t *testing.T) {
	t.Parallel()
	one := func() *solver.Dispatch {
		return &solver.Dispatch{
			Tasks: 2, Workers: 2,
			ArcTask: []int32{0, 1}, ArcWorker: []int32{0, 0}, ArcCost: []int64{1, 1},
			Unassigned: []int64{solver.NoLeave, 5},
			Tiers:      [][]solver.Tier{{{Units: 1}}, nil},
		}
	}
	tests := []struct {
		name   string
		mutate func(d *solver.Dispatch)
		want   error
		detail string
	}{
		{"negative tasks", func(d *solver.Dispatch) { d.Tasks = -1 }, solver.ErrInvalid, "-1 tasks"},
		{"arc lengths", func(d *solver.Dispatch) { d.ArcCost = d.ArcCost[:1] }, solver.ErrInvalid, "differ in length"},
		{"unassigned length", func(d *solver.Dispatch) { d.Unassigned = nil }, solver.ErrInvalid, "0 unassigned costs for 2 tasks"},
		{"tiers length", func(d *solver.Dispatch) { d.Tiers = nil }, solver.ErrInvalid, "0 tier lists for 2 workers"},
		{"task outside", func(d *solver.Dispatch) { d.ArcTask[1] = 2 }, solver.ErrInvalid, "arc 1 has task 2"},
		{"worker outside", func(d *solver.Dispatch) { d.ArcWorker[0] = -1 }, solver.ErrInvalid, "arc 0 has worker -1"},
		{"duplicate pair", func(d *solver.Dispatch) { d.ArcTask[1] = 0 }, solver.ErrInvalid, "arc 1 duplicates arc 0 (task 0 → worker 0)"},
		{"zero units", func(d *solver.Dispatch) { d.Tiers[1] = []solver.Tier{{Units: 0}} }, solver.ErrInvalid, "worker 1 tier 0 has 0 units"},
		{"falling tiers", func(d *solver.Dispatch) {
			d.Tiers[0] = []solver.Tier{{Units: 1, Cost: 5}, {Units: 1, Cost: 4}}
		}, solver.ErrInvalid, "worker 0 tier 1 costs 4"},
		{"pin outside", func(d *solver.Dispatch) { d.Pinned = []int32{2} }, solver.ErrInvalid, "pin 0 names arc 2"},
		{"pinned twice", func(d *solver.Dispatch) { d.Pinned = []int32{1, 1} }, solver.ErrInvalid, "task 1 is pinned twice"},
		{"cost overflow", func(d *solver.Dispatch) { d.ArcCost[0] = math.MaxInt64 / 8 }, solver.ErrOverflow, "largest cost"},
		{"min int cost", func(d *solver.Dispatch) { d.Unassigned[1] = math.MinInt64 }, solver.ErrOverflow, "largest cost"},
		{"must-assign task short", func(d *solver.Dispatch) {
			d.Unassigned[1] = solver.NoLeave
		}, solver.ErrInfeasible, "workers it can reach (0; capacity 1"},
		{"no candidate", func(d *solver.Dispatch) {
			d.ArcTask, d.ArcWorker, d.ArcCost = d.ArcTask[1:], d.ArcWorker[1:], d.ArcCost[1:]
		}, solver.ErrInfeasible, "task 0 must be assigned but has no candidate worker"},
		{"pins over capacity", func(d *solver.Dispatch) { d.Pinned = []int32{0, 1} }, solver.ErrInfeasible, "worker 0 has 2 pinned tasks but capacity 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := one()
			tt.mutate(d)
			_, err := solver.SolveDispatchSSP(context.Background(), d)
			checkErr(t, "SolveDispatch", err, tt.want, tt.detail)
		})
	}
}

func TestSolveDispatchCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := solver.SolveDispatchSSP(ctx, geometricDispatch(1, 200, 10, 30, 5))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SolveDispatch error = %v, want context.Canceled", err)
	}
}

// cancelAfter is a context whose Err reports cancellation from its n-th
// call on, so that a test can stop a solve midway without timing.
type cancelAfter struct {
	context.Context
	calls, n int
}

func (c *cancelAfter) Err() error {
	c.calls++
	if c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

func TestSolveDispatchCancelledMidway(t *testing.T) {
	t.Parallel()
	for _, capa := range []int{25, 15} { // capacity to spare, and short (solved from the capacity side)
		t.Run(fmt.Sprintf("c=%d", capa), func(t *testing.T) {
			t.Parallel()
			ctx := &cancelAfter{Context: context.Background(), n: 3}
			_, err := solver.SolveDispatchSSP(ctx, geometricDispatch(2, 20000, 800, capa, 10))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("SolveDispatch error = %v, want context.Canceled", err)
			}
			if ctx.calls != ctx.n {
				t.Errorf("context polled %d times, want %d (stop at the first cancellation)", ctx.calls, ctx.n)
			}
		})
	}
}

func TestSolveDispatchDeterministic(t *testing.T) {
	t.Parallel()
	d := geometricDispatch(3, 2000, 100, 25, 8)
	a := solveDispatchVerified(t, d)
	b := solveDispatchVerified(t, d)
	a.Stats.Duration, b.Stats.Duration = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two solves of one dispatch differ")
	}
}

func TestSolveDispatchGeometric(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ tasks, workers, capa, k int }{
		{500, 20, 25, 20}, {2000, 100, 22, 8}, {3000, 100, 25, 3}, {1000, 50, 15, 5},
		{2000, 100, 15, 8}, {2000, 100, 20, 6}, // capacity short of, and equal to, the tasks
	} {
		t.Run(fmt.Sprintf("T=%d/W=%d/c=%d/k=%d", tc.tasks, tc.workers, tc.capa, tc.k), func(t *testing.T) {
			t.Parallel()
			solveDispatchVerified(t, geometricDispatch(11, tc.tasks, tc.workers, tc.capa, tc.k))
		})
	}
}

// geometricDispatch is the benchmark shape of package dispatchgen.
func geometricDispatch(seed uint64, tasks, workers, capa, k int) *solver.Dispatch {
	return dispatchgen.Generate(dispatchgen.Config{Tasks: tasks, Workers: workers, Capacity: int64(capa), K: k, Seed: seed})
}

// TestSolveDispatchTieredTight runs the brute-force comparison on the
// shape package model builds, in miniature: balance tiers 0 / 2 / 10 per
// unit, capacity between the task count and 1.3 times it, leave costs far
// above every arc, arc costs in a narrow range so that many options tie.
// These are the instances where searches cross crowded workers.
func TestSolveDispatchTieredTight(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8000) {
		rng := rand.New(rand.NewPCG(seed, 13))
		d := &solver.Dispatch{Tasks: 1 + rng.IntN(8), Workers: 1 + rng.IntN(4)}
		for tk := range d.Tasks {
			for w := range d.Workers {
				if rng.IntN(4) > 0 {
					d.ArcTask = append(d.ArcTask, int32(tk))
					d.ArcWorker = append(d.ArcWorker, int32(w))
					d.ArcCost = append(d.ArcCost, int64(rng.IntN(6)))
				}
			}
			d.Unassigned = append(d.Unassigned, int64(100+rng.IntN(3)*50))
		}
		units := d.Tasks + rng.IntN(d.Tasks*3/10+1)
		d.Tiers = make([][]solver.Tier, d.Workers)
		share := make([]int, d.Workers)
		for range units {
			share[rng.IntN(d.Workers)]++
		}
		for w, c := range share {
			// c units: the first half at 0, up to 80 % at 2, the rest at 10.
			for i, n := range []int{(c + 1) / 2, c*8/10 - (c+1)/2, c - c*8/10} {
				if n > 0 {
					d.Tiers[w] = append(d.Tiers[w], solver.Tier{Units: int64(n), Cost: []int64{0, 2, 10}[i]})
				}
			}
		}
		want, feasible := bruteForce(d)
		if !feasible {
			t.Fatalf("seed %d: every task may stay out, yet brute force found no dispatch", seed)
		}
		r, err := solver.SolveDispatchSSP(context.Background(), d)
		if err != nil {
			t.Fatalf("seed %d: SolveDispatchSSP: %v (%+v)", seed, err, d)
		}
		if r.Objective != want {
			t.Fatalf("seed %d: objective = %d, want %d (%+v)", seed, r.Objective, want, d)
		}
		if bound, err := solver.VerifyDispatch(d, r); err != nil || bound != want {
			t.Fatalf("seed %d: VerifyDispatch = %d, %v; want %d, nil", seed, bound, err, want)
		}
	}
}

// TestSolveDispatchMetro solves metro-shaped instances (package
// dispatchgen) at several capacity slacks, checks the certificate, and
// compares the objective with the general min-cost flow solver on the same
// network.
func TestSolveDispatchMetro(t *testing.T) {
	t.Parallel()
	for _, slack := range []float64{0.9, 1.0, 1.05, 1.3} {
		t.Run(fmt.Sprintf("slack=%.2f", slack), func(t *testing.T) {
			t.Parallel()
			d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1500, Workers: 80, Slack: slack, Seed: 5})
			r := solveDispatchVerified(t, d)
			n := d.Network()
			f, err := solver.SolveMCF(context.Background(), n)
			if err != nil {
				t.Fatalf("SolveMCF: %v", err)
			}
			if f.Objective != r.Objective {
				t.Errorf("objective %d, SolveMCF's %d", r.Objective, f.Objective)
			}
		})
	}
}
