package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
)

// GenOptions sizes and seeds a generated batch. The zero value generates
// an empty batch.
type GenOptions struct {
	Tasks int // number of tasks; must not be negative
	// Workers is the number of workers; zero means Tasks/20 rounded up.
	// Must not be negative.
	Workers int
	Seed    uint64 // the same seed and sizes give the same batch
	// AsOf is the planning instant; zero means DefaultAsOf.
	AsOf time.Time
	// IDPrefix is prepended to every task and worker id (and to the pins
	// and previous workers that name them); "" prepends nothing. Batches
	// generated with different prefixes share no id, so that several fit
	// in one store, where ids are global.
	IDPrefix string
}

// DefaultAsOf is the planning instant of a generated batch when
// GenOptions.AsOf is zero: a Monday morning, so that outputs do not depend
// on the clock.
const DefaultAsOf = "2026-01-05T09:00:00Z"

// The city: a metro area about 40 km across around Centre.
const (
	CentreLat = 31.23
	CentreLon = 121.47
	// CityRadiusKm is the radius of the area most tasks and workers are in.
	CityRadiusKm = 20
	// centreRadiusKm is the radius of the "centre" region.
	centreRadiusKm = 6
	kmPerDegree    = 111.32
)

// Regions returns the regions of the generated city. A point is in
// "centre" within 6 km of the centre, otherwise in the quadrant its bearing
// points to. Hard tasks may also be in PortRegion.
func Regions() []string { return []string{"centre", "north", "east", "south", "west"} }

// PortRegion is the outlying region of the hard tasks that no worker
// serves.
const PortRegion = "port"

// Skills: a catalogue with popularity weights for tasks and workers.
// "hazmat" is rare among workers; "marine" is held by few workers, none of
// whom serves PortRegion; no worker has "crane".
type skill struct {
	name         string
	task, worker float64 // relative weights when drawing
}

func catalogue() []skill {
	return []skill{
		{"delivery", 35, 30},
		{"install", 20, 15},
		{"repair", 20, 15},
		{"electrical", 8, 10},
		{"plumbing", 8, 10},
		{"cold_chain", 5, 8},
		{"forklift", 3, 6},
		{"hazmat", 1, 0.5},
	}
}

const (
	skillMarine = "marine"
	skillCrane  = "crane"
)

// hotspot is a centre of demand.
type hotspot struct {
	lat, lon float64
	sigmaKm  float64
	weight   float64
}

// Generate returns a seeded, metro-like dispatch batch:
//
//   - tasks cluster around a dozen hotspots inside a city of about 40 km
//     across (20% are spread evenly), each in the region its location falls
//     in ("centre", "north", "east", "south", "west");
//   - a task needs 0–2 skills from a small catalogue and has priority 0–3;
//     it was created over the last hours before AsOf, and 30% have a
//     deadline;
//   - workers live near the demand, serve their home region (25% also a
//     second one, 3% every region), have 1–4 skills and a shift: most are
//     on now, some start later or end soon, a few have no shift bounds;
//     a quarter cap their travel distance;
//   - the remaining capacity of all workers is 1.05–1.3 times the tasks,
//     so some tasks compete for workers;
//   - 0.5% of tasks are pinned to a random worker (often one that cannot
//     take them), 3% carry a previous worker, a fifth of whom are off today
//     (not in the batch);
//   - 2% of tasks are hard, one kind in turn: a skill no worker has, a
//     region no worker with the skill serves, a place beyond the default
//     50 km reach, or a deadline already past at AsOf.
//
// So every unassigned reason of paidan.Reasons can occur under the default
// rules, except CheaperUnassigned, which needs rules where an unassigned
// penalty undercuts travel. The same options always give the same batch.
// Time is linear in Tasks + Workers: a million tasks take about a second.
// Capacities are capped at file.MaxCapacity. The first task is created at
// AsOf, so that file.Load, which takes the latest created_at as AsOf, gets
// the same planning instant back.
//
// Generate panics if Tasks or Workers is negative. It is safe for
// concurrent use.
func Generate(opts GenOptions) *paidan.Batch {
	if opts.Tasks < 0 || opts.Workers < 0 {
		panic("datasets: negative size in GenOptions")
	}
	nw := opts.Workers
	if nw == 0 {
		nw = (opts.Tasks + 19) / 20
	}
	asOf := opts.AsOf.UTC()
	if opts.AsOf.IsZero() {
		asOf, _ = time.Parse(time.RFC3339, DefaultAsOf)
	}
	g := &generator{
		rng:  rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
		asOf: asOf,
		nt:   opts.Tasks,
		nw:   nw,
		sk:   catalogue(),
	}
	g.hotspots = g.makeHotspots(12)
	b := &paidan.Batch{AsOf: asOf}
	b.Workers = g.workers()
	b.Tasks = g.tasks()
	if p := opts.IDPrefix; p != "" {
		for i := range b.Workers {
			b.Workers[i].ID = paidan.WorkerID(p) + b.Workers[i].ID
		}
		for i := range b.Tasks {
			t := &b.Tasks[i]
			t.ID = paidan.TaskID(p) + t.ID
			for _, w := range []*paidan.WorkerID{&t.PinnedWorker, &t.PreviousWorker} {
				if *w != "" {
					*w = paidan.WorkerID(p) + *w
				}
			}
		}
	}
	return b
}

