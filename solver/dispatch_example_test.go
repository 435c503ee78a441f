package solver_test

import (
	"context"
	"fmt"

	"github.com/paidan/paidan/solver"
)

// Three tasks and two workers: task 1 is pinned to worker 0, task 0 must be
// assigned, task 2 may stay out at cost 20. Worker 0's second and third
// units cost 5 each, so task 0 goes to worker 1 (6 + 1) rather than join
// task 1 (4 + 5).
func ExampleSolveDispatch() {
	d := &solver.Dispatch{
		Tasks: 3, Workers: 2,
		ArcTask:    []int32{0, 0, 1, 2},
		ArcWorker:  []int32{0, 1, 0, 1},
		ArcCost:    []int64{4, 6, 3, 5},
		Unassigned: []int64{solver.NoLeave, 20, 20},
		Tiers: [][]solver.Tier{
			{{Units: 1, Cost: 0}, {Units: 2, Cost: 5}},
			{{Units: 2, Cost: 1}},
		},
		Pinned: []int32{2},
	}
	res, err := solver.SolveDispatch(context.Background(), d)
	if err != nil {
		fmt.Println(err)
		return
	}
	bound, err := solver.VerifyDispatch(d, res)
	fmt.Println("arcs:", res.TaskArc, "loads:", res.WorkerLoad)
	fmt.Println("objective:", res.Objective, "proved:", err == nil && bound == res.Objective)
	// Output:
	// arcs: [1 2 3] loads: [1 2]
	// objective: 16 proved: true
}
