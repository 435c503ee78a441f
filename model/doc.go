// Package model turns a batch of tasks and workers under business rules
// into a solver network, and the solver's solution back into a plan with a
// cost breakdown per assignment and a reason per unassigned task.
//
// In the pipeline it sits between ingest and write-back:
//
//	ingest ──► *paidan.Batch ──► model.Plan ──► *paidan.Plan ──► export
//	                               │    ▲
//	                               ▼    │
//	             solver.SolveDispatch, solver.VerifyDispatch
//
// Hard rules decide which worker may take which task: the worker has every
// required skill, serves the task's region (no regions means all), is within
// the distance limit (haversine distance; the smaller of the rules' and the
// worker's limit, zero meaning none), can arrive before its shift ends and
// before the task is due (arrival = max(AsOf, ShiftStart) + distance/speed),
// and has capacity left. Soft costs, rounded to integers of
// Rules.Resolution, are then minimized exactly: travel, load-balancing
// tiers, the stability penalty for moving a task off its previous worker,
// and the penalty for leaving a task unassigned. Pinned tasks are forced
// onto their worker, or left unassigned with reason PinnedInfeasible when
// that worker cannot take them.
//
// Each task keeps only its Rules.CandidatesPerTask nearest eligible
// workers, found through a k-d tree over Earth-centred coordinates, so the
// network has O(tasks·k) arcs rather than tasks×workers. Reasons for
// unassigned tasks are found against every worker through the same tree.
//
// A typical use:
//
//	plan, stats, err := model.Plan(ctx, batch, rules, model.Options{})
//	if errors.Is(err, paidan.ErrCertificate) {
//		// never write such a plan back
//	}
//	why, err := model.Explain(batch, rules, plan, "t42")
package model
