package solver_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// randomPrices returns worker prices for d as a caller might estimate
// them: small ones around the costs, sometimes the extremes allowed, or
// nil.
func randomPrices(rng *rand.Rand, d *solver.Dispatch) []int64 {
	if rng.IntN(8) == 0 {
		return nil
	}
	p := make([]int64, d.Workers)
	for w := range p {
		switch rng.IntN(10) {
		case 0:
			p[w] = 1 << 61
		case 1:
			p[w] = -1 << 61
		default:
			p[w] = int64(rng.IntN(61) - 30)
		}
	}
	return p
}

// TestSolveDispatchPricedBruteForce checks that worker prices only choose
// where the simplex starts: whatever they are, the solve reaches the
// brute-force optimum with a certificate (TestCrashTreeFits checks that
// the priced crash tree fits).
func TestSolveDispatchPricedBruteForce(t *testing.T) {
	t.Parallel()
	solved := 0
	for seed := range uint64(10000) {
		rng := rand.New(rand.NewPCG(seed, 17))
		d := randomDispatch(rng)
		price := randomPrices(rng, d)
		if d.Validate() != nil {
			continue
		}
		if checkSimplexBruteForce(t, seed, d, price) {
			solved++
		}
	}
	if solved < 3000 {
		t.Errorf("solved %d feasible instances; want at least 3000", solved)
	}
}

// TestSolveDispatchPricedMetro checks the priced start where it is meant
// to pay: on a metro network, priced at the potentials of a sample's
// optimum (every fourth task, a quarter of the capacity), the crash tree
// takes fewer pivots than without prices, and SolveDispatchPriced gives
// SolveDispatch's objective with a certificate.
func TestSolveDispatchPricedMetro(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dispatchgen.GenerateMetro(dispatchgen.MetroConfig{Tasks: 4000, Workers: 200, Slack: 1.05, Seed: 5})
	sample, err := solver.SolveDispatch(ctx, quarterSample(d))
	if err != nil {
		t.Fatal(err)
	}
	price := make([]int64, d.Workers)
	sink := sample.Potential[len(sample.Potential)-1]
	for w := range price {
		price[w] = sample.Potential[len(sample.Potential)-1-d.Workers+w] - sink
	}
	_, plain, err := solver.CrashTreeFits(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	fits, priced, err := solver.CrashTreeFits(d, price)
	if err != nil || !fits {
		t.Fatalf("CrashTreeFits = %v, %v", fits, err)
	}
	t.Logf("%d pivots from the priced crash tree, %d without prices", priced, plain)
	if priced >= plain {
		t.Errorf("%d pivots from the priced crash tree, %d without prices; want fewer", priced, plain)
	}
	want, err := solver.SolveDispatch(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	r, err := solver.SolveDispatchPriced(ctx, d, price)
	if err != nil {
		t.Fatal(err)
	}
	if bound, err := solver.VerifyDispatch(d, r); err != nil || r.Objective != want.Objective || bound != want.Objective {
		t.Fatalf("objective %d, VerifyDispatch = %d, %v; want %d", r.Objective, bound, err, want.Objective)
	}
}

// quarterSample returns d's every fourth task with its arcs, and each
// worker's tiers cut to a quarter of their units (rounded up).
func quarterSample(d *solver.Dispatch) *solver.Dispatch {
	s := &solver.Dispatch{Tasks: (d.Tasks + 3) / 4, Workers: d.Workers, Tiers: make([][]solver.Tier, d.Workers)}
	for t := 0; t < d.Tasks; t += 4 {
		s.Unassigned = append(s.Unassigned, d.Unassigned[t])
	}
	for a, t := range d.ArcTask {
		if t%4 == 0 {
			s.ArcTask = append(s.ArcTask, t/4)
			s.ArcWorker = append(s.ArcWorker, d.ArcWorker[a])
			s.ArcCost = append(s.ArcCost, d.ArcCost[a])
		}
	}
	for w, tiers := range d.Tiers {
		for _, tr := range tiers {
			s.Tiers[w] = append(s.Tiers[w], solver.Tier{Units: (tr.Units + 3) / 4, Cost: tr.Cost})
		}
	}
	return s
}

// TestSolveDispatchPricedInvalid checks that prices of the wrong length
// or beyond ±2^61 are refused with ErrInvalid, naming the worker.
func TestSolveDispatchPricedInvalid(t *testing.T) {
	t.Parallel()
	d := &solver.Dispatch{Tasks: 1, Workers: 2, ArcTask: []int32{0}, ArcWorker: []int32{1}, ArcCost: []int64{3},
		Unassigned: []int64{solver.NoLeave}, Tiers: [][]solver.Tier{nil, {{Units: 1, Cost: 0}}}}
	for _, tc := range []struct {
		name  string
		price []int64
		want  string
	}{
		{"short", []int64{0}, "1 worker prices for 2 workers"},
		{"long", []int64{0, 0, 0}, "3 worker prices for 2 workers"},
		{"huge", []int64{0, 1<<61 + 1}, "price of worker 1 is"},
		{"very negative", []int64{-1<<61 - 1, 0}, "price of worker 0 is"},
	} {
		_, err := solver.SolveDispatchPriced(context.Background(), d, tc.price)
		checkErr(t, tc.name, err, solver.ErrInvalid, tc.want)
	}
	r, err := solver.SolveDispatchPriced(context.Background(), d, []int64{5, -1 << 61})
	if err != nil || r.Objective != 3 {
		t.Fatalf("SolveDispatchPriced = %+v, %v; want objective 3", r, err)
	}
}
