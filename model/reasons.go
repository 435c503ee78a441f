package model

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/paidan/paidan"
)

// outcome is why one task was left unassigned.
type outcome struct {
	reason paidan.Reason
	detail string
}

// offer is what giving a task to a worker would cost on top of a plan.
type offer struct {
	worker int32
	distKm float64
	travel int64 // units
	stab   int64
	bal    int64 // the worker's next unit
}

func (o offer) total() int64 { return o.travel + o.stab + o.bal }

// classifier finds the reason of each unassigned task against every worker
// of the batch (not only the candidates kept), given the workers' loads in
// a solution. It is used by one goroutine.
type classifier struct {
	in     *instance
	load   []int        // tasks the solution gives each worker
	spare  *workerIndex // workers with capacity left after the solution
	skills map[string][2]bool
}

// staticReason is the part of a task's reason that does not depend on the
// solution, kept across rounds.
type staticReason struct {
	final    bool        // o is the reason, whatever the solution
	o        outcome     //
	eligible []neighbour // else: the nearest eligible workers, capacity aside (at most 4)
}

// static classifies task ti as far as the batch alone decides: pinned
// infeasible, no skill, no region, out of range, outside shift; otherwise
// it returns the nearest workers eligible but for capacity.
func (c *classifier) static(ti int, pinnedFail map[int]string) staticReason {
	in := c.in
	if d, ok := pinnedFail[ti]; ok {
		return staticReason{final: true, o: outcome{paidan.PinnedInfeasible, d}}
	}
	task := &in.batch.Tasks[ti]
	if o, ok := c.skillsAndRegion(ti); !ok {
		return staticReason{final: true, o: o}
	}
	eligible := in.index.nearest(in, ti, in.searchChord, 4, func(w int32) bool {
		return in.check(ti, int(w), allButCapacity, false).ok()
	}, nil)
	if len(eligible) > 0 {
		return staticReason{eligible: eligible}
	}
	const mask = 1<<ruleSkill | 1<<ruleRegion | 1<<ruleRange
	if nb := in.index.nearest(in, ti, in.searchChord, 1, func(w int32) bool {
		return in.check(ti, int(w), mask, false).ok()
	}, nil); len(nb) > 0 {
		w := int(nb[0].id)
		v := in.check(ti, w, allButCapacity, true)
		return staticReason{final: true, o: outcome{paidan.OutsideShift, fmt.Sprintf("nearest worker in range, %s (%.1f km), %s",
			in.batch.Workers[w].ID, v.distKm, in.ruleDetail(ti, w, ruleShift, v))}}
	}
	const mask2 = 1<<ruleSkill | 1<<ruleRegion
	nb := in.index.nearest(in, ti, math.Inf(1), 1, func(w int32) bool {
		return in.check(ti, int(w), mask2, false).ok()
	}, nil)
	w := int(nb[0].id) // skillsAndRegion proved one exists
	v := in.check(ti, w, 1<<ruleRange, true)
	return staticReason{final: true, o: outcome{paidan.OutOfRange, fmt.Sprintf("nearest worker with the skills serving region %s, %s, is %s",
		task.Region, in.batch.Workers[w].ID, in.ruleDetail(ti, w, ruleRange, v))}}
}

// dynamic classifies task ti, which has eligible workers, given the
// solution: no capacity, or cheaper unassigned. When some worker with
// capacity left would take the task for less than its penalty (which a
// pruned network can hide from the solver), it returns no outcome but those
// offers, cheapest first, for the caller to add and re-solve.
func (c *classifier) dynamic(ti int, eligible []neighbour) (outcome, []offer) {
	in := c.in
	offers := c.offers(ti)
	if len(offers) == 0 {
		names := make([]string, 0, 3)
		for _, nb := range eligible[:min(3, len(eligible))] {
			names = append(names, fmt.Sprintf("%s (%.1f km)", in.batch.Workers[nb.id].ID, haversine(in.tasks[ti].geo, in.workers[nb.id].geo)))
		}
		var d string
		switch len(eligible) {
		case 1:
			d = "1 eligible worker, full: " + names[0]
		case 2, 3:
			d = fmt.Sprintf("%d eligible workers, all full: %s", len(eligible), strings.Join(names, ", "))
		default:
			d = "all eligible workers are full; nearest: " + strings.Join(names, ", ")
		}
		return outcome{paidan.NoCapacity, d}, nil
	}
	penalty := in.tasks[ti].penalty
	if offers[0].total() < penalty {
		cheaper := offers[:0:0]
		for _, o := range offers {
			if o.total() < penalty && len(cheaper) < in.rules.CandidatesPerTask {
				cheaper = append(cheaper, o)
			}
		}
		return outcome{}, cheaper
	}
	o := offers[0]
	return outcome{paidan.CheaperUnassigned, fmt.Sprintf("penalty %.1f ≤ cheapest assignment %.1f (%s, %.1f km)",
		in.cost.value(penalty), in.cost.value(o.total()), in.batch.Workers[o.worker].ID, o.distKm)}, nil
}