type generator struct {
	rng      *rand.Rand
	asOf     time.Time
	nt, nw   int
	sk       []skill
	hotspots []hotspot
	// lists interns skill and region lists so equal lists share a slice.
	lists map[string][]string
}

func (g *generator) makeHotspots(n int) []hotspot {
	hs := make([]hotspot, n)
	for i := range hs {
		lat, lon := g.inDisk(15)
		hs[i] = hotspot{lat: lat, lon: lon, sigmaKm: 0.8 + 2.2*g.rng.Float64(), weight: 0.5 + 1.5*g.rng.Float64()}
	}
	return hs
}

// offset returns the point dx km east and dy km north of (lat, lon).
func offset(lat, lon, dx, dy float64) (float64, float64) {
	lat2 := lat + dy/kmPerDegree
	lon2 := lon + dx/(kmPerDegree*math.Cos(lat*math.Pi/180))
	return round6(lat2), round6(lon2)
}

// round6 rounds degrees to 1e-6 (about 0.1 m).
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// inDisk returns a uniform point within r km of the centre.
func (g *generator) inDisk(r float64) (float64, float64) {
	d := r * math.Sqrt(g.rng.Float64())
	a := 2 * math.Pi * g.rng.Float64()
	return offset(CentreLat, CentreLon, d*math.Sin(a), d*math.Cos(a))
}

// near returns a point around a hotspot drawn by weight, spread by its
// sigma times spread.
func (g *generator) near(spread float64) (float64, float64) {
	var total float64
	for _, h := range g.hotspots {
		total += h.weight
	}
	u := g.rng.Float64() * total
	h := g.hotspots[len(g.hotspots)-1]
	for _, c := range g.hotspots {
		if u < c.weight {
			h = c
			break
		}
		u -= c.weight
	}
	s := h.sigmaKm * spread
	return offset(h.lat, h.lon, s*g.rng.NormFloat64(), s*g.rng.NormFloat64())
}

// regionOf returns the region of a point.
func regionOf(lat, lon float64) string {
	dy := (lat - CentreLat) * kmPerDegree
	dx := (lon - CentreLon) * kmPerDegree * math.Cos(CentreLat*math.Pi/180)
	if math.Hypot(dx, dy) < centreRadiusKm {
		return "centre"
	}
	switch {
	case math.Abs(dy) >= math.Abs(dx) && dy > 0:
		return "north"
	case math.Abs(dy) >= math.Abs(dx):
		return "south"
	case dx > 0:
		return "east"
	default:
		return "west"
	}
}

