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

func haversine(a, b geo) float64 {
	sLat := math.Sin((b.lat - a.lat) / 2)
	sLon := math.Sin((b.lon - a.lon) / 2)
	h := sLat*sLat + a.cosLat*b.cosLat*sLon*sLon
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
// A kdTree is read-only after construction and safe for concurrent searches.
type kdTree struct {
	pts   []vec3  // points, reordered so that every node covers a range
	ids   []int32 // ids[i] is the caller's index of pts[i]
	nodes []kdNode
}

type kdNode struct {
	lo, hi      vec3  // bounding box of the node's points
	start, end  int32 // the node's range in pts
	left, right int32 // children; left < 0 for a leaf
}

const kdLeafSize = 8

// newKDTree builds a tree over pts[i] for each i in ids; ids gives the
// caller's indices, and is taken over.
func newKDTree(all []vec3, ids []int32) *kdTree {
	t := &kdTree{pts: make([]vec3, len(ids)), ids: ids}
	if len(ids) > 0 {
		t.build(all, 0, int32(len(ids)))
	}
	for i, id := range t.ids {
		t.pts[i] = all[id]
	}
	return t
}

func (t *kdTree) build(all []vec3, start, end int32) int32 {
	n := kdNode{start: start, end: end, left: -1, right: -1}
	n.lo, n.hi = all[t.ids[start]], all[t.ids[start]]
	for _, id := range t.ids[start:end] {
		for k := range 3 {
			n.lo[k] = min(n.lo[k], all[id][k])
			n.hi[k] = max(n.hi[k], all[id][k])
		}
	}
	self := int32(len(t.nodes))
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
	left := t.build(all, start, mid)
	right := t.build(all, mid, end)
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

// neighbour is a search hit: a caller's index and its squared chord.
type neighbour struct {
	id int32
	d2 float64
}

func (a neighbour) less(b neighbour) bool {
	return a.d2 < b.d2 || (a.d2 == b.d2 && a.id < b.id)
}

// nearest appends to buf (which it reuses) the k points nearest to q within
// chord distance radius for which accept returns true, nearest first (ties by
// index). accept is called only on points within the search bound.
func (t *kdTree) nearest(q vec3, radius float64, k int, accept func(id int32) bool, buf []neighbour) []neighbour {
	h := buf[:0]
	if len(t.nodes) == 0 || k <= 0 {
		return h
	}
	r2 := radius * radius
	var visit func(ni int32)
	visit = func(ni int32) {
		n := &t.nodes[ni]
		bound := r2
		if len(h) == k {
			bound = h[0].d2
		}
		if n.boxDist2(q) > bound {
			return
		}
		if n.left < 0 {
			for i := n.start; i < n.end; i++ {
				c := neighbour{t.ids[i], dist2(q, t.pts[i])}
				if c.d2 > r2 || (len(h) == k && !c.less(h[0])) || !accept(c.id) {
					continue
				}
				if len(h) < k {
					h = append(h, c)
					siftUp(h, len(h)-1)
				} else {
					h[0] = c
					siftDown(h, 0)
				}
			}
			return
		}
		a, b := n.left, n.right
		if t.nodes[b].boxDist2(q) < t.nodes[a].boxDist2(q) {
			a, b = b, a
		}
		visit(a)
		visit(b)
	}
	visit(0)
	slices.SortFunc(h, func(a, b neighbour) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	return h
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

// within calls fn for every point within chord distance radius of q, in
// tree order, until fn returns false.
func (t *kdTree) within(q vec3, radius float64, fn func(id int32) bool) {
	if len(t.nodes) == 0 {
		return
	}
	r2 := radius * radius
	var visit func(ni int32) bool
	visit = func(ni int32) bool {
		n := &t.nodes[ni]
		if n.boxDist2(q) > r2 {
			return true
		}
		if n.left < 0 {
			for i := n.start; i < n.end; i++ {
				if dist2(q, t.pts[i]) <= r2 && !fn(t.ids[i]) {
					return false
				}
			}
			return true
		}
		return visit(n.left) && visit(n.right)
	}
	visit(0)
}
