package model

import (
	"cmp"
	"math"
	"slices"

	"github.com/paidan/paidan"
)

// EarthRadiusKm is the mean Earth radius (IUGG) used for every distance.
const EarthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance between a and b in
// kilometres, by the haversine formula on a sphere of radius EarthRadiusKm
// (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984).
func DistanceKm(a, b paidan.Point) float64 {
	return haversine(geoOf(a), geoOf(b))
}

// geo is a point prepared for repeated distance computations.
type geo struct {
	lat, lon float64 // radians
	cosLat   float64
	v        vec3 // position on the sphere of radius EarthRadiusKm, in km
}

func geoOf(p paidan.Point) geo {
	lat, lon := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	c := math.Cos(lat)
	return geo{
		lat: lat, lon: lon, cosLat: c,
		v: vec3{EarthRadiusKm * c * math.Cos(lon), EarthRadiusKm * c * math.Sin(lon), EarthRadiusKm * math.Sin(lat)},
	}
}

// haversine is the distance in km between a and b, computed exactly as
// the README's cost model states, operation by operation: the float64()
// conversions forbid the compiler to fuse a multiplication and an addition
// (which the Go spec otherwise allows, e.g. on arm64), so the result is the
// same on every platform.
func haversine(a, b geo) float64 {
	sLat := math.Sin((b.lat - a.lat) / 2)
	sLon := math.Sin((b.lon - a.lon) / 2)
	h := float64(sLat*sLat) + float64(float64(float64(a.cosLat*b.cosLat)*sLon)*sLon)
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(min(h, 1)))
}

// chordFor returns the straight-line (chord) distance in km through the
// sphere between two points d km apart on its surface, enlarged by a
// relative margin so that float rounding never prunes a point the exact
// haversine test would accept. It is +Inf for d = +Inf.
func chordFor(d float64) float64 {
	if math.IsInf(d, 1) || d >= math.Pi*EarthRadiusKm {
		return math.Inf(1)
	}
	return 2*EarthRadiusKm*math.Sin(d/(2*EarthRadiusKm))*(1+1e-9) + 1e-9
}

// chordBound bounds from above, without trigonometry, the chord of the
// distance that x units of some measure cover at a fixed number of km
// per unit: of(x) is at least chordFor(x·kmPerUnit) below half the
// circumference, and at least the Earth's diameter, the longest chord,
// beyond it. A chord is never longer than its arc, so the distance with
// chordFor's margin bounds it; it exceeds chordFor by about d³/(24·R²)
// for d km: 1 mm at 10 km, 12 cm at 50 km, so a radius from it reaches
// hardly a point more.
type chordBound float64

// newChordBound returns the chordBound of kmPerUnit km per unit.
func newChordBound(kmPerUnit float64) chordBound { return chordBound(kmPerUnit * (1 + 2e-9)) }

// of returns the bound for x units.
func (b chordBound) of(x float64) float64 { return x*float64(b) + 1e-9 }

// vec3 is a point in kilometres in Earth-centred Cartesian coordinates.
type vec3 [3]float64

func dist2(a, b vec3) float64 {
	x, y, z := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return x*x + y*y + z*z
}

// kdTree is a static k-d tree over points on the sphere in Cartesian
// coordinates (J. L. Bentley, "Multidimensional binary search trees used for
// associative searching", CACM 18(9), 1975). The straight-line distance
// between two points on a sphere grows strictly with their great-circle
// distance, so nearest neighbours by chord are nearest neighbours on the
// Earth, with no special cases at the poles or the antimeridian.
//
// Each node also holds the union of its points' skill sets, so that a
// search for a task skips subtrees where no worker has all of its skills.
//
// A kdTree is read-only after construction and safe for concurrent searches.
type kdTree struct {
	pts    []vec3  // points, reordered so that every node covers a range
	ids    []int32 // ids[i] is the caller's index of pts[i]
	nodes  []kdNode
	words  int      // skill words per node
	skills []uint64 // node n's skill union is skills[n*words:][:words]
}

