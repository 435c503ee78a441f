package file

// column is one column of a dataset table.
type column struct {
	name     string
	required bool // the header must have it
}

// table describes one dataset table. The column order is the order Write
// uses; Load accepts any order.
type table struct {
	name    string // file name without extension
	columns []column
}

// Columns of tasks, indexes into tasksTable().columns.
const (
	taskID = iota
	taskRegion
	taskSkills
	taskPriority
	taskLat
	taskLon
	taskCreatedAt
	taskDueAt
	taskPinnedWorker
	taskPreviousWorker
)

func tasksTable() table {
	return table{name: "tasks", columns: []column{
		taskID:             {"id", true},
		taskRegion:         {"region", true},
		taskSkills:         {"skills", false},
		taskPriority:       {"priority", false},
		taskLat:            {"lat", true},
		taskLon:            {"lon", true},
		taskCreatedAt:      {"created_at", true},
		taskDueAt:          {"due_at", false},
		taskPinnedWorker:   {"pinned_worker", false},
		taskPreviousWorker: {"previous_worker", false},
	}}
}

// Columns of workers, indexes into workersTable().columns.
const (
	workerID = iota
	workerRegions
	workerSkills
	workerCapacity
	workerLoad
	workerLat
	workerLon
	workerShiftStart
	workerShiftEnd
	workerMaxDistanceKm
)

func workersTable() table {
	return table{name: "workers", columns: []column{
		workerID:            {"id", true},
		workerRegions:       {"regions", false},
		workerSkills:        {"skills", false},
		workerCapacity:      {"capacity", true},
		workerLoad:          {"load", false},
		workerLat:           {"lat", true},
		workerLon:           {"lon", true},
		workerShiftStart:    {"shift_start", false},
		workerShiftEnd:      {"shift_end", false},
		workerMaxDistanceKm: {"max_distance_km", false},
	}}
}