// drawSkills draws n distinct skills of the catalogue (at most 16) by task
// or worker weight, appends extra, and interns the list.
func (g *generator) drawSkills(n int, forWorker bool, extra ...string) []string {
	var picked [16]bool
	var buf [20]string
	out := buf[:0]
	for len(out) < n {
		var total float64
		for i, s := range g.sk {
			if !picked[i] {
				total += s.weightFor(forWorker)
			}
		}
		u := g.rng.Float64() * total
		for i, s := range g.sk {
			if picked[i] {
				continue
			}
			if w := s.weightFor(forWorker); u < w || i == len(g.sk)-1 {
				picked[i] = true
				out = append(out, s.name)
				break
			} else {
				u -= w
			}
		}
	}
	return g.intern(append(out, extra...))
}

func (s skill) weightFor(worker bool) float64 {
	if worker {
		return s.worker
	}
	return s.task
}

// intern returns a shared copy of list; it does not keep list itself.
func (g *generator) intern(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	if g.lists == nil {
		g.lists = make(map[string][]string)
	}
	var buf [128]byte
	key := buf[:0]
	for _, s := range list {
		key = append(append(key, s...), ';')
	}
	if l, ok := g.lists[string(key)]; ok {
		return l
	}
	l := slices.Clip(slices.Clone(list))
	g.lists[string(key)] = l
	return l
}

// pick returns an index drawn from cumulative-free weights.
func (g *generator) pick(weights ...float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	u := g.rng.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// between returns a uniform duration in [lo, hi], truncated to unit.
func (g *generator) between(lo, hi time.Duration, unit time.Duration) time.Duration {
	d := lo + time.Duration(g.rng.Int64N(int64(hi-lo)+1))
	return d.Truncate(unit)
}

// id formats prefix and i zero-padded to the width of n-1.
func id(prefix string, i, n int) string {
	var buf [32]byte
	b := append(buf[:0], prefix...)
	for range digits(max(n-1, 0)) - digits(i) {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(i), 10))
}

// digits returns the number of decimal digits of i ≥ 0.
func digits(i int) int {
	d := 1
	for ; i >= 10; i /= 10 {
		d++
	}
	return d
}

func (g *generator) workers() []paidan.Worker {
	if g.nw == 0 {
		return nil
	}
	ws := make([]paidan.Worker, g.nw)
	weights := make([]float64, g.nw)
	var sum float64
	for i := range ws {
		w := &ws[i]
		w.ID = paidan.WorkerID(id("W", i, g.nw))
		if g.rng.Float64() < 0.7 {
			w.Location.Lat, w.Location.Lon = g.near(2)
		} else {
			w.Location.Lat, w.Location.Lon = g.inDisk(CityRadiusKm + 2)
		}
		home := regionOf(w.Location.Lat, w.Location.Lon)
		floater := false
		switch g.pick(72, 25, 3) {
		case 0:
			w.Regions = g.intern([]string{home})
		case 1:
			others := slices.DeleteFunc(Regions(), func(r string) bool { return r == home })
			w.Regions = g.intern([]string{home, others[g.rng.IntN(len(others))]})
		default:
			floater = true // serves every region
		}
		var extra []string
		if !floater && g.rng.Float64() < 0.01 {
			extra = []string{skillMarine}
		}
		w.Skills = g.drawSkills(1+g.rng.IntN(4), true, extra...)

		switch g.pick(70, 12, 10, 8) {
		case 0: // on now
			w.ShiftStart = g.asOf.Add(-g.between(0, 4*time.Hour, time.Minute))
			w.ShiftEnd = g.asOf.Add(g.between(2*time.Hour, 8*time.Hour, time.Minute))
		case 1: // starts later
			w.ShiftStart = g.asOf.Add(g.between(30*time.Minute, 3*time.Hour, time.Minute))
			w.ShiftEnd = w.ShiftStart.Add(8 * time.Hour)
		case 2: // ends soon
			w.ShiftStart = g.asOf.Add(-6 * time.Hour)
			w.ShiftEnd = g.asOf.Add(g.between(5*time.Minute, 40*time.Minute, time.Minute))
		}
		if g.rng.Float64() < 0.25 {
			w.MaxDistanceKm = 8 + float64(g.rng.IntN(35))/2
		}
		if g.rng.Float64() < 0.4 {
			w.Load = 1 + g.rng.IntN(3)
		}
		weights[i] = 0.5 + g.rng.Float64()
		sum += weights[i]
	}
	// Remaining capacity: 1.05–1.3 times the tasks, split by weight.
	target := int(math.Ceil(float64(g.nt) * (1.05 + 0.25*g.rng.Float64())))
	given := 0
	for i := range ws {
		r := int(float64(target) * weights[i] / sum)
		ws[i].Capacity = r
		given += r
	}
	for i := 0; given < target && len(ws) > 0; i = (i + 1) % len(ws) {
		ws[i].Capacity++
		given++
	}
	for i := range ws {
		ws[i].Capacity = min(ws[i].Capacity+ws[i].Load, file.MaxCapacity)
	}
	return ws
}

