package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paidan/paidan"
)

// instance is a Batch under Rules prepared for fast eligibility checks:
// skills and regions interned, coordinates in radians and Cartesian,
// times in Unix nanoseconds, costs in integer units.
type instance struct {
	batch *paidan.Batch
	rules paidan.Rules
	cost  costModel

	asOf    int64 // Unix ns
	tasks   []taskInfo
	workers []workerInfo
	pos     []vec3       // worker positions, indexed like workers
	index   *workerIndex // every worker

	skillNames []string
	skillWords int
	taskSkills []uint64 // task t's skill set is taskSkills[t*skillWords:][:skillWords]
	workSkills []uint64 // likewise for workers
	regions    []string

	workerByID map[paidan.WorkerID]int32

	// searchChord bounds every candidate search: the chord of the longest
	// distance any worker may travel.
	searchChord float64
}

const noTime = math.MaxInt64 // a missing ShiftEnd or DueAt

type taskInfo struct {
	geo
	region   int32
	due      int64 // Unix ns; noTime when the task has no deadline
	penalty  int64 // unassigned penalty in units
	pinned   int32 // worker index; -1 none; -2 a worker not in the batch
	previous int32 // worker index; -1 none or not in the batch
	// hasPrevious: the task names a previous worker (in the batch or
	// not), so every other worker costs the stability penalty.
	hasPrevious bool
}

type workerInfo struct {
	geo
	regions    []int32 // sorted; nil serves every region
	limit      float64 // km; +Inf when there is no limit
	start, end int64   // earliest departure and latest arrival, Unix ns
	remaining  int
	tiers      tierBlocks
}

// newInstance validates the batch (paidan.Batch.Validate, the domain's
// one set of rules for input) and prepares it under rules, which must
// already be valid.
func newInstance(b *paidan.Batch, rules paidan.Rules) (*instance, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	cm, err := newCostModel(rules)
	if err != nil {
		return nil, err
	}
	in := &instance{
		batch: b, rules: rules, cost: cm,
		asOf:       b.AsOf.UnixNano(),
		tasks:      make([]taskInfo, len(b.Tasks)),
		workers:    make([]workerInfo, len(b.Workers)),
		pos:        make([]vec3, len(b.Workers)),
		workerByID: make(map[paidan.WorkerID]int32, len(b.Workers)),
	}
	skillID := map[string]int{}
	regionID := map[string]int32{}
	intern := func(name string) int32 {
		id, ok := regionID[name]
		if !ok {
			id = int32(len(in.regions))
			regionID[name] = id
			in.regions = append(in.regions, name)
		}
		return id
	}
	internSkills := func(skills []string) {
		for _, s := range skills {
			if _, ok := skillID[s]; !ok {
				skillID[s] = len(in.skillNames)
				in.skillNames = append(in.skillNames, s)
			}
		}
	}
	for i := range b.Workers {
		internSkills(b.Workers[i].Skills)
	}
	for i := range b.Tasks {
		internSkills(b.Tasks[i].Skills)
	}
	in.skillWords = (len(in.skillNames) + 63) / 64
	in.taskSkills = make([]uint64, len(b.Tasks)*in.skillWords)
	in.workSkills = make([]uint64, len(b.Workers)*in.skillWords)
	setSkills := func(set []uint64, skills []string) {
		for _, s := range skills {
			id := skillID[s]
			set[id/64] |= 1 << (id % 64)
		}
	}

	maxLimit := 0.0
	for i := range b.Workers {
		w := &b.Workers[i]
		wi := &in.workers[i]
		in.workerByID[w.ID] = int32(i)
		wi.geo = geoOf(w.Location)
		in.pos[i] = wi.v
		setSkills(in.workSkills[i*in.skillWords:][:in.skillWords], w.Skills)
		if len(w.Regions) > 0 {
			wi.regions = make([]int32, len(w.Regions))
			for j, r := range w.Regions {
				wi.regions[j] = intern(r)
			}
			slices.Sort(wi.regions)
			wi.regions = slices.Compact(wi.regions)
		}
		wi.limit = distanceLimit(rules.MaxDistanceKm, w.MaxDistanceKm)
		maxLimit = max(maxLimit, wi.limit)
		wi.start = max(in.asOf, unixOr(w.ShiftStart, in.asOf))
		wi.end = unixOr(w.ShiftEnd, noTime)
		wi.remaining = w.Remaining()
		wi.tiers = cm.tiers(w.Capacity, w.Load)
	}
	in.searchChord = chordFor(maxLimit)
	if len(b.Workers) == 0 {
		in.searchChord = 0
	}

	for i := range b.Tasks {
		t := &b.Tasks[i]
		ti := &in.tasks[i]
		ti.geo = geoOf(t.Location)
		ti.region = intern(t.Region)
		ti.due = unixOr(t.DueAt, noTime)
		setSkills(in.skillsOf(i), t.Skills)
		if ti.penalty, err = cm.penaltyOf(t, b.AsOf); err != nil {
			return nil, fmt.Errorf("task %s: %w", t.ID, err)
		}
		ti.pinned, ti.previous = -1, -1
		if t.PinnedWorker != "" {
			ti.pinned = -2
			if w, ok := in.workerByID[t.PinnedWorker]; ok {
				ti.pinned = w
			}
		}
		ti.hasPrevious = t.PreviousWorker != ""
		if w, ok := in.workerByID[t.PreviousWorker]; ok && t.PreviousWorker != "" {
			ti.previous = w
		}
	}
	if err := cm.checkTotal(in); err != nil {
		return nil, err
	}
	in.index = in.newWorkerIndex(func(int) bool { return true })
	return in, nil
}