// skillsAndRegion reports NoSkill or NoRegion for task ti, or ok when some
// worker has the skills and serves the region. Answers are memoized per
// (skill set, region).
func (c *classifier) skillsAndRegion(ti int) (outcome, bool) {
	in := c.in
	words := in.taskSkills[ti*in.skillWords:][:in.skillWords]
	key := fmt.Sprint(words, in.tasks[ti].region)
	found, ok := c.skills[key]
	if !ok {
		for w := range in.workers {
			if in.hasSkills(ti, w) {
				found[0] = true
				if in.workers[w].serves(in.tasks[ti].region) {
					found[1] = true
					break
				}
			}
		}
		c.skills[key] = found
	}
	task := &in.batch.Tasks[ti]
	switch {
	case len(in.workers) == 0:
		return outcome{paidan.NoSkill, "the batch has no workers"}, false
	case !found[0]:
		if missing := in.missingSkills(ti, -1); len(missing) > 0 {
			return outcome{paidan.NoSkill, "no worker with skill " + strings.Join(missing, ", ")}, false
		}
		return outcome{paidan.NoSkill, "no worker has all of " + strings.Join(task.Skills, ", ")}, false
	case !found[1]:
		if len(task.Skills) == 0 {
			return outcome{paidan.NoRegion, fmt.Sprintf("region %s: no worker serves it", task.Region)}, false
		}
		return outcome{paidan.NoRegion, fmt.Sprintf("region %s: no worker with skill %s", task.Region, strings.Join(task.Skills, ", "))}, false
	}
	return outcome{}, true
}

// offers lists every worker with capacity left that is eligible for task ti
// and could be among the cheapest: all those costing at most
// max(penalty, the nearest one's cost), cheapest first (ties by distance,
// then worker order).
func (c *classifier) offers(ti int) []offer {
	in := c.in
	t := &in.tasks[ti]
	offerOf := func(w int32) (offer, bool) {
		v := in.check(ti, int(w), allRules, false)
		if !v.ok() {
			return offer{}, false
		}
		d := haversine(t.geo, in.workers[w].geo)
		o := offer{worker: w, distKm: d, travel: in.cost.travel(d)}
		if in.moves(ti, int(w)) {
			o.stab = in.cost.stability
		}
		o.bal, _ = in.workers[w].tiers.unit(c.load[w] + 1)
		return o, true
	}
	var buf []neighbour
	nb := c.spare.nearest(in, ti, in.searchChord, 1, func(w int32) bool { _, ok := offerOf(w); return ok }, buf)
	if len(nb) == 0 {
		return nil
	}
	first, _ := offerOf(nb[0].id)
	radius := in.searchChord
	if tpk := in.rules.TravelCostPerKm; tpk > 0 {
		// Travel alone of a worker beyond this radius exceeds both bounds.
		reach := in.cost.value(max(first.total(), t.penalty)+1) / tpk // +1: travel is rounded
		radius = min(radius, chordFor(reach))
	}
	var out []offer
	c.spare.within(in, ti, radius, func(w int32) {
		if o, ok := offerOf(w); ok {
			out = append(out, o)
		}
	})
	slices.SortFunc(out, func(a, b offer) int {
		return cmp.Or(cmp.Compare(a.total(), b.total()), cmp.Compare(a.distKm, b.distKm), cmp.Compare(a.worker, b.worker))
	})
	return out
}

// classifyAll classifies every unassigned task of a solution (taskWorker[t]
// < 0) and collects the repair offers. Reasons that do not depend on the
// solution are kept in statics across rounds. The tasks are split over up to
// parallel goroutines; the result does not depend on parallel.
func (in *instance) classifyAll(ctx context.Context, net *network, taskWorker []int32, load []int,
	statics map[int]staticReason, parallel int) (map[int]outcome, map[int][]offer, error) {
	var todo []int
	for ti, w := range taskWorker {
		if w < 0 {
			todo = append(todo, ti)
		}
	}
	spare := in.newWorkerIndex(func(w int) bool { return load[w] < in.workers[w].remaining })
	outs := make([]outcome, len(todo))
	offs := make([][]offer, len(todo))
	fresh := make([]*staticReason, len(todo))
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = max(min(parallel, len(todo)/64), 1)
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for p := range parallel {
		lo, hi := len(todo)*p/parallel, len(todo)*(p+1)/parallel
		wg.Go(func() {
			c := &classifier{in: in, load: load, spare: spare, skills: map[string][2]bool{}}
			for i := lo; i < hi; i++ {
				if (i-lo)%256 == 0 {
					if errs[p] = ctx.Err(); errs[p] != nil {
						return
					}
				}
				ti := todo[i]
				s, ok := statics[ti] // read only while the goroutines run
				if !ok {
					s = c.static(ti, net.pinnedFail)
					fresh[i] = &s
				}
				if s.final {
					outs[i] = s.o
				} else {
					outs[i], offs[i] = c.dynamic(ti, s.eligible)
				}
			}
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, nil, fmt.Errorf("classify unassigned tasks: %w", err)
	}
	outcomes := make(map[int]outcome, len(todo))
	repairs := map[int][]offer{}
	for i, ti := range todo {
		if fresh[i] != nil {
			statics[ti] = *fresh[i]
		}
		if len(offs[i]) > 0 {
			repairs[ti] = offs[i]
		} else {
			outcomes[ti] = outs[i]
		}
	}
	return outcomes, repairs, nil
}
