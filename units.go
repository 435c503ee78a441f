package paidan

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ExactValue returns the exact value of a rule number v as a rational: the
// shortest decimal that reads back as v (strconv.FormatFloat with
// precision -1), which is the decimal written in the rules file whenever it
// has at most 15 significant digits (the rules loader refuses a number it
// cannot keep exactly). It panics on NaN or an infinity, which
// Rules.Validate rejects.
//
// Every rational cost component of a plan is computed from these values
// with exact arithmetic; see the README's "Cost model".
func ExactValue(v float64) *big.Rat {
	mant, scale := decimalOf(v)
	r := new(big.Rat).SetInt64(mant)
	if scale > 0 {
		return r.Quo(r, new(big.Rat).SetInt(pow10(scale)))
	}
	return r.Mul(r, new(big.Rat).SetInt(pow10(-scale)))
}

// decimalOf returns v as mant × 10^-scale, with mant the at most 17 digits
// of the shortest decimal that reads back as v.
func decimalOf(v float64) (mant int64, scale int) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic("paidan: exact value of a non-finite number")
	}
	if v == 0 {
		return 0, 0
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // "-d.ddde±xx"
	digits, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	mant, _ = strconv.ParseInt(whole+frac, 10, 64) // at most 17 digits
	if neg {
		mant = -mant
	}
	return mant, len(frac) - e
}

// pow10 returns 10^n for n ≥ 0.
func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// exactPow10 holds the powers of ten a float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// UnitsValue returns units integer multiples of resolution in cost units:
// the float64 nearest to units × ExactValue(resolution). So 4895 units of
// 0.001 are 4.895, never 4.8950000000000005 (what float64 multiplication
// gives). resolution must be finite.
func UnitsValue(units int64, resolution float64) float64 {
	mant, scale := decimalOf(resolution)
	const exact = 1 << 53
	if units > -exact && units < exact && mant != 0 && mant > -exact && mant < exact {
		if p := units * mant; p/mant == units && p > -exact && p < exact {
			// Both operands are exact floats, so one IEEE operation rounds
			// the exact quotient or product to the nearest float64.
			switch {
			case scale >= 0 && scale < len(exactPow10):
				return float64(p) / exactPow10[scale]
			case scale < 0 && -scale < len(exactPow10):
				return float64(p) * exactPow10[-scale]
			}
		}
	}
	f, _ := new(big.Rat).Mul(new(big.Rat).SetInt64(units), ExactValue(resolution)).Float64()
	return f
}
