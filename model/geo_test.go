package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestChordBound checks that the bound pricing uses instead of chordFor
// is never below it, from millimetres to half the Earth, whatever the km
// per unit, never below the Earth's diameter beyond, and above chordFor
// by no more than the difference between an arc and its chord.
func TestChordBound(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 200_000 {
		kmPerUnit := 1.0
		if i%2 == 1 {
			kmPerUnit = math.Pow(10, -4+rng.Float64()*8)
		}
		d := math.Pow(10, -6+rng.Float64()*10.3) // 1 mm to ~20 000 km
		if i < 3 {
			d = []float64{0, 1e-12, math.Pi*EarthRadiusKm - 1}[i]
		}
		x := d / kmPerUnit
		lo, hi := chordFor(x*kmPerUnit), newChordBound(kmPerUnit).of(x)
		if math.IsInf(lo, 1) {
			lo = 2 * EarthRadiusKm
		}
		if hi < lo {
			t.Fatalf("chordBound(%v).of(%v) = %v < chordFor = %v", kmPerUnit, x, hi, lo)
		}
		if over := d * d * d / (24 * EarthRadiusKm * EarthRadiusKm); d <= 1000 && hi-lo > over*1.001+2e-9*d+1e-8 {
			t.Fatalf("chordBound(%v).of(%v) = %v exceeds chordFor = %v by more than d³/24R² = %v", kmPerUnit, x, hi, lo, over)
		}
	}
}
