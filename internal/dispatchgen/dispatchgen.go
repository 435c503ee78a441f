// Package dispatchgen generates seeded dispatch instances of the benchmark
// shape and writes networks in DIMACS "min" format. It serves the solver
// benchmarks and the scripts that time paidan against the reference
// solvers; nothing in the pipeline imports it.
//
// The shape: T tasks of unit demand and W workers of capacity c, all
// uniform on a 100×100 plane; each task is linked to its k nearest workers
// at cost round(distance × 1000) and may stay unassigned at cost 10^7
// (Generate). The metro shape (GenerateMetro) mimics the networks package
// model builds: clustered, regions and skills, balance tiers, tight
// capacity.
package dispatchgen

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paidan/paidan/solver"
)

// Config describes an instance. The zero value is an empty instance.
type Config struct {
	Tasks    int
	Workers  int
	Capacity int64  // units per worker, one tier at cost 0
	K        int    // candidate workers per task (at most Workers)
	Seed     uint64 // seeds the positions

	// Tiers, when not nil, replaces every worker's single tier of
	// Capacity units at cost 0 (the slice is shared by all workers).
	Tiers []solver.Tier
}

// LeaveCost is the cost of leaving a task unassigned.
const LeaveCost = 10_000_000

// Generate returns the instance described by c. Arcs are grouped by task,
// each task's in order of distance (ties by worker index). The same Config
// always yields the same Dispatch.
func Generate(c Config) *solver.Dispatch {
	rng := rand.New(rand.NewPCG(c.Seed, 0x6469737061746368))
	wx, wy := make([]float64, c.Workers), make([]float64, c.Workers)
	for w := range c.Workers {
		wx[w], wy[w] = rng.Float64()*100, rng.Float64()*100
	}
	k := min(c.K, c.Workers)
	d := &solver.Dispatch{
		Tasks: c.Tasks, Workers: c.Workers,
		ArcTask:    make([]int32, 0, c.Tasks*k),
		ArcWorker:  make([]int32, 0, c.Tasks*k),
		ArcCost:    make([]int64, 0, c.Tasks*k),
		Unassigned: make([]int64, c.Tasks),
		Tiers:      make([][]solver.Tier, c.Workers),
	}
	for w := range d.Tiers {
		d.Tiers[w] = []solver.Tier{{Units: c.Capacity}}
		if c.Tiers != nil {
			d.Tiers[w] = c.Tiers
		}
	}
	g := newGrid(wx, wy)
	var near []neighbour
	for t := range c.Tasks {
		x, y := rng.Float64()*100, rng.Float64()*100
		near = g.nearest(near[:0], x, y, k)
		for _, nb := range near {
			d.ArcTask = append(d.ArcTask, int32(t))
			d.ArcWorker = append(d.ArcWorker, nb.worker)
			d.ArcCost = append(d.ArcCost, int64(math.Round(nb.dist*1000)))
		}
		d.Unassigned[t] = LeaveCost
	}
	return d
}

type neighbour struct {
	dist   float64
	worker int32
}

// grid buckets the workers into square cells for nearest-neighbour search.
type grid struct {
	side  int     // cells per side
	size  float64 // cell width
	start []int32 // cell → first index in ids
	ids   []int32
	x, y  []float64
}

func newGrid(x, y []float64) *grid {
	side := max(1, int(math.Sqrt(float64(len(x))/2)))
	g := &grid{side: side, size: 100 / float64(side), start: make([]int32, side*side+1), ids: make([]int32, len(x)), x: x, y: y}
	cell := make([]int, len(x))
	for w := range x {
		cell[w] = g.cell(x[w], y[w])
		g.start[cell[w]+1]++
	}
	for i := range side * side {
		g.start[i+1] += g.start[i]
	}
	fill := slices.Clone(g.start)
	for w, c := range cell {
		g.ids[fill[c]] = int32(w)
		fill[c]++
	}
	return g
}

func (g *grid) coord(v float64) int {
	return min(g.side-1, max(0, int(v/g.size)))
}

func (g *grid) cell(x, y float64) int { return g.coord(y)*g.side + g.coord(x) }

// nearest appends the k workers nearest to (x, y), by distance then index.
func (g *grid) nearest(out []neighbour, x, y float64, k int) []neighbour {
	if k == 0 {
		return out
	}
	cx, cy := g.coord(x), g.coord(y)
	for r := 0; ; r++ {
		// Cells of ring r: Chebyshev distance r from (cx, cy).
		for yy := cy - r; yy <= cy+r; yy++ {
			if yy < 0 || yy >= g.side {
				continue
			}
			step := 1
			if yy != cy-r && yy != cy+r {
				step = 2 * r
			}
			for xx := cx - r; xx <= cx+r; xx += max(step, 1) {
				if xx < 0 || xx >= g.side {
					continue
				}
				c := yy*g.side + xx
				for _, w := range g.ids[g.start[c]:g.start[c+1]] {
					out = append(out, neighbour{math.Hypot(x-g.x[w], y-g.y[w]), w})
				}
			}
		}
		slices.SortFunc(out, func(a, b neighbour) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.worker, b.worker))
		})
		if len(out) > k {
			out = out[:k]
		}
		// Cells of ring r+1 lie at least r cell widths away.
		if (len(out) == k && out[k-1].dist <= float64(r)*g.size) || r > g.side {
			return out
		}
	}
}