type kdNode struct {
	lo, hi      vec3  // bounding box of the node's points
	start, end  int32 // the node's range in pts
	left, right int32 // children; left < 0 for a leaf
}

const kdLeafSize = 8

// newKDTree builds a tree over all[i] for each i in ids (which it takes
// over); skills holds each caller index's skill set in words words.
func newKDTree(all []vec3, ids []int32, skills []uint64, words int) *kdTree {
	t := &kdTree{pts: make([]vec3, len(ids)), ids: ids, words: words}
	if len(ids) > 0 {
		t.build(all, skills, 0, int32(len(ids)))
	}
	for i, id := range t.ids {
		t.pts[i] = all[id]
	}
	return t
}

func (t *kdTree) build(all []vec3, skills []uint64, start, end int32) int32 {
	n := kdNode{start: start, end: end, left: -1, right: -1}
	n.lo, n.hi = all[t.ids[start]], all[t.ids[start]]
	self := int32(len(t.nodes))
	t.skills = append(t.skills, make([]uint64, t.words)...)
	for _, id := range t.ids[start:end] {
		for k := range 3 {
			n.lo[k] = min(n.lo[k], all[id][k])
			n.hi[k] = max(n.hi[k], all[id][k])
		}
		for w := range t.words {
			t.skills[int(self)*t.words+w] |= skills[int(id)*t.words+w]
		}
	}
	t.nodes = append(t.nodes, n)
	if end-start <= kdLeafSize {
		return self
	}
	axis := 0
	for k := 1; k < 3; k++ {
		if n.hi[k]-n.lo[k] > n.hi[axis]-n.lo[axis] {
			axis = k
		}
	}
	slices.SortFunc(t.ids[start:end], func(a, b int32) int {
		return cmp.Or(cmp.Compare(all[a][axis], all[b][axis]), cmp.Compare(a, b))
	})
	mid := start + (end-start)/2
	left := t.build(all, skills, start, mid)
	right := t.build(all, skills, mid, end)
	t.nodes[self].left, t.nodes[self].right = left, right
	return self
}

// boxDist2 returns the squared distance from q to the node's bounding box.
func (n *kdNode) boxDist2(q vec3) float64 {
	var s float64
	for k := range 3 {
		d := max(n.lo[k]-q[k], q[k]-n.hi[k], 0)
		s += d * d
	}
	return s
}

// hasSkills reports whether some point under node ni may have every skill
// in need.
func (t *kdTree) hasSkills(ni int32, need []uint64) bool {
	u := t.skills[int(ni)*t.words:][:t.words]
	for i, s := range need {
		if s&^u[i] != 0 {
			return false
		}
	}
	return true
}

// neighbour is a search hit: a caller's index and its squared chord.
type neighbour struct {
	id int32
	d2 float64
}

func (a neighbour) less(b neighbour) bool {
	return a.d2 < b.d2 || (a.d2 == b.d2 && a.id < b.id)
}

// knn is one k-nearest-neighbours search, which may run over several trees:
// it keeps the k nearest accepted points within radius of q among the
// points of every tree searched.
type knn struct {
	q      vec3
	need   []uint64 // skills every accepted point must have
	r2     float64  // squared search radius
	k      int
	accept func(id int32) bool // called only on points that could be kept
	h      []neighbour         // max-heap under neighbour.less
}

func (s *knn) search(t *kdTree) {
	if t != nil && len(t.nodes) > 0 && s.k > 0 {
		s.visit(t, 0, t.nodes[0].boxDist2(s.q))
	}
}

// visit searches node ni, whose box lies at squared distance box from q.
func (s *knn) visit(t *kdTree, ni int32, box float64) {
	n := &t.nodes[ni]
	bound := s.r2
	if len(s.h) == s.k {
		bound = s.h[0].d2
	}
	if box > bound || !t.hasSkills(ni, s.need) {
		return
	}
	if n.left < 0 {
		for i := n.start; i < n.end; i++ {
			c := neighbour{t.ids[i], dist2(s.q, t.pts[i])}
			if c.d2 > s.r2 || (len(s.h) == s.k && !c.less(s.h[0])) || !s.accept(c.id) {
				continue
			}
			if len(s.h) < s.k {
				s.h = append(s.h, c)
				siftUp(s.h, len(s.h)-1)
			} else {
				s.h[0] = c
				siftDown(s.h, 0)
			}
		}
		return
	}
	a, b := n.left, n.right
	da, db := t.nodes[a].boxDist2(s.q), t.nodes[b].boxDist2(s.q)
	if db < da {
		a, b, da, db = b, a, db, da
	}
	s.visit(t, a, da)
	s.visit(t, b, db)
}

