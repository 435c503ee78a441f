package solver_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// TestSolveDispatchLiveBruteForce grows the simplex kept at the optimum of
// a random part of each brute-force instance's arcs (a pricing round's
// network) to the whole instance, and again to the instance itself, and
// compares with brute force.
func TestSolveDispatchLiveBruteForce(t *testing.T) {
	t.Parallel()
	var live int
	for seed := range uint64(6000) {
		d, sub, r, want, ok := grownCase(seed, 29, 0.9)
		if !ok {
			continue
		}
		start := basisStartOf(sub, r)
		w, ok, err := solver.SolveDispatchLive(context.Background(), d, start)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !ok {
			// Only too many new arcs, or one dearer than every arc of the
			// part, may refuse.
			added := len(d.ArcTask) - len(sub.ArcTask)
			if added*solver.LiveMaxGrowth <= r.Stats.Arcs && maxAbs(d.ArcCost) <= maxAbs(sub.ArcCost) {
				t.Fatalf("seed %d: the part's simplex was refused", seed)
			}
			continue
		}
		live++
		if w.Objective != want {
			t.Fatalf("seed %d: objective %d, want %d (brute force)", seed, w.Objective, want)
		}
		if bound, err := solver.VerifyDispatch(d, w); err != nil || bound != want {
			t.Fatalf("seed %d: VerifyDispatch = %d, %v; want %d", seed, bound, err, want)
		}
		again := basisStartOf(d, w)
		w2, ok, err := solver.SolveDispatchLive(context.Background(), d, again)
		if err != nil || !ok || w2.Objective != want || w2.Stats.Iterations != 0 {
			t.Fatalf("seed %d: on its own network: %v, taken %v, objective %d (want %d), %d pivots (want 0)",
				seed, err, ok, w2.Objective, want, w2.Stats.Iterations)
		}
	}
	if live < 1000 {
		t.Errorf("%d instances grown from a kept simplex, want at least 1000", live)
	}
}

func maxAbs(costs []int64) int64 {
	var m int64
	for _, c := range costs {
		m = max(m, c, -c)
	}
	return m
}

// TestSolveDispatchLiveRounds grows a metro instance round by round, as
// Plan's pricing does: the first step adds more arcs than the kept simplex
// takes (solver.LiveMaxGrowth), so SolveDispatchFrom starts from the tree;
// the later ones add a few percent each and are solved on the kept
// simplex. Every round is compared with a cold solve.
func TestSolveDispatchLiveRounds(t *testing.T) {
	t.Parallel()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1500, Workers: 80, Slack: 1.05, Seed: 11})
	rng := rand.New(rand.NewPCG(4, 4))
	// Nested parts: each keeps the arcs of the one before.
	keep := make([]float64, len(d.ArcTask))
	for a := range keep {
		keep[a] = rng.Float64()
	}
	var prev *solver.DispatchResult
	var prevD *solver.Dispatch
	live := 0
	for _, share := range []float64{0.5, 0.85, 0.88, 0.91, 0.94, 0.97, 1} {
		part := &solver.Dispatch{Tasks: d.Tasks, Workers: d.Workers, Unassigned: d.Unassigned, Tiers: d.Tiers}
		for a := range d.ArcTask {
			pinned := slices.Contains(d.Pinned, int32(a))
			if keep[a] < share || pinned {
				if pinned {
					part.Pinned = append(part.Pinned, int32(len(part.ArcTask)))
				}
				part.ArcTask = append(part.ArcTask, d.ArcTask[a])
				part.ArcWorker = append(part.ArcWorker, d.ArcWorker[a])
				part.ArcCost = append(part.ArcCost, d.ArcCost[a])
			}
		}
		cold := solveDispatchVerified(t, part)
		if prev == nil {
			prev, prevD = cold, part
			continue
		}
		start := basisStartOf(prevD, prev)
		r, ok, err := solver.SolveDispatchLive(context.Background(), part, start)
		if err != nil {
			t.Fatalf("share %.2f: %v", share, err)
		}
		added := len(part.ArcTask) - len(prevD.ArcTask)
		if want := added*solver.LiveMaxGrowth <= prev.Stats.Arcs; ok != want {
			t.Fatalf("share %.2f: kept simplex taken %v for %d arcs added to %d, want %v", share, ok, added, prev.Stats.Arcs, want)
		}
		if ok {
			live++
		} else if r, err = solver.SolveDispatchFrom(context.Background(), part, start); err != nil {
			t.Fatalf("share %.2f: %v", share, err)
		}
		if _, err := solver.VerifyDispatch(part, r); err != nil || r.Objective != cold.Objective {
			t.Fatalf("share %.2f: objective %d, %v; want %d", share, r.Objective, err, cold.Objective)
		}
		if r.Basis == nil {
			t.Fatalf("share %.2f: not solved by the simplex", share)
		}
		if _, ok, _ := solver.SolveDispatchLive(context.Background(), part, start); ok {
			t.Errorf("share %.2f: the kept simplex was used twice", share)
		}
		prev, prevD = r, part
	}
	if live < 5 {
		t.Errorf("%d rounds on the kept simplex, want 5", live)
	}
}

