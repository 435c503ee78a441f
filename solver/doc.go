// Package solver holds paidan's exact optimization algorithms on integer
// costs: dense rectangular linear assignment, sparse min-cost flow, and the
// dispatch network (unit-demand tasks, capacitated workers with convex load
// tiers, optional leave-unassigned arcs, pinned pairs).
//
// Every solve returns a primal solution together with dual potentials, and
// the Verify functions prove optimality from them in time linear in the
// number of arcs: primal feasibility, capacity bounds and complementary
// slackness (no residual arc of negative reduced cost), all on int64.
//
// The package is pure computation. It knows nothing of tasks, SQL or files;
// package model builds its inputs from a paidan.Batch and reads its results
// back into a paidan.Plan.
package solver
