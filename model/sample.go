package model

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// sampleStride is the share of the batch a sample plans: every
// sampleStride-th task, with a sampleStride-th of each worker's capacity.
// Measured on the 100k-task plan of `paidan gen dispatch` (README, "Seeding
// from a sample"): strides 3, 4 and 6 took 17.5, 18.2 and 17.9 s of CPU
// for the whole plan, against 30.7 s without a sample; 4 leaves each
// worker of the usual capacities (20 and more) enough units that the
// sample's balance tiers resemble the batch's.
const sampleStride = 4

// sampleSettled ends a sample's pricing rounds once one adds fewer than
// 1/sampleSettled of its network's arcs: its worker potentials then move
// too little to change the seed much, and the rounds it skips (3 of the
// 2,500-task sample's 6 at 10k tasks, 3 of the 25k sample's 7 at 100k)
// cost more than the seed loses. Measured with BenchmarkPlan (README,
// "Seeding from a sample"), against sampling to the optimum, alternating:
// 10k tasks, solve stage 183.6 ms against 197.6 ms (medians of 5 runs of
// 20 plans); 100k tasks 10.46 s against 10.87 s, whole plan 14.4 s
// against 15.2 s (medians of 4; 6 rounds of the batch instead of 7).
// Ending every sample after 3 rounds instead cost 14% at 100k.
const sampleSettled = 50

// seedResult is what seed did.
type seedResult struct {
	SampleTasks int   // tasks of the sample planned; 0 when none was
	SeededArcs  int   // arcs added to the first network
	PricedPairs int64 // pairs priced to find them
	// WorkerPrice is π̂(w) per worker, for the first solve to start from
	// (solver.SolveDispatchPriced); nil when no sample was planned.
	WorkerPrice []int64
}

// seed adds to extra, before the first solve, the arcs that a sample's
// worker prices say the optimum will want. A plan's later rounds are cheap
// only when its first network is close to the final one; with the nearest
// workers alone it is not where capacity is short, and the second and
// third rounds each cost about as much as the first (README, "Pricing
// policy"). So, for a batch of at least Options.SampleMinTasks tasks:
//
//  1. Plan the sample of sampleBatch (recursively seeded in turn when
//     it is large enough) by pricing rounds until they settle (see
//     sampleSettled), nearly to its optimum over every eligible pair. Its
//     worker potentials estimate the marginal cost of each worker's
//     capacity in the batch's optimum, π̂(w).
//  2. Give each task the potential π̂(t) of its cheapest option on the
//     first network at those prices: its penalty, or c_tw + π̂(w) over its
//     candidates.
//  3. Price every eligible pair against π̂, as a pricing round does: the
//     pairs with c_tw + π̂(w) < π̂(t), up to pricedArcsPerTask per task,
//     most negative first, go to extra.
//  4. Return π̂(w), from which the first solve starts its dispatch
//     (solver.SolveDispatchPriced): on the 100k-task plan of `paidan gen
//     dispatch` its first round then takes a third fewer pivots.
//
// The seed only chooses where the first network and its solve start:
// the rounds that follow price every eligible pair against the solver's
// own potentials, so the plan's optimum and certificate do not depend on
// it. The sample's stage times go to st (not its rounds); opt's Progress
// hears StageSample, and its RoundDone the sample's rounds with Sample one
// higher.
func (in *instance) seed(ctx context.Context, cands *candidates, extra map[int][]candidate, opt Options, st *Stats) (seedResult, error) {
	minTasks := opt.SampleMinTasks
	if minTasks == 0 {
		minTasks = DefaultSampleMinTasks
	}
	if minTasks < 0 || len(in.tasks) < minTasks {
		return seedResult{}, nil
	}
	if opt.Progress != nil {
		opt.Progress(StageSample)
	}
	sample, err := in.planSample(ctx, opt, st)
	if err != nil {
		return seedResult{}, fmt.Errorf("sample: %w", err)
	}

	sub := sample.in
	T, W, sT := len(in.tasks), len(in.workers), len(sub.tasks)
	pot := make([]int64, T+W+1)
	sink := sample.pot[sT+W]
	full := int64(math.MinInt64) // the highest price of a worker with sample capacity
	for w := range W {
		if sub.workers[w].remaining > 0 {
			pot[T+w] = sample.pot[sT+w] - sink
			full = max(full, pot[T+w])
		}
	}
	for w := range W {
		// A worker whose share of capacity rounded to nothing is priced as
		// the fullest: the seed then gives it no arcs, as before seeding.
		if sub.workers[w].remaining <= 0 {
			pot[T+w] = max(full, 0)
		}
	}
	for ti := range in.tasks {
		best := in.tasks[ti].penalty
		for _, cs := range [][]candidate{cands.of(ti), extra[ti]} {
			for _, c := range cs {
				if in.workers[c.worker].remaining > 0 {
					best = min(best, in.arcUnits(ti, int(c.worker), c.distKm)+pot[T+int(c.worker)])
				}
			}
		}
		pot[ti] = best
	}

	done := stageTimer(nil)(StagePrice, &st.Price)
	added, _, priced, err := in.price(ctx, cands, extra, &solver.DispatchResult{Potential: pot}, nil, pricedArcsPerTask, opt.Parallel)
	done()
	if err != nil {
		return seedResult{}, fmt.Errorf("seed: %w", err)
	}
	r := seedResult{SampleTasks: sT, PricedPairs: priced, WorkerPrice: pot[T : T+W]}
	for ti, arcs := range added {
		extra[ti] = append(extra[ti], arcs...)
		r.SeededArcs += len(arcs)
	}
	return r, nil
}

