package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestChordAtMost checks that the bound pricing uses instead of chordFor
// is never below it, from millimetres to half the Earth, and above it by
// no more than the difference between an arc and its chord.
func TestChordAtMost(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 200_000 {
		d := math.Pow(10, -6+rng.Float64()*10.3) // 1 mm to ~20 000 km
		if i < 3 {
			d = []float64{0, 1e-12, math.Pi*EarthRadiusKm - 1}[i]
		}
		lo, hi := chordFor(d), chordAtMost(d)
		if hi < lo {
			t.Fatalf("chordAtMost(%v) = %v < chordFor = %v", d, hi, lo)
		}
		if over := d * d * d / (24 * EarthRadiusKm * EarthRadiusKm); d <= 1000 && hi-lo > over*1.001+2e-9*d+1e-8 {
			t.Fatalf("chordAtMost(%v) = %v exceeds chordFor = %v by more than d³/24R² = %v", d, hi, lo, over)
		}
	}
	if !math.IsInf(chordAtMost(math.Inf(1)), 1) || !math.IsInf(chordAtMost(math.Pi*EarthRadiusKm), 1) {
		t.Error("chordAtMost of +Inf or half the circumference is not +Inf")
	}
}
