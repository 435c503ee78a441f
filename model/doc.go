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
// Each task starts with only its Rules.CandidatesPerTask nearest eligible
// workers, found through a k-d tree over Earth-centred coordinates, so the
// network has O(tasks·k) arcs rather than tasks×workers. After each solve,
// pricing (column generation) checks every eligible pair off the network
// against the dual potentials, searching the tree only within the distance
// beyond which travel alone rules a pair out; pairs of negative reduced cost
// are added and the network solved again. The final certificate therefore
// proves the plan optimal over every eligible task-worker pair, not only
// the candidates. Reasons for unassigned tasks are found against every
// worker through the same tree.
//
// Large batches (Options.SampleMinTasks, 8,000 tasks by default) first plan
// a quarter of themselves the same way, until its pricing rounds settle
// rather than to its optimum, and the first network also gets the
// pairs that price out against the sample's worker potentials: it then
// starts close to the final network, and the rounds after the first are
// short. The seed changes the time only, never the optimum.
//
// Where each rule and stage lives:
//
//	rule or stage                                     file
//	hard rules: skill, region, range, shift, capacity eligibility.go (instance.check, ruleDetail)
//	batch checks (the root's Batch.Validate)          eligibility.go (newInstance)
//	distance (haversine), k-d trees, nearest workers  geo.go
//	soft costs in exact units: travel, stability,     costs.go (costModel, penaltyRule, tiers,
//	  balance tiers, unassigned penalty, overflow       firstAbove, checkTotal)
//	candidates, spill, the solver network, pins       network.go
//	pricing (column generation)                       pricing.go
//	a sample's plan, the seed of the first network    sample.go
//	unassigned reasons and their details              reasons.go
//	the stages in order, reading the solution back    model.go (Plan)
//	KPIs overall and by region                        kpis.go
//	explanations of one task                          explain.go
//	rules and input hashes, run ids                   hash.go
//
// A typical use:
//
//	plan, stats, err := model.Plan(ctx, batch, rules, model.Options{})
//	if errors.Is(err, paidan.ErrCertificate) {
//		// never write such a plan back
//	}
//	why, err := model.Explain(batch, rules, plan, "t42")
package model