// distanceLimit combines the rules' and a worker's distance limits, where
// zero means none, into one limit in km (+Inf for none).
func distanceLimit(rules, worker float64) float64 {
	l := math.Inf(1)
	if rules > 0 {
		l = rules
	}
	if worker > 0 {
		l = min(l, worker)
	}
	return l
}

// unixOr returns t in Unix ns, or def when t is zero.
func unixOr(t time.Time, def int64) int64 {
	if t.IsZero() {
		return def
	}
	return t.UnixNano()
}

// rule names a hard rule, in the order reasons are reported.
type rule uint8

const (
	ruleSkill rule = iota
	ruleRegion
	ruleRange
	ruleShift
	ruleCapacity
	numRules
)

// ruleMask is a set of rules.
type ruleMask uint8

const (
	allRules       ruleMask = 1<<numRules - 1
	allButCapacity ruleMask = allRules &^ (1 << ruleCapacity)
)

func (m ruleMask) has(r rule) bool { return m&(1<<r) != 0 }

// verdict is the outcome of checking a task-worker pair.
type verdict struct {
	failed  ruleMask // rules checked and broken
	distKm  float64  // km when computed (always when all); else NaN
	arrival int64    // Unix ns; set when shift was checked
	tooLate int64    // the bound the arrival broke (shift end or due time)
	byShift bool     // tooLate is the worker's shift end, not the task's due time
}

func (v verdict) ok() bool { return v.failed == 0 }

// check tests the rules in mask for task ti and worker wi. With all true it
// tests every rule and fills in the distance and arrival. With all false it
// stops at the first broken rule and skips the distance when the chord
// alone proves range and shift.
func (in *instance) check(ti, wi int, mask ruleMask, all bool) verdict {
	t, w := &in.tasks[ti], &in.workers[wi]
	v := verdict{distKm: math.NaN()}
	fail := func(r rule) bool {
		v.failed |= 1 << r
		return !all
	}
	if mask.has(ruleCapacity) && w.remaining <= 0 && fail(ruleCapacity) {
		return v
	}
	if mask.has(ruleSkill) && !in.hasSkills(ti, wi) && fail(ruleSkill) {
		return v
	}
	if mask.has(ruleRegion) && !w.serves(t.region) && fail(ruleRegion) {
		return v
	}
	if !mask.has(ruleRange) && !mask.has(ruleShift) {
		return v
	}
	if !all && mask.has(ruleShift) && (w.start > w.end || w.start > t.due) {
		v.failed |= 1 << ruleShift // too late at any distance
		return v
	}
	if !all && in.surelyInReach(t, w, mask) {
		return v
	}
	v.distKm = haversine(t.geo, w.geo)
	if mask.has(ruleRange) && v.distKm > w.limit && fail(ruleRange) {
		return v
	}
	if mask.has(ruleShift) {
		v.arrival = noTime
		if travel := math.Round(v.distKm / in.rules.SpeedKmh * float64(time.Hour)); travel < float64(noTime)-float64(w.start) {
			v.arrival = w.start + int64(travel)
		}
		switch {
		case v.arrival > w.end:
			v.tooLate, v.byShift = w.end, true
			fail(ruleShift)
		case v.arrival > t.due:
			v.tooLate = t.due
			fail(ruleShift)
		}
	}
	return v
}

