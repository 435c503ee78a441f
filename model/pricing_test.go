package model

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// pricingBatch returns a random batch of tasks and workers within a few km
// of one point, in two regions, with skills, capacities, distance limits,
// pins and previous workers (some no longer in the batch), and rules with a random travel cost (zero for
// some seeds), resolution and stability penalty.
func pricingBatch(seed uint64) (*paidan.Batch, paidan.Rules) {
	rng := rand.New(rand.NewPCG(seed, 7))
	asOf := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	pt := func() paidan.Point {
		return paidan.Point{Lat: 31.2 + (rng.Float64()-0.5)*0.2, Lon: 121.5 + (rng.Float64()-0.5)*0.2}
	}
	r := paidan.DefaultRules()
	r.CandidatesPerTask = 1 + rng.IntN(2)
	r.TravelCostPerKm = []float64{0, 0.3, 1, 4}[rng.IntN(4)]
	r.Resolution = []float64{0.001, 0.1, 0.5}[rng.IntN(3)]
	r.StabilityPenalty = rng.Float64() * 5
	r.Unassigned.Base = 5 + rng.Float64()*40
	b := &paidan.Batch{AsOf: asOf}
	W, T := 2+rng.IntN(12), 1+rng.IntN(40)
	for i := range W {
		w := paidan.Worker{ID: paidan.WorkerID(fmt.Sprintf("w%d", i)), Location: pt(), Capacity: rng.IntN(5)}
		if rng.IntN(2) == 0 {
			w.Skills = []string{"a"}
		}
		if rng.IntN(3) == 0 {
			w.Regions = []string{[]string{"n", "s"}[rng.IntN(2)]}
		}
		if rng.IntN(4) == 0 {
			w.MaxDistanceKm = 3 + rng.Float64()*10
		}
		b.Workers = append(b.Workers, w)
	}
	for i := range T {
		t := paidan.Task{ID: paidan.TaskID(fmt.Sprintf("t%d", i)), Location: pt(), Region: []string{"n", "s"}[rng.IntN(2)],
			Priority: rng.IntN(3), CreatedAt: asOf.Add(-time.Duration(rng.IntN(600)) * time.Minute)}
		if rng.IntN(3) == 0 {
			t.Skills = []string{"a"}
		}
		if rng.IntN(10) == 0 {
			t.PinnedWorker = b.Workers[rng.IntN(W)].ID
		}
		switch rng.IntN(10) {
		case 0, 1:
			t.PreviousWorker = b.Workers[rng.IntN(W)].ID
		case 2:
			t.PreviousWorker = "gone" // a worker no longer in the batch
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b, r
}

// priceAllPairs prices every pair of every unpinned task, with no distance
// bound: the eligible pairs off the network whose arc costs less than
// π_t − π_w, up to perTask per task, most negative first (ties by worker
// order).
func (in *instance) priceAllPairs(c *candidates, extra map[int][]candidate, pot []int64, perTask int) map[int][]candidate {
	T := len(in.tasks)
	out := map[int][]candidate{}
	for ti := range in.tasks {
		if in.tasks[ti].pinned != -1 {
			continue
		}
		var found []violation
		for w := range in.workers {
			v := in.check(ti, w, allRules, true)
			if !v.ok() || hasArc(c, extra, ti, int32(w)) {
				continue
			}
			if red := in.arcUnits(ti, w, v.distKm) - pot[ti] + pot[T+w]; red < 0 {
				found = append(found, violation{candidate{int32(w), v.distKm}, red})
			}
		}
		slices.SortFunc(found, func(a, b violation) int {
			return cmp.Or(cmp.Compare(a.reduced, b.reduced), cmp.Compare(a.worker, b.worker))
		})
		for _, v := range found[:min(len(found), perTask)] {
			out[ti] = append(out[ti], v.candidate)
		}
	}
	return out
}

// TestPriceRadiusBound checks on random batches, round after round, that
// the distance-bounded, incremental pricing finds exactly the arcs that
// pricing every pair finds: neither the radius (of a k-d node or of one
// worker) nor the restriction to the pairs whose reduced cost may have
// fallen misses a pair of negative reduced cost, whatever the bound per task.
func TestPriceRadiusBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	added, incremental := 0, 0
	for seed := range uint64(400) {
		// Plan's bound, and a bound of 1 that cuts tasks short, so that
		// later rounds must price them in full.
		perTask := pricedArcsPerTask
		if seed%2 == 1 {
			perTask = 1
		}
		b, r := pricingBatch(seed)
		in, err := newInstance(b, r)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		cands, err := in.prune(ctx, 1)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		extra := map[int][]candidate{}
		var start *solver.DispatchStart // warm after the first round, as in Plan
		var prev *priceMemo             // incremental pricing, as in Plan
		for round := 1; ; round++ {
			if round > len(b.Tasks)*len(b.Workers)+1 {
				t.Fatalf("seed %d: pricing did not stop after %d rounds", seed, round-1)
			}
			net := in.network(cands, extra)
			res, err := solver.SolveDispatchFrom(ctx, &net.d, start)
			if err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			if _, err := solver.VerifyDispatch(&net.d, res); err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			tw, _ := assignedWorkers(&net.d, res)
			start = &solver.DispatchStart{TaskWorker: tw, Potential: res.Potential, Basis: res.Basis}
			got, memo, _, err := in.price(ctx, cands, extra, res, prev, perTask, 2)
			if prev != nil {
				incremental++
			}
			prev = memo
			if err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			want := in.priceAllPairs(cands, extra, res.Potential, perTask)
			if !mapsEqual(got, want) {
				t.Fatalf("seed %d round %d: bounded pricing %v; all pairs %v", seed, round, got, want)
			}
			if len(got) == 0 {
				break
			}
			for ti, arcs := range got {
				extra[ti] = append(extra[ti], arcs...)
				added += len(arcs)
			}
		}
	}
	if added == 0 || incremental < 300 {
		t.Errorf("%d arcs priced out, %d incremental rounds; the test exercises too little", added, incremental)
	}
}

func mapsEqual(a, b map[int][]candidate) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i].worker != vb[i].worker {
				return false
			}
		}
	}
	return true
}