// TestSolveDispatchLiveRefused offers the kept simplex to networks that
// are not its own with arcs added, and to starts that are not its flow:
// each is refused, and SolveDispatchFrom still finds the optimum.
func TestSolveDispatchLiveRefused(t *testing.T) {
	t.Parallel()
	base := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 1200, Workers: 60, Slack: 1.05, Seed: 7})
	clone := func(d *solver.Dispatch) *solver.Dispatch {
		c := *d
		c.ArcTask, c.ArcWorker, c.ArcCost = slices.Clone(d.ArcTask), slices.Clone(d.ArcWorker), slices.Clone(d.ArcCost)
		c.Unassigned, c.Pinned = slices.Clone(d.Unassigned), slices.Clone(d.Pinned)
		c.Tiers = make([][]solver.Tier, len(d.Tiers))
		for w := range d.Tiers {
			c.Tiers[w] = slices.Clone(d.Tiers[w])
		}
		return &c
	}
	leave := slices.IndexFunc(base.Unassigned, func(u int64) bool { return u != solver.NoLeave })
	for _, tc := range []struct {
		name   string
		change func(d *solver.Dispatch, start *solver.DispatchStart)
	}{
		{"an arc dropped", func(d *solver.Dispatch, _ *solver.DispatchStart) {
			a := slices.Index(d.ArcTask, int32(leave)) // an unpinned task's first arc
			d.ArcTask, d.ArcWorker, d.ArcCost = slices.Delete(d.ArcTask, a, a+1), slices.Delete(d.ArcWorker, a, a+1), slices.Delete(d.ArcCost, a, a+1)
			for i, p := range d.Pinned {
				if int(p) > a {
					d.Pinned[i]--
				}
			}
		}},
		{"an arc's cost changed", func(d *solver.Dispatch, _ *solver.DispatchStart) { d.ArcCost[len(d.ArcCost)/2]++ }},
		{"two arcs of a task swapped", func(d *solver.Dispatch, _ *solver.DispatchStart) {
			for a := 1; a < len(d.ArcTask); a++ {
				if d.ArcTask[a] == d.ArcTask[a-1] && !slices.Contains(d.Pinned, int32(a)) && !slices.Contains(d.Pinned, int32(a-1)) {
					d.ArcWorker[a], d.ArcWorker[a-1] = d.ArcWorker[a-1], d.ArcWorker[a]
					d.ArcCost[a], d.ArcCost[a-1] = d.ArcCost[a-1], d.ArcCost[a]
					return
				}
			}
		}},
		{"a tier's cost changed", func(d *solver.Dispatch, _ *solver.DispatchStart) { d.Tiers[0][len(d.Tiers[0])-1].Cost++ }},
		{"a leave cost changed", func(d *solver.Dispatch, _ *solver.DispatchStart) { d.Unassigned[leave]++ }},
		{"a new arc dearer than every arc", func(d *solver.Dispatch, _ *solver.DispatchStart) {
			var has []int32
			for a, task := range d.ArcTask {
				if task == int32(leave) {
					has = append(has, d.ArcWorker[a])
				}
			}
			w := int32(0)
			for slices.Contains(has, w) {
				w++ // a worker the task has no arc to
			}
			d.ArcTask = append(d.ArcTask, int32(leave))
			d.ArcWorker = append(d.ArcWorker, w)
			top := maxAbs(d.ArcCost)
			for t, u := range d.Unassigned {
				if u != solver.NoLeave {
					top = max(top, maxAbs(d.Unassigned[t:t+1]))
				}
			}
			for _, tiers := range d.Tiers {
				for _, tr := range tiers {
					top = max(top, tr.Cost, -tr.Cost)
				}
			}
			d.ArcCost = append(d.ArcCost, 10*top)
		}},
		{"a start that is not its flow", func(d *solver.Dispatch, start *solver.DispatchStart) {
			for t, w := range start.TaskWorker {
				if w >= 0 {
					start.TaskWorker[t] = -1
					return
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := solveDispatchVerified(t, base)
			if r.Basis == nil {
				t.Fatal("not solved by the simplex")
			}
			d := clone(base)
			start := basisStartOf(base, r)
			tc.change(d, start)
			if err := d.Validate(); err != nil {
				t.Fatalf("the changed dispatch is invalid: %v", err)
			}
			if _, ok, err := solver.SolveDispatchLive(context.Background(), d, start); ok || err != nil {
				t.Fatalf("taken %v, %v; want refused", ok, err)
			}
			want := solveDispatchVerified(t, d).Objective
			warmCase(t, fmt.Sprintf("after refusing %s", tc.name), d, start, want)
		})
	}
}