// surelyInReach reports, from the chord c between the two points alone,
// that the range and shift rules in mask hold. The great-circle distance d
// = 2R·asin(c/2R) is at most c/√(1−(c/2R)²), since asin x ≤ x/√(1−x²);
// margins absorb float rounding, so it never accepts a pair the haversine
// test would reject. On false the caller computes the distance. The caller
// has checked that the worker starts before its shift ends and the task is
// due.
func (in *instance) surelyInReach(t *taskInfo, w *workerInfo, mask ruleMask) bool {
	c := math.Sqrt(dist2(t.v, w.v))
	x := c / (2 * EarthRadiusKm)
	if x > 0.5 {
		return false
	}
	up := c/math.Sqrt(1-x*x)*(1+1e-9) + 1e-9
	if mask.has(ruleRange) && up > w.limit*(1-1e-9) {
		return false
	}
	if bound := min(w.end, t.due); mask.has(ruleShift) && bound != noTime {
		travel := up / in.rules.SpeedKmh * float64(time.Hour)
		if travel+1 > float64(bound-w.start) {
			return false
		}
	}
	return true
}

func (w *workerInfo) serves(region int32) bool {
	if w.regions == nil {
		return true
	}
	_, ok := slices.BinarySearch(w.regions, region)
	return ok
}

// skillsOf returns task ti's skill set.
func (in *instance) skillsOf(ti int) []uint64 {
	return in.taskSkills[ti*in.skillWords:][:in.skillWords]
}

func (in *instance) hasSkills(ti, wi int) bool {
	ts := in.skillsOf(ti)
	ws := in.workSkills[wi*in.skillWords:][:in.skillWords]
	for i, s := range ts {
		if s&^ws[i] != 0 {
			return false
		}
	}
	return true
}

// missingSkills lists the task's skills that worker wi lacks, or, with
// wi < 0, that no worker has.
func (in *instance) missingSkills(ti, wi int) []string {
	var out []string
	ts := in.taskSkills[ti*in.skillWords:][:in.skillWords]
	for id, name := range in.skillNames {
		if ts[id/64]&(1<<(id%64)) == 0 {
			continue
		}
		has := false
		if wi >= 0 {
			has = in.workSkills[wi*in.skillWords+id/64]&(1<<(id%64)) != 0
		} else {
			for w := range in.workers {
				if in.workSkills[w*in.skillWords+id/64]&(1<<(id%64)) != 0 {
					has = true
					break
				}
			}
		}
		if !has {
			out = append(out, name)
		}
	}
	return out
}

// ruleDetail describes, for a planner, why worker wi broke rule r for task
// ti: "lacks forklift", "62.1 km > limit 50.0 km".
func (in *instance) ruleDetail(ti, wi int, r rule, v verdict) string {
	w := &in.batch.Workers[wi]
	switch r {
	case ruleSkill:
		return "lacks " + strings.Join(in.missingSkills(ti, wi), ", ")
	case ruleRegion:
		return fmt.Sprintf("serves %s, not %s", strings.Join(w.Regions, ", "), in.batch.Tasks[ti].Region)
	case ruleRange:
		return fmt.Sprintf("%.1f km > limit %.1f km", v.distKm, in.workers[wi].limit)
	case ruleShift:
		bound := "the task's due time"
		if v.byShift {
			bound = "its shift end"
		}
		return fmt.Sprintf("arrives %s, after %s %s", fmtTime(v.arrival), bound, fmtTime(v.tooLate))
	case ruleCapacity:
		return fmt.Sprintf("no capacity left (capacity %d, load %d)", w.Capacity, w.Load)
	}
	return ""
}

func fmtTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02 15:04 MST")
}
