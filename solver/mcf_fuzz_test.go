package solver_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paidan/paidan/solver"
)

// FuzzSolveMCF decodes bytes into a small network, with occasional huge
// or extreme values, and checks that SolveMCF and SolveMCFCostScaling
// never panic, that every flow they return passes Verify, that every
// error is one of the documented kinds, and that when both solve, their
// objectives agree.
func FuzzSolveMCF(f *testing.F) {
	f.Add([]byte{3, 10, 0xf6, 0, 1, 0, 5, 3, 1, 2, 0, 5, 3})
	f.Add([]byte{2, 0, 0, 0, 1, 0, 255, 0x80, 1, 0, 0, 255, 0})
	f.Add([]byte{4, 1, 2, 3, 0, 1, 2, 9, 7, 3, 3, 1, 4, 0xfe, 2, 0, 0, 254, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		nodes := int(data[0]%8) + 1
		data = data[1:]
		n := solver.NewNetwork(nodes)
		var sum int64
		for v := 0; v < nodes-1 && len(data) > 0; v++ {
			n.Supply[v] = int64(int8(data[0]))
			sum += n.Supply[v]
			data = data[1:]
		}
		n.Supply[nodes-1] = -sum
		for len(data) >= 5 {
			t, h := int(data[0])%nodes, int(data[1])%nodes
			lo, up, cost := int64(data[2]%4), int64(data[3]), int64(int8(data[4]))
			switch data[3] {
			case 255:
				up = solver.Infinite
			case 254:
				up = math.MaxInt64 - 1
			default:
				up += lo
			}
			switch data[4] {
			case 0x7f:
				cost = math.MaxInt64 / 16
			case 0x80:
				cost = math.MinInt64
			}
			n.AddArc(t, h, lo, up, cost)
			data = data[5:]
		}
		flow, err := solver.SolveMCF(context.Background(), n)
		checkFuzzed(t, "SolveMCF", n, flow, err)
		cs, csErr := solver.SolveMCFCostScaling(context.Background(), n)
		checkFuzzed(t, "SolveMCFCostScaling", n, cs, csErr)
		if err == nil && csErr == nil && cs.Objective != flow.Objective {
			t.Fatalf("objectives differ: network simplex %d, cost scaling %d", flow.Objective, cs.Objective)
		}
	})
}

// checkFuzzed fails the test unless err is one of the documented kinds or
// flow passes Verify.
func checkFuzzed(t *testing.T, op string, n *solver.Network, flow *solver.Flow, err error) {
	t.Helper()
	if err != nil {
		for _, kind := range []error{solver.ErrInfeasible, solver.ErrUnbounded, solver.ErrOverflow, solver.ErrInvalid} {
			if errors.Is(err, kind) {
				return
			}
		}
		t.Fatalf("%s: unexpected error %v", op, err)
	}
	if _, err := solver.Verify(n, flow); err != nil {
		t.Fatalf("%s: Verify: %v", op, err)
	}
}
