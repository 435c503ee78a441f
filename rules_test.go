package paidan_test

import (
	"errors"
	"math"
	"testing"

	"github.com/paidan/paidan"
)

// TestRulesValidateRanges checks the accepted range of every rule value,
// as the README's rules table states it, at and just beyond each bound.
func TestRulesValidateRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*paidan.Rules)
		want error // nil: accepted
	}{
		{"defaults", func(*paidan.Rules) {}, nil},
		{"resolution 1e-9", func(r *paidan.Rules) { r.Resolution = 1e-9 }, nil},
		{"resolution below 1e-9", func(r *paidan.Rules) { r.Resolution = 9.99e-10 }, paidan.ErrOutOfRange},
		{"resolution 0", func(r *paidan.Rules) { r.Resolution = 0 }, paidan.ErrOutOfRange},
		{"resolution 1e300", func(r *paidan.Rules) { r.Resolution = 1e300 }, nil},
		{"resolution infinite", func(r *paidan.Rules) { r.Resolution = math.Inf(1) }, paidan.ErrNotFinite},
		{"speed 1e-9", func(r *paidan.Rules) { r.SpeedKmh = 1e-9 }, nil},
		{"speed below 1e-9", func(r *paidan.Rules) { r.SpeedKmh = 5e-10 }, paidan.ErrOutOfRange},
		{"candidates 1", func(r *paidan.Rules) { r.CandidatesPerTask = 1 }, nil},
		{"candidates 0", func(r *paidan.Rules) { r.CandidatesPerTask = 0 }, paidan.ErrOutOfRange},
		{"max distance 0 (none)", func(r *paidan.Rules) { r.MaxDistanceKm = 0 }, nil},
		{"max distance negative", func(r *paidan.Rules) { r.MaxDistanceKm = -0.001 }, paidan.ErrOutOfRange},
		{"travel cost 0", func(r *paidan.Rules) { r.TravelCostPerKm = 0 }, nil},
		{"travel cost negative", func(r *paidan.Rules) { r.TravelCostPerKm = -1 }, paidan.ErrOutOfRange},
		{"base negative", func(r *paidan.Rules) { r.Unassigned.Base = -1 }, paidan.ErrOutOfRange},
		{"per priority negative", func(r *paidan.Rules) { r.Unassigned.PerPriority = -1 }, paidan.ErrOutOfRange},
		{"per waiting hour NaN", func(r *paidan.Rules) { r.Unassigned.PerWaitingHour = math.NaN() }, paidan.ErrNotFinite},
		{"max waiting 0 (no cap)", func(r *paidan.Rules) { r.Unassigned.MaxWaitingHours = 0 }, nil},
		{"max waiting negative", func(r *paidan.Rules) { r.Unassigned.MaxWaitingHours = -1 }, paidan.ErrOutOfRange},
		{"stability negative", func(r *paidan.Rules) { r.StabilityPenalty = -1 }, paidan.ErrOutOfRange},
		{"no tiers", func(r *paidan.Rules) { r.Balance = nil }, nil},
		{"tier above 0", func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 0, CostPerTask: 1}} }, nil},
		{"tier above 1", func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 1, CostPerTask: 1}} }, paidan.ErrOutOfRange},
		{"tier above negative", func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: -0.1, CostPerTask: 1}} }, paidan.ErrOutOfRange},
		{"tier cost negative", func(r *paidan.Rules) { r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: -1}} }, paidan.ErrOutOfRange},
		{"tiers with equal above", func(r *paidan.Rules) {
			r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 1}, {Above: 0.5, CostPerTask: 2}}
		}, paidan.ErrOutOfRange},
		{"tiers with equal cost", func(r *paidan.Rules) {
			r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 2}, {Above: 0.6, CostPerTask: 2}}
		}, nil},
		{"tiers falling in cost", func(r *paidan.Rules) {
			r.Balance = []paidan.BalanceTier{{Above: 0.5, CostPerTask: 2}, {Above: 0.6, CostPerTask: 1}}
		}, paidan.ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := paidan.DefaultRules()
			tt.edit(&r)
			err := r.Validate()
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Validate() = %v; want %v", err, tt.want)
			}
		})
	}
}

// TestExactValue checks that a rule number's exact value is the decimal
// that reads back as it.
func TestExactValue(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{
		0.001: "1/1000", 1.0005: "2001/2000", 0.29: "29/100", 1e-9: "1/1000000000",
		1e22: "10000000000000000000000/1", 0: "0/1", 2.5: "5/2", 123456789012345: "123456789012345/1",
	} {
		if got := paidan.ExactValue(v).String(); got != want {
			t.Errorf("ExactValue(%v) = %s; want %s", v, got, want)
		}
	}
}
