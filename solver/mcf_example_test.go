package solver_test

import (
	"context"
	"fmt"

	"github.com/paidan/paidan/solver"
)

// Two warehouses ship to two shops; the solver finds the cheapest plan and
// the certificate proves it.
func ExampleSolveMCF() {
	n := solver.NewNetwork(4) // warehouses 0, 1; shops 2, 3
	n.Supply = []int64{3, 2, -4, -1}
	n.AddArc(0, 2, 0, 10, 1)
	n.AddArc(0, 3, 0, 10, 5)
	n.AddArc(1, 2, 0, 10, 2)
	n.AddArc(1, 3, 0, 10, 1)
	f, err := solver.SolveMCF(context.Background(), n)
	if err != nil {
		fmt.Println(err)
		return
	}
	bound, err := solver.Verify(n, f)
	fmt.Println("flow", f.Flow, "objective", f.Objective, "dual bound", bound, err)
	// Output: flow [3 0 1 1] objective 6 dual bound 6 <nil>
}
