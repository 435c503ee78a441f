package solver

// NoLeave is the Dispatch.Unassigned entry that means the task must be
// assigned: it has no leave-unassigned arc.
const NoLeave int64 = -1

// Dispatch is the min-cost flow network of a dispatch plan, in the shape the
// solver exploits: T tasks of unit demand, W workers with capacity split into
// tiers of rising marginal cost, candidate arcs from tasks to workers, an
// optional leave-unassigned arc per task, and pinned arcs that must be used.
//
// As a flow network its nodes are numbered tasks 0..T-1, workers T..T+W-1
// and one sink T+W. Each task supplies one unit; the sink absorbs T. Arcs
// are task→worker (capacity 1, ArcCost), worker→sink (one per tier: capacity
// Units, cost Cost) and task→sink (capacity 1, Unassigned cost).
//
// Costs are in integer units chosen by the caller and may be negative on
// candidate arcs; tiers of one worker must have non-decreasing Cost (a
// convex load cost).
type Dispatch struct {
	Tasks   int
	Workers int

	// Candidate arcs: arc a links task ArcTask[a] to worker ArcWorker[a] at
	// cost ArcCost[a]. The three slices have equal length. A task-worker pair
	// appears at most once.
	ArcTask   []int32
	ArcWorker []int32
	ArcCost   []int64

	// Unassigned[t] is the cost of leaving task t out of the plan, or NoLeave
	// if it must be assigned. Length Tasks.
	Unassigned []int64

	// Tiers[w] is worker w's capacity as consecutive tiers; the first
	// Tiers[w][0].Units units cost Tiers[w][0].Cost each, and so on. An empty
	// list means no capacity. Length Workers.
	Tiers [][]Tier

	// Pinned lists candidate arcs that must carry flow (the task is forced
	// onto that worker). At most one per task.
	Pinned []int32
}

// Tier is a block of a worker's capacity with one marginal cost per unit.
type Tier struct {
	Units int64 // units of capacity in the tier; positive
	Cost  int64 // cost of each unit used
}

// DispatchResult is an optimal dispatch with its certificate.
type DispatchResult struct {
	// TaskArc[t] is the candidate arc task t uses, or -1 when it is left
	// unassigned. Length Tasks.
	TaskArc []int32
	// WorkerLoad[w] is the number of tasks given to worker w.
	WorkerLoad []int64

	// Objective is the total cost: candidate arcs used, tier units used and
	// unassigned penalties paid.
	Objective int64
	// DualBound is the dual objective of Potential; equal to Objective when
	// the solution is optimal.
	DualBound int64
	// Potential holds a node potential per network node (tasks, workers,
	// sink, numbered as documented on Dispatch) such that every residual arc
	// has non-negative reduced cost cost(u,v) - Potential[u] + Potential[v]
	// (the convention of Ahuja, Magnanti and Orlin, Network Flows, 1993).
	Potential []int64

	// Basis is the optimal spanning tree when the network simplex solved
	// the dispatch (nil otherwise), for DispatchStart.Basis. It also keeps
	// the simplex for the first solve that starts from it (see
	// DispatchBasis): set it to nil when no such solve follows.
	Basis *DispatchBasis

	Stats Stats
}
