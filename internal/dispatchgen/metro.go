package dispatchgen

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/solver"
)

// MetroConfig describes an instance of the metro shape, which mimics the
// networks package model builds from real-looking data: tasks and workers
// clustered in metro areas of very different sizes, each cut into five
// regions (a task is only eligible for workers of its metro who serve its
// region) and skills that restrict eligibility further. Costs are in units of 0.001: a candidate arc
// costs round(km × 1000), plus StabilityCost when the task has a previous
// worker and the arc leads elsewhere; each task keeps its K nearest
// eligible workers; leaving a task unassigned costs 1 000 000 to 3 000 000
// (priority and waiting time); each worker has a current load and its
// remaining capacity as the convex balance tiers of model's default rules:
// 0 per task up to 50 % utilisation, 2 000 above, 10 000 above 80 %.
// The total remaining capacity is about Slack × Tasks, but metros are not
// staffed in proportion to their demand, so some are short and some idle.
// The zero value is an empty instance.
type MetroConfig struct {
	Tasks   int
	Workers int
	Metros  int     // metro areas; 0 means max(1, Workers/2500)
	K       int     // candidate workers per task; 0 means 20
	Slack   float64 // total remaining capacity / tasks; 0 means 1.05
	Seed    uint64
}

// StabilityCost is the cost of moving a task away from its previous
// worker in the metro shape: paidan.DefaultRules' stability penalty in its
// units (5 at 0.001). The balance tiers come from the same rules
// (balanceTiers), so the shape follows the defaults from one source.
const StabilityCost = 5_000

// metroSkills is the number of skills; skill 0 is the common one.
// metroSectors is the number of regions of a metro: the centre and four
// quadrants around it. A worker serves its home sector, 25 % also another
// one and 3 % all of them.
const (
	metroSkills  = 4
	metroSectors = 5
)

// GenerateMetro returns the metro-shaped instance described by c. Arcs are
// grouped by task, each task's in order of cost (ties by worker index). The
// same MetroConfig always yields the same Dispatch.
func GenerateMetro(c MetroConfig) *solver.Dispatch {
	rng := rand.New(rand.NewPCG(c.Seed, 0x6d6574726f))
	metros := c.Metros
	if metros <= 0 {
		metros = max(1, c.Workers/2500)
	}
	k := c.K
	if k <= 0 {
		k = 20
	}
	slack := c.Slack
	if slack <= 0 {
		slack = 1.05
	}
	// Metros on a 2000 km square, with Zipf-like sizes; staffing departs
	// from demand by a factor 0.7–1.3 per metro.
	type metro struct{ x, y, r, demand, staff float64 }
	ms := make([]metro, metros)
	var dsum, ssum float64
	for i := range ms {
		m := &ms[i]
		m.x, m.y, m.r = rng.Float64()*2000, rng.Float64()*2000, 5+rng.Float64()*25
		m.demand = 1 / math.Pow(float64(i+1), 0.8)
		m.staff = m.demand * (0.7 + 0.6*rng.Float64())
		dsum += m.demand
		ssum += m.staff
	}
	sector := func(m *metro, x, y float64) int {
		dx, dy := x-m.x, y-m.y
		switch {
		case math.Hypot(dx, dy) < m.r:
			return 0
		case math.Abs(dx) > math.Abs(dy) && dx > 0:
			return 1
		case math.Abs(dx) > math.Abs(dy):
			return 2
		case dy > 0:
			return 3
		}
		return 4
	}
	pick := func(weight func(*metro) float64, sum float64) int {
		u := rng.Float64() * sum
		for i := range ms {
			if u -= weight(&ms[i]); u < 0 {
				return i
			}
		}
		return len(ms) - 1
	}
	place := func(m *metro) (float64, float64) {
		s := m.r
		if rng.Float64() < 0.2 { // suburbs
			s *= 2.5
		}
		return m.x + rng.NormFloat64()*s, m.y + rng.NormFloat64()*s
	}
	skill := func() int {
		if rng.Float64() < 0.7 {
			return 0
		}
		return 1 + rng.IntN(metroSkills-1)
	}

	d := &solver.Dispatch{
		Tasks: c.Tasks, Workers: c.Workers,
		Unassigned: make([]int64, c.Tasks),
		Tiers:      make([][]solver.Tier, c.Workers),
	}
	type worker struct {
		x, y    float64
		skills  uint8
		sectors uint8 // sectors of its metro it serves
	}
	byMetro := make([][]int32, metros)
	ws := make([]worker, c.Workers)
	mean := slack * float64(c.Tasks) / float64(max(c.Workers, 1))
	for w := range ws {
		m := pick(func(m *metro) float64 { return m.staff }, ssum)
		ws[w].x, ws[w].y = place(&ms[m])
		if rng.Float64() < 0.9 {
			ws[w].skills |= 1
		}
		for s := 1; s < metroSkills; s++ {
			if rng.Float64() < 0.3 {
				ws[w].skills |= 1 << s
			}
		}
		home := sector(&ms[m], ws[w].x, ws[w].y)
		switch u := rng.Float64(); {
		case u < 0.03:
			ws[w].sectors = 1<<metroSectors - 1
		case u < 0.28:
			ws[w].sectors = 1<<home | 1<<((home+1+rng.IntN(metroSectors-1))%metroSectors)
		default:
			ws[w].sectors = 1 << home
		}
		byMetro[m] = append(byMetro[m], int32(w))
		// Remaining capacity about mean; a current load of 0–3 tasks.
		rem := max(1, int(math.Round(mean*(0.5+rng.Float64()))))
		load := rng.IntN(4)
		d.Tiers[w] = balanceTiers(rem+load, load)
	}
	near := make([]neighbour, 0, k+1)
	for t := range c.Tasks {
		m := pick(func(m *metro) float64 { return m.demand }, dsum)
		x, y := place(&ms[m])
		need, in := uint8(1)<<skill(), uint8(1)<<sector(&ms[m], x, y)
		near = near[:0]
		for _, w := range byMetro[m] {
			if ws[w].skills&need == 0 || ws[w].sectors&in == 0 {
				continue
			}
			nb := neighbour{math.Hypot(x-ws[w].x, y-ws[w].y), w}
			if len(near) == k && !nb.less(near[k-1]) {
				continue
			}
			i, _ := slices.BinarySearchFunc(near, nb, neighbour.cmp)
			near = slices.Insert(near, i, nb)
			if len(near) > k {
				near = near[:k]
			}
		}
		prev := int32(-1)
		if len(near) > 0 && rng.Float64() < 0.15 {
			prev = near[rng.IntN(len(near))].worker
		}
		first := len(d.ArcTask)
		for _, nb := range near {
			cost := int64(math.Round(nb.dist * 1000))
			if prev >= 0 && nb.worker != prev {
				cost += StabilityCost
			}
			d.ArcTask = append(d.ArcTask, int32(t))
			d.ArcWorker = append(d.ArcWorker, nb.worker)
			d.ArcCost = append(d.ArcCost, cost)
		}
		sortArcs(d, first)
		d.Unassigned[t] = 1_000_000 + 500_000*int64(rng.IntN(4)) + 1000*int64(rng.IntN(500))
	}
	return d
}