// plannedSample is a sample's instance and the potentials of its optimum.
type plannedSample struct {
	in  *instance
	pot []int64 // solver.DispatchResult.Potential of its last round
}

// planSample plans the batch's sample (sampleBatch) as Plan does, until
// its rounds settle (sampleSettled) and without classifying or finishing,
// and adds its stage times to st.
func (in *instance) planSample(ctx context.Context, opt Options, st *Stats) (plannedSample, error) {
	sub, err := newInstance(in.sampleBatch(), in.rules)
	if err != nil {
		return plannedSample{}, err
	}
	var sst Stats
	stage := stageTimer(nil)
	done := stage(StagePrune, &sst.Prune)
	cands, extra, err := sub.firstCandidates(ctx, opt.Parallel)
	done()
	if err != nil {
		return plannedSample{}, err
	}
	subOpt := Options{Parallel: opt.Parallel, SampleMinTasks: opt.SampleMinTasks}
	if opt.RoundDone != nil {
		subOpt.RoundDone = func(r RoundReport) {
			r.Sample++
			opt.RoundDone(r)
		}
	}
	seeded, err := sub.seed(ctx, cands, extra, subOpt, &sst)
	if err != nil {
		return plannedSample{}, err
	}
	_, res, _, _, err := sub.rounds(ctx, cands, extra, subOpt, sampleSettled, seeded.WorkerPrice, &sst, stage)
	st.Prune += sst.Prune
	st.Build += sst.Build
	st.Solve += sst.Solve
	st.Verify += sst.Verify
	st.Price += sst.Price
	if err != nil {
		return plannedSample{}, err
	}
	return plannedSample{sub, res.Potential}, nil
}

// sampleBatch returns the batch's sample: every sampleStride-th task, and
// every worker with a sampleStride-th of its capacity and of its remaining
// capacity. Each is rounded so that the sum over the workers so far stays
// within half a unit of the exact share, so the sample's capacity is the
// batch's in proportion to its tasks; a worker of little capacity may get
// none.
func (in *instance) sampleBatch() *paidan.Batch {
	b := in.batch
	s := &paidan.Batch{Partition: b.Partition, AsOf: b.AsOf,
		Tasks:   make([]paidan.Task, 0, (len(b.Tasks)+sampleStride-1)/sampleStride),
		Workers: slices.Clone(b.Workers)}
	for i := 0; i < len(b.Tasks); i += sampleStride {
		s.Tasks = append(s.Tasks, b.Tasks[i])
	}
	share := func(sum, v int) int {
		const half = sampleStride / 2
		return (sum+v+half)/sampleStride - (sum+half)/sampleStride
	}
	var capSum, remSum int
	for i := range s.Workers {
		w := &s.Workers[i]
		capacity, remaining := w.Capacity, w.Remaining()
		c, r := share(capSum, capacity), share(remSum, remaining)
		capSum += capacity
		remSum += remaining
		w.Capacity = max(c, r)
		w.Load = w.Capacity - r
	}
	return s
}
