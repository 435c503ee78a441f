package solver

import (
	"errors"
	"time"
)

// Errors returned by the solvers, wrapped with detail. Check them with
// errors.Is.
var (
	// ErrInfeasible means no solution satisfies the constraints; the
	// wrapping message says which side is short.
	ErrInfeasible = errors.New("solver: infeasible")
	// ErrOverflow means a cost, capacity or their sums could exceed int64;
	// it is detected before solving.
	ErrOverflow = errors.New("solver: value overflows int64")
	// ErrInvalid means the problem is malformed (an arc to a missing node,
	// a negative capacity, unbalanced supplies, ...).
	ErrInvalid = errors.New("solver: invalid problem")
	// ErrUnbounded means the objective has no lower bound: a cycle of
	// negative cost runs over arcs of infinite capacity.
	ErrUnbounded = errors.New("solver: unbounded")
	// ErrNotOptimal is returned by the Verify functions when the
	// certificate does not hold; the message names the arc or node.
	ErrNotOptimal = errors.New("solver: certificate violated")
)

// Stats describes one solve.
type Stats struct {
	Algorithm  string        // e.g. "jv-lap", "ssp-dispatch", "network-simplex"
	Nodes      int           // nodes of the network solved
	Arcs       int           // arcs of the network solved
	Iterations int64         // augmentations or pivots; algorithm-specific
	Duration   time.Duration // wall time of the solve, excluding validation
}