// sortArcs orders the arcs from first on (one task's) by cost, then worker.
func sortArcs(d *solver.Dispatch, first int) {
	type arc struct {
		w int32
		c int64
	}
	as := make([]arc, 0, len(d.ArcTask)-first)
	for a := first; a < len(d.ArcTask); a++ {
		as = append(as, arc{d.ArcWorker[a], d.ArcCost[a]})
	}
	slices.SortFunc(as, func(a, b arc) int { return cmp.Or(cmp.Compare(a.c, b.c), cmp.Compare(a.w, b.w)) })
	for i, a := range as {
		d.ArcWorker[first+i], d.ArcCost[first+i] = a.w, a.c
	}
}

// balanceTiers returns the remaining capacity of a worker with capacity
// capa and current load as tiers, under paidan.DefaultRules' balance tiers
// in units of its resolution: the unit that brings utilisation above a
// tier's threshold costs that tier's cost (by default 2 000 above 50 % and
// 10 000 above 80 %), below every tier nothing.
func balanceTiers(capa, load int) []solver.Tier {
	rules := paidan.DefaultRules()
	var out []solver.Tier
	// Units n (1-based, counted from zero load) cost by n/capa.
	cost := func(n int) int64 {
		u := float64(n) / float64(capa)
		var c int64
		for _, t := range rules.Balance {
			if u > t.Above {
				c = int64(math.Round(t.CostPerTask / rules.Resolution))
			}
		}
		return c
	}
	for n := load + 1; n <= capa; n++ {
		c := cost(n)
		if len(out) > 0 && out[len(out)-1].Cost == c {
			out[len(out)-1].Units++
			continue
		}
		out = append(out, solver.Tier{Units: 1, Cost: c})
	}
	return out
}

// cmp orders neighbours by distance, then worker index.
func (a neighbour) cmp(b neighbour) int {
	return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.worker, b.worker))
}

func (a neighbour) less(b neighbour) bool { return a.cmp(b) < 0 }