// Kinds of hard task, one in turn on every 50th task.
const (
	hardNoSkill = iota
	hardNoRegion
	hardOutOfRange
	hardOverdue
	hardKinds
)

func (g *generator) tasks() []paidan.Task {
	if g.nt == 0 {
		return nil
	}
	ts := make([]paidan.Task, g.nt)
	for i := range ts {
		t := &ts[i]
		t.ID = paidan.TaskID(id("T", i, g.nt))
		if g.rng.Float64() < 0.8 {
			t.Location.Lat, t.Location.Lon = g.near(1)
		} else {
			t.Location.Lat, t.Location.Lon = g.inDisk(CityRadiusKm)
		}
		t.Region = regionOf(t.Location.Lat, t.Location.Lon)
		t.Skills = g.drawSkills(g.pick(45, 40, 15), false)
		t.Priority = g.pick(50, 30, 15, 5)
		age := min(time.Duration(g.rng.ExpFloat64()*float64(90*time.Minute)), 12*time.Hour)
		t.CreatedAt = g.asOf.Add(-age).Truncate(time.Second)
		if g.rng.Float64() < 0.3 {
			due := t.CreatedAt.Add(g.between(time.Hour, 6*time.Hour, time.Minute))
			t.DueAt = maxTime(due, g.asOf.Add(g.between(20*time.Minute, 4*time.Hour, time.Minute)))
		}
		switch u := g.rng.Float64(); {
		case u < 0.005 && g.nw > 0:
			t.PinnedWorker = paidan.WorkerID(id("W", g.rng.IntN(g.nw), g.nw))
		case u < 0.035 && g.nw > 0:
			// A fifth of previous workers are off today: ids past the last worker.
			t.PreviousWorker = paidan.WorkerID(id("W", g.rng.IntN(g.nw+g.nw/4+1), g.nw))
		}
		if i%50 == 7 {
			g.harden(t, i/50%hardKinds)
		}
	}
	// The newest task arrives at AsOf, so a dataset file, which does not
	// store AsOf, loads back with the same planning instant.
	ts[0].CreatedAt = g.asOf
	return ts
}

// harden makes t impossible to assign in the given way.
func (g *generator) harden(t *paidan.Task, kind int) {
	switch kind {
	case hardNoSkill:
		t.Skills = g.intern([]string{skillCrane})
	case hardNoRegion:
		// The port, 35 km east-south-east: only marine workers could go, and
		// none of them serves the port.
		t.Location.Lat, t.Location.Lon = offset(CentreLat, CentreLon, 33+2*g.rng.Float64(), -12+2*g.rng.Float64())
		t.Region = PortRegion
		t.Skills = g.intern([]string{skillMarine})
	case hardOutOfRange:
		d := 60 + 20*g.rng.Float64()
		a := 2 * math.Pi * g.rng.Float64()
		t.Location.Lat, t.Location.Lon = offset(CentreLat, CentreLon, d*math.Sin(a), d*math.Cos(a))
		t.Region = regionOf(t.Location.Lat, t.Location.Lon)
	case hardOverdue:
		t.DueAt = g.asOf.Add(-5 * time.Minute)
		if !t.CreatedAt.Before(t.DueAt) {
			t.CreatedAt = t.DueAt.Add(-time.Hour)
		}
	}
	t.PinnedWorker = ""
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
