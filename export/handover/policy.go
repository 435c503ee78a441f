package handover

// Decision is what the export does with one table: exports it, without
// the columns in Omit (column name to reason), or, when Exclude is
// non-empty, leaves it out for that reason.
type Decision struct {
	Exclude string
	Omit    map[string]string
}

// Policy is the decision for every table of the paidan schema this release
// knows. TestPolicyCoversEverySchemaTable (handover/postgres) fails when a
// migration adds a table without a decision here.
func Policy() map[string]Decision {
	const withheld = "a credential: a copy must not let anyone log in or call the API"
	return map[string]Decision{
		"task":                {},
		"worker":              {},
		"run":                 {},
		"assignment":          {},
		"unassigned":          {},
		"assignment_archive":  {},
		"edit_history":        {},
		"ledger":              {},
		"run_usage":           {},
		"maintenance":         {},
		"audit":               {},
		"partition_pause":     {},
		"run_request":         {},
		"run_input":           {},
		"run_rollup":          {},
		"run_region_rollup":   {},
		"task_rollup":         {},
		"report_run":          {},
		"subscriber":          {Omit: map[string]string{"secret": "a credential: it signs deliveries to the subscriber"}}, // #nosec G101 -- a column name and the reason it is left out, no credential
		"account":             {Omit: map[string]string{"password_hash": withheld}},
		"api_token":           {Omit: map[string]string{"hash": withheld}},
		"worker_token":        {Omit: map[string]string{"hash": withheld}},
		"run_applied":         {},
		"console_session":     {Exclude: "live login sessions, keyed by a hash of the session cookie: " + withheld + "; logins are in audit"},
		"ledger_lock":         {Exclude: "one constant row that serialises ledger appends; it holds no data"},
		"scheduler_heartbeat": {Exclude: "the running schedulers' next ticks: live state that means nothing once they stop"},
	}
}
