package solver

// localityOrder numbers tasks and workers so that those which share
// candidate arcs lie close together in memory: a breadth-first search over
// the bipartite candidate graph, started at the lowest unvisited worker,
// numbers each worker when it is reached and each task when the first of
// its workers is scanned. On geometric instances this sweeps the plane in
// waves, so a shortest path search, which stays in one neighbourhood,
// touches few cache lines: at 100k tasks of the benchmark shape the solve
// ran about 3 times faster than on the generator's random numbering.
// (Grouping tasks by their cheapest worker instead measured the same.)
// Tasks with no candidate arc come last, in index order.
//
// It returns the tasks and the workers in their new order (new → old).
// off and order group the arcs by task, as from Dispatch.byTask.
func (d *Dispatch) localityOrder(off, order []int32) (tasks, workers []int32) {
	T, W := d.Tasks, d.Workers
	// Workers' tasks, grouped by worker.
	woff := make([]int32, W+1)
	for _, w := range d.ArcWorker {
		woff[w+1]++
	}
	for w := range W {
		woff[w+1] += woff[w]
	}
	wtask := make([]int32, len(d.ArcWorker))
	fill := make([]int32, W)
	copy(fill, woff[:W])
	for t := range T {
		for p := off[t]; p < off[t+1]; p++ {
			w := d.ArcWorker[arcAt(order, p)]
			wtask[fill[w]] = int32(t)
			fill[w]++
		}
	}

	tasks = make([]int32, 0, T)
	workers = make([]int32, 0, W)
	taskSeen := make([]bool, T)
	workerSeen := make([]bool, W)
	for root := range int32(W) {
		if workerSeen[root] {
			continue
		}
		workerSeen[root] = true
		workers = append(workers, root)
		// workers doubles as the queue: entries from head on are unscanned.
		for head := len(workers) - 1; head < len(workers); head++ {
			w := workers[head]
			for _, t := range wtask[woff[w]:woff[w+1]] {
				if taskSeen[t] {
					continue
				}
				taskSeen[t] = true
				tasks = append(tasks, t)
				for p := off[t]; p < off[t+1]; p++ {
					if v := d.ArcWorker[arcAt(order, p)]; !workerSeen[v] {
						workerSeen[v] = true
						workers = append(workers, v)
					}
				}
			}
		}
	}
	for t := range int32(T) {
		if !taskSeen[t] { // no candidate arc
			tasks = append(tasks, t)
		}
	}
	return tasks, workers
}