// result returns the points kept, nearest first (ties by index).
func (s *knn) result() []neighbour {
	slices.SortFunc(s.h, func(a, b neighbour) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	return s.h
}

// siftUp and siftDown maintain h as a max-heap under neighbour.less.
func siftUp(h []neighbour, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].less(h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func siftDown(h []neighbour, i int) {
	for {
		l, big := 2*i+1, i
		if l < len(h) && h[big].less(h[l]) {
			big = l
		}
		if r := l + 1; r < len(h) && h[big].less(h[r]) {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// within calls fn for every point within chord distance radius of q that
// may have the skills in need, in tree order.
func (t *kdTree) within(q vec3, need []uint64, radius float64, fn func(id int32)) {
	if t == nil || len(t.nodes) == 0 {
		return
	}
	r2 := radius * radius
	var visit func(ni int32)
	visit = func(ni int32) {
		n := &t.nodes[ni]
		if n.boxDist2(q) > r2 || !t.hasSkills(ni, need) {
			return
		}
		if n.left < 0 {
			for i := n.start; i < n.end; i++ {
				if dist2(q, t.pts[i]) <= r2 {
					fn(t.ids[i])
				}
			}
			return
		}
		visit(n.left)
		visit(n.right)
	}
	visit(0)
}

// workerIndex finds workers near a task among those that serve its region:
// one k-d tree per region over the workers that list it, and one over the
// workers that serve every region. A search covers the task's region tree
// and the every-region tree, so it never looks at a worker of another
// region, and memory stays linear in the workers' region lists.
type workerIndex struct {
	any      *kdTree   // workers with no region list
	byRegion []*kdTree // indexed by region id; nil when no worker lists it
}

// newWorkerIndex indexes the workers for which keep returns true.
func (in *instance) newWorkerIndex(keep func(w int) bool) *workerIndex {
	var anyIDs []int32
	lists := make([][]int32, len(in.regions))
	for w := range in.workers {
		if !keep(w) {
			continue
		}
		if in.workers[w].regions == nil {
			anyIDs = append(anyIDs, int32(w))
		}
		for _, r := range in.workers[w].regions {
			lists[r] = append(lists[r], int32(w))
		}
	}
	x := &workerIndex{any: newKDTree(in.pos, anyIDs, in.workSkills, in.skillWords), byRegion: make([]*kdTree, len(in.regions))}
	for r, ids := range lists {
		if len(ids) > 0 {
			x.byRegion[r] = newKDTree(in.pos, ids, in.workSkills, in.skillWords)
		}
	}
	return x
}

// nearest returns up to k workers nearest to task ti within chord radius
// that serve its region, have its skills and are accepted, nearest first
// (ties by worker order). It reuses buf.
func (x *workerIndex) nearest(in *instance, ti int, radius float64, k int, accept func(w int32) bool, buf []neighbour) []neighbour {
	s := knn{q: in.tasks[ti].v, need: in.skillsOf(ti), r2: radius * radius, k: k, accept: accept, h: buf[:0]}
	s.search(x.byRegion[in.tasks[ti].region])
	s.search(x.any)
	return s.result()
}

// within calls fn for every worker within chord radius of task ti that
// serves its region and may have its skills.
func (x *workerIndex) within(in *instance, ti int, radius float64, fn func(w int32)) {
	t := &in.tasks[ti]
	x.byRegion[t.region].within(t.v, in.skillsOf(ti), radius, fn)
	x.any.within(t.v, in.skillsOf(ti), radius, fn)
}
