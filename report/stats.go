package report

import (
	"math"
	"slices"
	"time"
)

// Quantile returns the p-quantile (0 ≤ p ≤ 1) of sorted by linear
// interpolation between closest ranks, as PostgreSQL's percentile_cont
// does; NaN for no values.
func Quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	r := p * float64(len(sorted)-1)
	lo := int(math.Floor(r))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (r-float64(lo))*(sorted[hi]-sorted[lo])
}

// Gini returns the Gini coefficient of the non-negative values: 0 when all
// are equal, approaching 1 when one holds everything; 0 for no values or a
// zero sum. G = Σ_i Σ_j |x_i − x_j| / (2 n² mean), computed over the sorted
// values as (2 Σ_i i·x_(i)) / (n Σ x) − (n+1)/n with i from 1.
func Gini(values []float64) float64 {
	x := slices.Clone(values)
	slices.Sort(x)
	var sum, weighted float64
	for i, v := range x {
		sum += v
		weighted += float64(i+1) * v
	}
	n := float64(len(x))
	if n == 0 || sum == 0 {
		return 0
	}
	return 2*weighted/(n*sum) - (n+1)/n
}

// NiceCeil rounds v > 0 up to 1, 2 or 5 times a power of ten; 1 for v ≤ 0.
func NiceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// PeriodStart returns the start of the period holding t, in UTC: midnight,
// the Monday of its ISO week, or the first of its month.
func PeriodStart(t time.Time, p Period) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch p {
	case Week:
		wd := (int(d.Weekday()) + 6) % 7 // Monday 0
		return d.AddDate(0, 0, -wd)
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}
